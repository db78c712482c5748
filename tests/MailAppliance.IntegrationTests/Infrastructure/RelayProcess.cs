using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;

namespace MailAppliance.IntegrationTests.Infrastructure;

/// <summary>What a relay under test starts with: its host name, local domains with users and aliases, extra settings.</summary>
public sealed class RelaySetup
{
    /// <summary>The relay's host name (greeting, EHLO, self-signed certificate).</summary>
    public string Hostname { get; init; } = "mail.example.test";

    /// <summary>Local domains (directories under config/domains), even those without users or aliases.</summary>
    public SortedSet<string> Domains { get; } = new(StringComparer.Ordinal);

    /// <summary>Accounts to create with <c>mailctl user add</c>: address and password.</summary>
    public List<(string Address, string Password)> Users { get; } = [];

    /// <summary>Lines of each domain's aliases file (chasquid format).</summary>
    public Dictionary<string, List<string>> Aliases { get; } = new(StringComparer.Ordinal);

    /// <summary>More settings, as environment variables (<c>Smtp__MaxErrors</c> = <c>20</c>).</summary>
    public Dictionary<string, string> Settings { get; } = new(StringComparer.Ordinal);

    /// <summary>Adds an account (and its domain).</summary>
    public RelaySetup WithUser(string address, string password)
    {
        Users.Add((address, password));
        Domains.Add(address[(address.IndexOf('@') + 1)..]);
        return this;
    }

    /// <summary>Adds a line to a domain's aliases file (and the domain), e.g. <c>*: someone@elsewhere.test</c>.</summary>
    public RelaySetup WithAlias(string domain, string line)
    {
        Domains.Add(domain);
        if (!Aliases.TryGetValue(domain, out var lines))
        {
            Aliases[domain] = lines = [];
        }

        lines.Add(line);
        return this;
    }

    /// <summary>Adds a local domain with no users or aliases.</summary>
    public RelaySetup WithDomain(string domain)
    {
        Domains.Add(domain);
        return this;
    }

    /// <summary>
    /// Lets the queue deliver (it is paused by default), with quick retries, resolving through the test internet's
    /// DNS (<paramref name="dnsServers"/>, e.g. <c>net.Dns.Servers</c>) without caching.
    /// </summary>
    public RelaySetup DeliveringThrough(string dnsServers)
    {
        Settings["Queue__Paused"] = "false";
        Settings["Queue__MinRetryDelay"] = "00:00:01";
        Settings["Queue__MaxRetryDelay"] = "00:00:02";
        Settings["Dns__Servers"] = dnsServers;
        Settings["Dns__Timeout"] = "00:00:03";
        Settings["Dns__Retries"] = "1";
        Settings["Dns__UseCache"] = "false";
        return this;
    }
}

/// <summary>
/// The real relay process (<c>SmtpRelay.dll --config DIR --state DIR</c>) on free loopback ports, in a temporary
/// directory of its own. It can be killed with SIGKILL and started again on the same directories and ports, and
/// is always killed and cleaned up on dispose. Every line it writes is kept in <see cref="Output"/>, so a failing
/// test can say what the relay said.
/// </summary>
public sealed class RelayProcess : IAsyncDisposable
{
    /// <summary>How long a start may take before the test fails.</summary>
    public static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(30);

    private readonly StringBuilder _output = new();
    private readonly object _outputGate = new();
    private Process? _process;
    private HttpClient? _admin;
    private int _starts;

    private RelayProcess(string root, RelaySetup setup)
    {
        Root = root;
        Setup = setup;
        Config = Path.Combine(root, "config");
        State = Path.Combine(root, "state");
        int[] ports = FreePorts(4);
        (MxPort, SubmissionPort, SubmissionsPort, AdminPort) = (ports[0], ports[1], ports[2], ports[3]);
    }

    /// <summary>The temporary directory holding config/ and state/.</summary>
    public string Root { get; }

    /// <summary>What the relay was set up with.</summary>
    public RelaySetup Setup { get; }

    /// <summary>The config directory.</summary>
    public string Config { get; }

    /// <summary>The state directory.</summary>
    public string State { get; }

    /// <summary>The spool directory (state/queue).</summary>
    public string Queue => Path.Combine(State, "queue");

    /// <summary>config/certs.</summary>
    public string Certs => Path.Combine(Config, "certs");

    /// <summary>The directory of a local domain.</summary>
    public string DomainDirectory(string domain) => Path.Combine(Config, "domains", domain);

    /// <summary>Port of the mx listener (plain, STARTTLS offered).</summary>
    public int MxPort { get; }

    /// <summary>Port of the submission listener (STARTTLS, then AUTH).</summary>
    public int SubmissionPort { get; }

    /// <summary>Port of the submissions listener (implicit TLS).</summary>
    public int SubmissionsPort { get; }

    /// <summary>Port of the admin HTTP endpoint.</summary>
    public int AdminPort { get; }

    /// <summary>Base address of the admin HTTP endpoint.</summary>
    public Uri AdminUri => new($"http://127.0.0.1:{AdminPort}/");

    /// <summary>A client for the admin endpoint (no connection reuse across restarts of the process).</summary>
    public HttpClient Admin => _admin ??= new HttpClient(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.Zero })
    {
        BaseAddress = AdminUri,
        Timeout = TimeSpan.FromSeconds(15),
    };

    /// <summary>The process id of the running relay.</summary>
    public int ProcessId => _process?.Id ?? throw new InvalidOperationException("the relay is not running");

    /// <summary>True while the relay process runs.</summary>
    public bool IsRunning => _process is { HasExited: false };

    /// <summary>Everything the relay wrote to stdout and stderr so far, over all its starts.</summary>
    public string Output
    {
        get
        {
            lock (_outputGate)
            {
                return _output.ToString();
            }
        }
    }

    /// <summary>Prepares the directories and starts the relay, returning once it greets on the mx port.</summary>
    public static async Task<RelayProcess> StartAsync(RelaySetup? setup = null)
    {
        var relay = await CreateAsync(setup);
        try
        {
            await relay.StartAsync();
            return relay;
        }
        catch
        {
            await relay.DisposeAsync();
            throw;
        }
    }

    /// <summary>Prepares the directories (settings, domains, users through mailctl, aliases) without starting.</summary>
    public static async Task<RelayProcess> CreateAsync(RelaySetup? setup = null)
    {
        setup ??= new RelaySetup();
        var relay = new RelayProcess(Directory.CreateTempSubdirectory("mailappliance-relay-").FullName, setup);
        try
        {
            await relay.PrepareAsync();
            return relay;
        }
        catch
        {
            await relay.DisposeAsync();
            throw;
        }
    }

    private async Task PrepareAsync()
    {
        Directory.CreateDirectory(Config);
        Directory.CreateDirectory(State);
        var settings = new
        {
            Hostname = Setup.Hostname,
            Smtp = new
            {
                Listeners = new Dictionary<string, object>
                {
                    ["mx"] = new { Port = MxPort, Addresses = "127.0.0.1, ::1" },
                    ["submission"] = new { Port = SubmissionPort, Addresses = "127.0.0.1, ::1" },
                    ["submissions"] = new { Port = SubmissionsPort, Addresses = "127.0.0.1, ::1" },
                },
                AuthFailureDelay = "00:00:00",
            },
            SmtpRelay = new { AdminUrls = $"http://127.0.0.1:{AdminPort}" },
            // Tests talk only to loopback and their own namespaces: DNS goes to a closed loopback port unless a test
            // points it at the test internet (Dns__Servers), and the queue keeps what it accepts (so tests can read
            // the spool) unless a delivery test sets Queue__Paused=false.
            Dns = new { Servers = "127.0.0.1:9", Retries = 0, Timeout = "00:00:01" },
            Queue = new { Paused = true },
        };
        await File.WriteAllTextAsync(Path.Combine(Config, "appliance.json"),
            JsonSerializer.Serialize(settings, new JsonSerializerOptions { WriteIndented = true }));

        foreach (string domain in Setup.Domains)
        {
            Directory.CreateDirectory(DomainDirectory(domain));
        }

        foreach (var (address, password) in Setup.Users)
        {
            var (exitCode, stdout, stderr) = await Repo.RunDotnetAsync(Repo.MailCtl,
                ["--config", Config, "user", "add", address, "--password", password],
                new Dictionary<string, string> { ["MAILAPPLIANCE_STATE"] = State });
            if (exitCode != 0)
            {
                throw new InvalidOperationException($"mailctl user add {address} failed with {exitCode}: {stdout} {stderr}");
            }
        }

        foreach (var (domain, lines) in Setup.Aliases)
        {
            await File.WriteAllLinesAsync(Path.Combine(DomainDirectory(domain), "aliases"), lines);
        }
    }

    /// <summary>
    /// Starts the relay and waits for the 220 greeting on the mx port and for the admin endpoint; fails with the
    /// relay's output when it exits or does not greet within <see cref="StartTimeout"/>.
    /// </summary>
    public async Task StartAsync()
    {
        var process = Launch();
        var deadline = Stopwatch.StartNew();
        string? lastProblem = null;
        while (deadline.Elapsed < StartTimeout)
        {
            if (process.HasExited)
            {
                await process.WaitForExitAsync();
                throw new InvalidOperationException($"the relay exited with {process.ExitCode} during start-up. Output:\n{Output}");
            }

            lastProblem = await TryGreetingAsync();
            if (lastProblem is null && await AdminAnswersAsync())
            {
                return;
            }

            await Task.Delay(100);
        }

        Kill();
        throw new TimeoutException($"the relay did not greet on 127.0.0.1:{MxPort} within {StartTimeout.TotalSeconds} s ({lastProblem}). Output:\n{Output}");
    }

    /// <summary>Starts the relay and waits for it to exit on its own (a start-up that must fail); returns the exit code.</summary>
    public async Task<int> RunUntilExitAsync(TimeSpan timeout)
    {
        var process = Launch();
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            Kill();
            throw new TimeoutException($"the relay was expected to stop but still ran after {timeout.TotalSeconds} s. Output:\n{Output}");
        }

        process.WaitForExit(); // Drains the redirected output.
        return process.ExitCode;
    }

    /// <summary>Kills the relay with SIGKILL (no shutdown code runs) and waits until it is gone.</summary>
    public void Kill()
    {
        if (_process is { } process && !process.HasExited)
        {
            process.Kill(); // SIGKILL on Unix.
            process.WaitForExit();
        }
    }

    /// <summary>Kills the relay if it runs and starts it again on the same directories and ports.</summary>
    public async Task RestartAsync()
    {
        Kill();
        await StartAsync();
    }

    /// <summary>Stops the relay with SIGTERM, as systemd or docker stop would, and waits until it exited.</summary>
    public async Task<int> StopAsync(TimeSpan? timeout = null)
    {
        var (exitCode, stdout, stderr) = await Repo.RunAsync("kill", ["-TERM", ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        if (exitCode != 0)
        {
            throw new InvalidOperationException($"kill -TERM {ProcessId} failed: {stdout} {stderr}");
        }

        var process = _process!;
        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(60));
        try
        {
            await process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            Kill();
            throw new TimeoutException($"the relay did not stop after SIGTERM. Output:\n{Output}");
        }

        process.WaitForExit(); // Drains the redirected output.
        return process.ExitCode;
    }

    /// <summary>Sends SIGHUP with the kill command, as an operator or CertManager would.</summary>
    public async Task SendHangupAsync()
    {
        var (exitCode, stdout, stderr) = await Repo.RunAsync("kill", ["-HUP", ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        if (exitCode != 0)
        {
            throw new InvalidOperationException($"kill -HUP {ProcessId} failed: {stdout} {stderr}");
        }
    }

    /// <summary>Waits until the output contains <paramref name="text"/> (after <paramref name="fromOffset"/>); fails with the output.</summary>
    public async Task WaitForOutputAsync(string text, int fromOffset = 0, TimeSpan? timeout = null)
    {
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < (timeout ?? TimeSpan.FromSeconds(15)))
        {
            string output = Output;
            if (output.IndexOf(text, Math.Min(fromOffset, output.Length), StringComparison.Ordinal) >= 0)
            {
                return;
            }

            await Task.Delay(50);
        }

        throw new TimeoutException($"the relay did not write '{text}'. Output:\n{Output}");
    }

    /// <summary>Length of the output so far, to wait for something written after this point.</summary>
    public int OutputLength
    {
        get
        {
            lock (_outputGate)
            {
                return _output.Length;
            }
        }
    }

    private Process Launch()
    {
        if (IsRunning)
        {
            throw new InvalidOperationException("the relay is already running");
        }

        _process?.Dispose();
        var info = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            WorkingDirectory = Root,
        };
        foreach (string argument in (string[])[Repo.SmtpRelay, "--config", Config, "--state", State])
        {
            info.ArgumentList.Add(argument);
        }

        // Nothing from the test runner's environment may move the relay's ports, directories or telemetry
        // (telemetry exporters would send traffic off the loopback interface).
        foreach (string key in info.Environment.Keys.ToArray())
        {
            if (key.StartsWith("OTEL_", StringComparison.OrdinalIgnoreCase)
                || key.StartsWith("MAILAPPLIANCE_", StringComparison.OrdinalIgnoreCase)
                || key.StartsWith("ASPNETCORE_", StringComparison.OrdinalIgnoreCase)
                || key.Equals("DOTNET_URLS", StringComparison.OrdinalIgnoreCase)
                || key.Contains("__", StringComparison.Ordinal))
            {
                info.Environment.Remove(key);
            }
        }

        info.Environment["Logging__Console__FormatterName"] = "simple";
        info.Environment["Logging__Console__FormatterOptions__SingleLine"] = "true";
        foreach (var (key, value) in Setup.Settings)
        {
            info.Environment[key] = value;
        }

        var process = new Process { StartInfo = info, EnableRaisingEvents = true };
        process.OutputDataReceived += (_, e) => Append(e.Data);
        process.ErrorDataReceived += (_, e) => Append(e.Data);
        Append($"--- test harness: start #{++_starts} of the relay ---");
        process.Start();
        process.StandardInput.Close();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        _process = process;
        return process;
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_outputGate)
        {
            _output.Append(line).Append('\n');
        }
    }

    /// <summary>Null when the mx port answers 220; otherwise what went wrong.</summary>
    private async Task<string?> TryGreetingAsync()
    {
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            using var client = new TcpClient(AddressFamily.InterNetwork);
            await client.ConnectAsync(IPAddress.Loopback, MxPort, timeout.Token);
            var stream = client.GetStream();
            var buffer = new byte[512];
            int read = await stream.ReadAsync(buffer, timeout.Token);
            string greeting = Encoding.ASCII.GetString(buffer, 0, read);
            if (!greeting.StartsWith("220 ", StringComparison.Ordinal))
            {
                return "greeting was: " + greeting.TrimEnd();
            }

            await stream.WriteAsync("QUIT\r\n"u8.ToArray(), timeout.Token);
            return null;
        }
        catch (Exception e) when (e is SocketException or IOException or OperationCanceledException)
        {
            return e.Message;
        }
    }

    private async Task<bool> AdminAnswersAsync()
    {
        try
        {
            using var response = await Admin.GetAsync("health");
            return true;
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
        {
            return false;
        }
    }

    /// <summary>
    /// Ports free on both 127.0.0.1 and ::1 (the relay binds both), all different. Held until all are chosen so
    /// that the same port is not handed out twice; there is a short window before the relay binds them.
    /// </summary>
    private static int[] FreePorts(int count)
    {
        var held = new List<Socket>();
        var ports = new List<int>();
        try
        {
            while (ports.Count < count)
            {
                var v6 = new Socket(AddressFamily.InterNetworkV6, SocketType.Stream, ProtocolType.Tcp) { DualMode = false };
                v6.Bind(new IPEndPoint(IPAddress.IPv6Loopback, 0));
                held.Add(v6);
                int port = ((IPEndPoint)v6.LocalEndPoint!).Port;
                var v4 = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
                try
                {
                    v4.Bind(new IPEndPoint(IPAddress.Loopback, port));
                    held.Add(v4);
                    ports.Add(port);
                }
                catch (SocketException)
                {
                    v4.Dispose(); // Taken on IPv4: keep the IPv6 socket held so this port is not offered again.
                }
            }

            return [.. ports];
        }
        finally
        {
            foreach (var socket in held)
            {
                socket.Dispose();
            }
        }
    }

    /// <summary>Kills the relay and deletes its directories.</summary>
    public async ValueTask DisposeAsync()
    {
        try
        {
            Kill();
        }
        catch (InvalidOperationException)
        {
            // Never started.
        }

        _process?.Dispose();
        _admin?.Dispose();
        for (int attempt = 0; attempt < 5 && Directory.Exists(Root); attempt++)
        {
            try
            {
                Directory.Delete(Root, recursive: true);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                await Task.Delay(100);
            }
        }
    }
}
