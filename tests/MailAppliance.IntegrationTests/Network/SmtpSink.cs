using System.Text.Json;
using System.Text.Json.Nodes;

namespace MailAppliance.IntegrationTests.Network;

/// <summary>
/// How an <see cref="SmtpSink"/> answers. Every property left null means the normal 250 (220 for the greeting).
/// Replies are full lines with enhanced codes, e.g. <c>"451 4.3.0 try again later"</c>.
/// </summary>
public sealed class SinkBehavior
{
    /// <summary>Sent instead of the 220 greeting, then the connection is closed (e.g. <c>"421 4.3.2 busy"</c>, <c>"554 5.7.1 go away"</c>).</summary>
    public string? Connect { get; init; }

    /// <summary>Reply to EHLO.</summary>
    public string? Ehlo { get; init; }

    /// <summary>Reply to MAIL FROM.</summary>
    public string? Mail { get; init; }

    /// <summary>Reply to every RCPT TO not in <see cref="RcptByAddress"/>.</summary>
    public string? Rcpt { get; init; }

    /// <summary>Reply to RCPT TO per recipient address (lower case).</summary>
    public IDictionary<string, string> RcptByAddress { get; init; } = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);

    /// <summary>Reply after the message content; a non-250 reply means the message is not stored.</summary>
    public string? Data { get; init; }

    /// <summary>Wait this long before the greeting (for timeout tests).</summary>
    public TimeSpan ConnectDelay { get; init; }

    /// <summary>Wait this long before the reply to the message content (for timeout tests).</summary>
    public TimeSpan DataDelay { get; init; }

    /// <summary>Accept everything (the default).</summary>
    public static SinkBehavior AcceptAll => new();

    internal string ToJson()
    {
        var root = new JsonObject();
        Put(root, "connect", Connect, ConnectDelay);
        Put(root, "ehlo", Ehlo, TimeSpan.Zero);
        Put(root, "mail", Mail, TimeSpan.Zero);
        Put(root, "data", Data, DataDelay);
        if (Rcpt is not null || RcptByAddress.Count > 0)
        {
            var rcpt = new JsonObject();
            foreach (var (address, reply) in RcptByAddress)
            {
                rcpt[address.ToLowerInvariant()] = reply;
            }

            if (Rcpt is not null)
            {
                rcpt["*"] = Rcpt;
            }

            root["rcpt"] = rcpt;
        }

        return root.ToJsonString();
    }

    private static void Put(JsonObject root, string key, string? reply, TimeSpan delay)
    {
        if (delay > TimeSpan.Zero)
        {
            root[key] = new JsonObject { ["reply"] = reply, ["delay"] = delay.TotalSeconds };
        }
        else if (reply is not null)
        {
            root[key] = reply;
        }
    }
}

/// <summary>What an <see cref="SmtpSink"/> starts with.</summary>
public sealed class SmtpSinkOptions
{
    /// <summary>The TCP port on both addresses. Default 25.</summary>
    public int Port { get; init; } = 25;

    /// <summary>The name in the greeting and EHLO reply. Default: the host name under <c>.test</c>.</summary>
    public string? Hostname { get; init; }

    /// <summary>Initial replies. Default: accept everything.</summary>
    public SinkBehavior Behavior { get; init; } = SinkBehavior.AcceptAll;

    /// <summary>PEM certificate chain and key: when both are set, STARTTLS is offered.</summary>
    public string? CertificatePath { get; init; }

    /// <summary>PEM private key for <see cref="CertificatePath"/>.</summary>
    public string? KeyPath { get; init; }
}

/// <summary>
/// An SMTP server in a host of the test internet (Python aiosmtpd, tests/scripts/netns/smtp_sink.py) listening
/// on the host's IPv4 and IPv6 addresses. Each accepted message is kept byte-exact with its envelope; replies are
/// scriptable while it runs (<see cref="SetBehaviorAsync"/>); <see cref="StopAsync"/> leaves the port closed so
/// connections are refused.
/// </summary>
public sealed class SmtpSink : IAsyncDisposable
{
    private readonly SmtpSinkOptions _options;
    private readonly string _behaviorPath;
    private HostProcess? _process;

    private SmtpSink(NetHost host, string directory, SmtpSinkOptions options)
    {
        Host = host;
        Directory = directory;
        _options = options;
        _behaviorPath = System.IO.Path.Combine(directory, "behavior.json");
    }

    /// <summary>The host it runs in.</summary>
    public NetHost Host { get; }

    /// <summary>The port it listens on.</summary>
    public int Port => _options.Port;

    /// <summary>Where it writes messages (NNNNNN.eml and .json) and transcript.log.</summary>
    public string Directory { get; }

    /// <summary>True while the server runs.</summary>
    public bool IsRunning => _process?.IsRunning == true;

    /// <summary>What the sink saw, one line per event ("connect 192.0.2.1 -> 220", "RCPT a@b -> 250 ...").</summary>
    public string Transcript
    {
        get
        {
            string path = System.IO.Path.Combine(Directory, "transcript.log");
            return File.Exists(path) ? File.ReadAllText(path) : string.Empty;
        }
    }

    /// <summary>How many connections the sink has seen (accepted or scripted away).</summary>
    public int Connections => Transcript.Split('\n').Count(l => l.StartsWith("connect ", StringComparison.Ordinal));

    /// <summary>The messages received so far, oldest first.</summary>
    public IReadOnlyList<ReceivedMessage> Messages => ReadMessages();

    internal static async Task<SmtpSink> StartAsync(NetHost host, string directory, SmtpSinkOptions options)
    {
        System.IO.Directory.CreateDirectory(directory);
        var sink = new SmtpSink(host, directory, options);
        await sink.SetBehaviorAsync(options.Behavior);
        await sink.StartAsync();
        return sink;
    }

    /// <summary>Changes the replies; takes effect at the next command.</summary>
    public async Task SetBehaviorAsync(SinkBehavior behavior)
    {
        string tmp = _behaviorPath + ".tmp";
        await File.WriteAllTextAsync(tmp, behavior.ToJson());
        File.Move(tmp, _behaviorPath, overwrite: true);
    }

    /// <summary>Starts the server (again, after <see cref="StopAsync"/>); returns once it listens.</summary>
    public async Task StartAsync()
    {
        if (IsRunning)
        {
            return;
        }

        var arguments = new List<string>
        {
            System.IO.Path.Combine(TestInternet.ScriptsDirectory, "smtp_sink.py"),
            "--listen", Host.IPv4.ToString(), "--listen", Host.IPv6.ToString(),
            "--port", Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "--dir", Directory, "--behavior", _behaviorPath, "--hostname", _options.Hostname ?? Host.Name + ".test",
        };
        if (_options.CertificatePath is not null && _options.KeyPath is not null)
        {
            arguments.AddRange(["--tls-cert", _options.CertificatePath, "--tls-key", _options.KeyPath]);
        }

        _process = Host.Start(TestInternet.Python, [.. arguments]);
        await _process.WaitForOutputAsync("READY", TimeSpan.FromSeconds(30));
    }

    /// <summary>Stops the server: the port is closed and connections to it are refused.</summary>
    public async Task StopAsync()
    {
        if (_process is not null)
        {
            await _process.DisposeAsync();
            _process = null;
        }
    }

    /// <summary>Waits until at least <paramref name="count"/> messages arrived and returns all received so far.</summary>
    /// <exception cref="TimeoutException">Fewer arrived in time (the message says what the sink saw).</exception>
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
                throw new TimeoutException($"{Host.Name}: {messages.Count} of {count} messages arrived\n--- transcript ---\n{Transcript}\n--- sink output ---\n{_process?.Output}");
            }

            await Task.Delay(50);
        }
    }

    /// <summary>Forgets the messages received so far and the transcript.</summary>
    public void Clear()
    {
        foreach (string file in System.IO.Directory.EnumerateFiles(Directory).Where(f => !f.EndsWith("behavior.json", StringComparison.Ordinal)).ToList())
        {
            File.Delete(file);
        }
    }

    public ValueTask DisposeAsync() => new(StopAsync());

    private List<ReceivedMessage> ReadMessages()
    {
        var result = new List<ReceivedMessage>();
        foreach (string meta in System.IO.Directory.EnumerateFiles(Directory, "*.json").Where(f => !f.EndsWith("behavior.json", StringComparison.Ordinal)).Order(StringComparer.Ordinal))
        {
            using var doc = JsonDocument.Parse(File.ReadAllText(meta));
            var root = doc.RootElement;
            string eml = System.IO.Path.ChangeExtension(meta, ".eml");
            result.Add(new ReceivedMessage(
                root.GetProperty("mail_from").GetString() ?? string.Empty,
                [.. root.GetProperty("rcpt_tos").EnumerateArray().Select(e => e.GetString() ?? string.Empty)],
                File.ReadAllBytes(eml),
                root.GetProperty("peer").GetString(),
                root.GetProperty("helo").GetString(),
                root.GetProperty("tls").GetBoolean(),
                eml));
        }

        return result;
    }
}
