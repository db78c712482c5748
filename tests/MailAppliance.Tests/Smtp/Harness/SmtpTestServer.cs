using System.Net;
using System.Text;
using MailAppliance.Accounts;
using MailAppliance.Core;
using MailAppliance.Smtp.Policy;
using MailAppliance.Smtp.Server;
using MailAppliance.Smtp.Session;
using MailAppliance.Spool;
using MailAppliance.Tls;
using Microsoft.Extensions.Logging.Abstractions;

namespace MailAppliance.Tests.Smtp.Harness;

/// <summary>
/// An in-process relay for transcript tests: the real <see cref="SmtpEngine"/>, <see cref="RelayPolicy"/> over a
/// real <see cref="DomainDirectory"/> read from a temporary <c>config/domains</c>, a durable spool in a temporary
/// directory and (unless switched off) a self-signed certificate from <see cref="CertificateStore"/>. Three
/// listeners on 127.0.0.1, free ports: <c>mx</c>, <c>submission</c> (STARTTLS) and <c>submissions</c> (implicit TLS).
/// </summary>
/// <remarks>
/// The accounts and aliases:
/// <code>
/// example.test/users     user (password "secret"), alice (password "alice-pw")
/// example.test/aliases   postmaster: user; info: user, alice          (no catch-all)
/// catchall.test/aliases  *: user@example.test
/// </code>
/// </remarks>
internal sealed class SmtpTestServer : IAsyncDisposable
{
    public const string Hostname = "mail.example.test";
    public const string User = "user@example.test";
    public const string UserPassword = "secret";
    public const string Alice = "alice@example.test";
    public const string AlicePassword = "alice-pw";

    private SmtpTestServer(string root, SmtpServerOptions options, SpoolStore spool, CertificateStore? certificates, SmtpEngine engine, SmtpServer server, TestLogger logger)
    {
        Root = root;
        Options = options;
        Spool = spool;
        Certificates = certificates;
        Engine = engine;
        Server = server;
        Logger = logger;
    }

    public string Root { get; }

    public SmtpServerOptions Options { get; }

    public SpoolStore Spool { get; }

    public CertificateStore? Certificates { get; }

    public SmtpEngine Engine { get; }

    public SmtpServer Server { get; }

    public TestLogger Logger { get; }

    /// <summary>Starts a server; <paramref name="configure"/> adjusts the limits (AUTH failure delay is 0 by default here).</summary>
    public static SmtpTestServer Start(Action<SmtpServerOptions>? configure = null, bool tls = true,
        SyncMode sync = SyncMode.Fsync, RelayPolicyOptions? policy = null, MailAppliance.Inbound.InboundAuthenticator? inbound = null)
    {
        string root = Directory.CreateTempSubdirectory("mailappliance-smtp-").FullName;
        string domains = Path.Combine(root, "config", "domains");
        WriteUsers(Path.Combine(domains, "example.test", DomainDirectory.UsersFileName), ("user", UserPassword), ("alice", AlicePassword));
        WriteFile(Path.Combine(domains, "example.test", DomainDirectory.AliasesFileName), "postmaster: user\ninfo: user, alice\n");
        WriteFile(Path.Combine(domains, "catchall.test", DomainDirectory.AliasesFileName), "# everything goes to user\n*: user@example.test\n");
        var directory = DomainDirectory.Load(domains, AddressNormalization.Default);

        var options = new SmtpServerOptions
        {
            Listeners = new(StringComparer.OrdinalIgnoreCase)
            {
                ["mx"] = new() { Mode = ListenerMode.Mx, Port = 0, Addresses = "127.0.0.1" },
                ["submission"] = new() { Mode = ListenerMode.Submission, Port = 0, Addresses = "127.0.0.1" },
                ["submissions"] = new() { Mode = ListenerMode.ImplicitTls, Port = 0, Addresses = "127.0.0.1", Enabled = tls },
            },
            AuthFailureDelay = TimeSpan.Zero,
        };
        configure?.Invoke(options);

        var logger = new TestLogger();
        var spool = new SpoolStore(Path.Combine(root, "state", "queue"), new SpoolOptions { Sync = sync });
        var certificates = tls
            ? new CertificateStore(Path.Combine(root, "config", "certs"), Path.Combine(root, "state", "tls"), Hostname, NullLogger.Instance, watch: false)
            : null;
        var engine = new SmtpEngine(Hostname, options, new RelayPolicy(() => directory, policy ?? new RelayPolicyOptions()), spool,
            certificates is null ? null : certificates.OptionsFor, logger)
        {
            Inbound = inbound,
        };
        var server = new SmtpServer(engine);
        server.Start();
        return new SmtpTestServer(root, options, spool, certificates, engine, server, logger);
    }

    /// <summary>The bound endpoint of a listener.</summary>
    public IPEndPoint EndpointOf(string listener) =>
        Server.Endpoints.Single(e => e.Listener.Equals(listener, StringComparison.OrdinalIgnoreCase)).Endpoint;

    /// <summary>Opens a client connection (implicit TLS on <c>submissions</c>); the greeting is not read yet.</summary>
    public Task<SmtpDialog> ConnectAsync(string listener = "mx") =>
        SmtpDialog.ConnectAsync(EndpointOf(listener), Options.Listeners[listener].Mode == ListenerMode.ImplicitTls);

    /// <summary>Connects and runs a whole dialog script (see <see cref="SmtpDialog.RunAsync"/>).</summary>
    public async Task<SmtpDialog> RunAsync(string script, string listener = "mx")
    {
        var dialog = await ConnectAsync(listener);
        try
        {
            await dialog.RunAsync(script);
        }
        catch
        {
            await dialog.DisposeAsync();
            throw;
        }

        return dialog;
    }

    /// <summary>Runs a script and closes the client.</summary>
    public async Task<SmtpDialog> RunAndCloseAsync(string script, string listener = "mx")
    {
        var dialog = await RunAsync(script, listener);
        await dialog.DisposeAsync();
        return dialog;
    }

    /// <summary>Every committed message.</summary>
    public IReadOnlyList<SpooledMessage> Messages => [.. Spool.List()];

    /// <summary>Files left in the spool's tmp/ directory (partial writes).</summary>
    public IReadOnlyList<string> TemporaryFiles => [.. Directory.EnumerateFiles(Path.Combine(Spool.Directory, "tmp"))];

    /// <summary>A committed message split into the prefix this hop prepended and the content exactly as stored.</summary>
    public StoredMessage Read(string id)
    {
        var message = Spool.Find(id) ?? throw new InvalidOperationException($"no message {id} in the spool");
        using var stream = message.OpenMessage();
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        byte[] all = copy.ToArray();
        Assert.Equal(message.PrefixLength + message.ContentLength, all.Length);
        return new StoredMessage(message.Envelope, Encoding.UTF8.GetString(all, 0, (int)message.PrefixLength), all[(int)message.PrefixLength..]);
    }

    /// <summary>The only committed message.</summary>
    public StoredMessage Single() => Read(Assert.Single(Messages).Id);

    public async ValueTask DisposeAsync()
    {
        await Server.StopAsync(TimeSpan.FromSeconds(5));
        await Server.DisposeAsync();
        Spool.Dispose();
        Certificates?.Dispose();
        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (IOException)
        {
            // A session still closing; the temporary directory is not worth failing a test for.
        }
    }

    private static void WriteUsers(string path, params (string Name, string Password)[] users)
    {
        // Few PBKDF2 iterations so that fixtures cost nothing; the format is the real one, checked by Parse.
        var text = new StringBuilder("# test accounts\n");
        foreach (var (name, password) in users)
        {
            text.Append(name).Append(' ').Append(PasswordHasher.Hash(password, 1000)).Append('\n');
        }

        UserDatabase.Parse(path, text.ToString()).Save();
    }

    private static void WriteFile(string path, string text) => SafeFile.WriteAllText(path, text);
}

/// <summary>A spooled message: envelope, prepended fields, content.</summary>
internal sealed record StoredMessage(Envelope Envelope, string Prefix, byte[] Content)
{
    public string ContentText => Encoding.UTF8.GetString(Content);
}
