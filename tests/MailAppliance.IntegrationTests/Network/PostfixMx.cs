using System.Net.Sockets;
using System.Text;

namespace MailAppliance.IntegrationTests.Network;

/// <summary>What a <see cref="PostfixMx"/> starts with.</summary>
public sealed class PostfixOptions
{
    /// <summary>The domains it accepts mail for (virtual mailbox domains; every address in them is accepted).</summary>
    public IReadOnlyList<string> Domains { get; init; } = ["dest.test"];

    /// <summary>Its name (greeting, Received). Default: the host name under <c>.test</c>.</summary>
    public string? Hostname { get; init; }

    /// <summary>PEM certificate chain and key: when both are set, STARTTLS is offered.</summary>
    public string? CertificatePath { get; init; }

    /// <summary>PEM private key for <see cref="CertificatePath"/>.</summary>
    public string? KeyPath { get; init; }

    /// <summary>More main.cf lines (<c>name = value</c>), applied last.</summary>
    public IReadOnlyList<string> ExtraMainCf { get; init; } = [];
}

/// <summary>
/// A real Postfix receiving MX in a host of the test internet: a private instance (<c>postfix -c DIR</c>, own
/// queue, data and log) on port 25 of the host's IPv4 and IPv6 addresses, delivering every recipient of its
/// domains into one Maildir that <see cref="WaitForMessagesAsync"/> reads back. Its log is <see cref="Log"/>.
/// </summary>
public sealed class PostfixMx : IAsyncDisposable
{
    private readonly string _config;
    private readonly string _maildir;
    private readonly string _log;

    private PostfixMx(NetHost host, string directory, PostfixOptions options)
    {
        Host = host;
        Directory = directory;
        Options = options;
        _config = Path.Combine(directory, "etc");
        _maildir = Path.Combine(directory, "mail", "Maildir");
        _log = Path.Combine(directory, "maillog");
    }

    /// <summary>The host it runs in.</summary>
    public NetHost Host { get; }

    /// <summary>Its directory: etc/, queue/, data/, mail/Maildir, maillog.</summary>
    public string Directory { get; }

    /// <summary>What it was started with.</summary>
    public PostfixOptions Options { get; }

    /// <summary>Postfix's log (maillog_file).</summary>
    public string Log => File.Exists(_log) ? File.ReadAllText(_log) : string.Empty;

    /// <summary>The messages delivered so far, oldest first.</summary>
    public IReadOnlyList<ReceivedMessage> Messages => ReadMessages();

    internal static async Task<PostfixMx> StartAsync(NetHost host, string directory, PostfixOptions options)
    {
        var mx = new PostfixMx(host, directory, options);
        await mx.ConfigureAsync();
        await mx.StartAsync();
        return mx;
    }

    /// <summary>Starts Postfix (again, after <see cref="StopAsync"/>); returns once port 25 accepts connections.</summary>
    public async Task StartAsync()
    {
        var result = await Host.RunAsync("/usr/sbin/postfix", "-c", _config, "start");
        if (!result.Succeeded)
        {
            throw new InvalidOperationException($"{result}\n--- maillog ---\n{Log}");
        }

        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (true)
        {
            try
            {
                using var tcp = new TcpClient();
                await tcp.ConnectAsync(Host.IPv4, 25);
                return;
            }
            catch (SocketException) when (DateTime.UtcNow < deadline)
            {
                await Task.Delay(50);
            }
            catch (SocketException e)
            {
                throw new InvalidOperationException($"Postfix on {Host} does not accept connections: {e.Message}\n--- maillog ---\n{Log}", e);
            }
        }
    }

    /// <summary>Starts Postfix if it is stopped.</summary>
    public async Task EnsureRunningAsync()
    {
        var status = await Host.RunAsync("/usr/sbin/postfix", "-c", _config, "status");
        if (!status.Succeeded)
        {
            await StartAsync();
        }
    }

    /// <summary>Stops Postfix: port 25 is closed and connections are refused.</summary>
    public async Task StopAsync()
    {
        await Host.RunAsync("/usr/sbin/postfix", "-c", _config, "stop");

        // "postfix stop" returns before the listener is gone: wait until connections are refused.
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (DateTime.UtcNow < deadline)
        {
            try
            {
                using var tcp = new TcpClient();
                await tcp.ConnectAsync(Host.IPv4, 25);
            }
            catch (SocketException)
            {
                return;
            }

            await Task.Delay(50);
        }
    }

    /// <summary>Waits until at least <paramref name="count"/> messages were delivered and returns all so far.</summary>
    /// <exception cref="TimeoutException">Fewer arrived in time (the message carries Postfix's log).</exception>
    public async Task<IReadOnlyList<ReceivedMessage>> WaitForMessagesAsync(int count = 1, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(30));
        while (true)
        {
            var messages = ReadMessages();
            if (messages.Count >= count)
            {
                return messages;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"{Host.Name}: {messages.Count} of {count} messages delivered\n--- maillog ---\n{Log}");
            }

            await Task.Delay(100);
        }
    }

    public ValueTask DisposeAsync() => new(StopAsync());

    private async Task ConfigureAsync()
    {
        foreach (string d in new[] { _config, Path.Combine(Directory, "queue"), Path.Combine(Directory, "data"), Path.Combine(Directory, "mail") })
        {
            System.IO.Directory.CreateDirectory(d);
        }

        // Postfix's own processes run as postfix (data) and delivery as nobody (mail): give them their directories.
        await Command.RunCheckedAsync("chown", "postfix", Path.Combine(Directory, "data"));
        await Command.RunCheckedAsync("chown", "nobody:nogroup", Path.Combine(Directory, "mail"));

        string hostname = Options.Hostname ?? Host.Name + ".test";
        var main = new StringBuilder($"""
            compatibility_level = 3.6
            myhostname = {hostname}
            mydestination =
            myorigin = $myhostname
            inet_interfaces = {Host.IPv4}, [{Host.IPv6}]
            inet_protocols = all
            mynetworks = 127.0.0.0/8 [::1]/128
            queue_directory = {Path.Combine(Directory, "queue")}
            data_directory = {Path.Combine(Directory, "data")}
            maillog_file = {_log}
            maillog_file_prefixes = {Directory}
            alias_maps =
            alias_database =
            local_recipient_maps =
            smtpd_banner = $myhostname ESMTP Postfix (test internet)
            smtpd_relay_restrictions = permit_mynetworks, reject_unauth_destination
            smtputf8_enable = yes
            biff = no
            virtual_mailbox_domains = {string.Join(", ", Options.Domains)}
            virtual_mailbox_base = {Path.Combine(Directory, "mail")}
            virtual_mailbox_maps = static:Maildir/
            virtual_uid_maps = static:65534
            virtual_gid_maps = static:65534
            virtual_minimum_uid = 100

            """);
        if (Options.CertificatePath is not null && Options.KeyPath is not null)
        {
            main.Append($"smtpd_tls_cert_file = {Options.CertificatePath}\nsmtpd_tls_key_file = {Options.KeyPath}\nsmtpd_tls_security_level = may\n");
        }

        foreach (string line in Options.ExtraMainCf)
        {
            main.Append(line).Append('\n');
        }

        await File.WriteAllTextAsync(Path.Combine(_config, "main.cf"), main.ToString());

        // Only the services a receiving MX needs; nothing chrooted (the paths are the temporary directory's).
        await File.WriteAllTextAsync(Path.Combine(_config, "master.cf"), """
            smtp      inet  n       -       n       -       -       smtpd
            pickup    unix  n       -       n       60      1       pickup
            cleanup   unix  n       -       n       -       0       cleanup
            qmgr      unix  n       -       n       300     1       qmgr
            tlsmgr    unix  -       -       n       1000?   1       tlsmgr
            rewrite   unix  -       -       n       -       -       trivial-rewrite
            bounce    unix  -       -       n       -       0       bounce
            defer     unix  -       -       n       -       0       bounce
            trace     unix  -       -       n       -       0       bounce
            verify    unix  -       -       n       -       1       verify
            flush     unix  n       -       n       1000?   0       flush
            proxymap  unix  -       -       n       -       -       proxymap
            smtp      unix  -       -       n       -       -       smtp
            relay     unix  -       -       n       -       -       smtp
            showq     unix  n       -       n       -       -       showq
            error     unix  -       -       n       -       -       error
            retry     unix  -       -       n       -       -       error
            discard   unix  -       -       n       -       -       discard
            local     unix  -       n       n       -       -       local
            virtual   unix  -       n       n       -       -       virtual
            anvil     unix  -       -       n       -       1       anvil
            scache    unix  -       -       n       -       1       scache
            postlog   unix-dgram n  -       n       -       1       postlogd

            """);
        var check = await Host.RunAsync("/usr/sbin/postfix", "-c", _config, "check");
        if (!check.Succeeded)
        {
            throw new InvalidOperationException($"{check}\n--- maillog ---\n{Log}");
        }
    }

    private List<ReceivedMessage> ReadMessages()
    {
        string dir = Path.Combine(_maildir, "new");
        if (!System.IO.Directory.Exists(dir))
        {
            return [];
        }

        var result = new List<ReceivedMessage>();
        foreach (var file in new DirectoryInfo(dir).GetFiles().OrderBy(f => f.LastWriteTimeUtc).ThenBy(f => f.Name, StringComparer.Ordinal))
        {
            byte[] data = File.ReadAllBytes(file.FullName);
            var message = new ReceivedMessage(string.Empty, [], data, null, null, false, file.FullName);
            string sender = message.Header("Return-Path")?.Trim('<', '>') ?? string.Empty;
            string? recipient = message.Header("Delivered-To");
            result.Add(message with { Sender = sender, Recipients = recipient is null ? [] : [recipient] });
        }

        return result;
    }
}
