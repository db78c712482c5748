using System.Diagnostics;
using System.Globalization;
using System.Net.Http;
using System.Text.Json;

namespace MailAppliance.ContainerTests.Infrastructure;

/// <summary>
/// The appliance in containers, once for all container tests: the Docker engine (reused or started), the base
/// image (built once and cached by tag), the three service images built from a self-contained publish
/// (docker/build-images.sh), and the appliance brought up from docker/compose.yaml with docker-compose. Its peers
/// run on loopback: bind9 for the peer domain's MX and aiosmtpd as that MX. Everything it started or made is
/// stopped and removed on dispose, except the cached base image.
/// </summary>
public sealed class ApplianceFixture : IAsyncLifetime
{
    /// <summary>The relay's host name (greeting, certificate).</summary>
    public const string Hostname = "mail.example.test";

    /// <summary>The local domain of the sender account.</summary>
    public const string LocalDomain = "example.test";

    /// <summary>The peer domain the relay delivers to (its MX is <see cref="PeerMx"/>).</summary>
    public const string PeerDomain = "peer.test";

    /// <summary>Tag of the service images built for the tests.</summary>
    public const string ImageTag = "containertests";

    private const string BuildConfiguration =
#if DEBUG
        "Debug";
#else
        "Release";
#endif

    private DockerEngine? _engine;
    private PeerDns? _dns;
    private PeerMx? _mx;
    private TestAuthority? _authority;
    private bool _composeUp;
    private bool _imagesBuilt;

    /// <summary>The temporary directory holding config/, state/, external/ and the peers' files.</summary>
    public string Root { get; } = Directory.CreateTempSubdirectory("mailappliance-containers-").FullName;

    /// <summary>The config directory mounted at /config in every service.</summary>
    public string Config => Path.Combine(Root, "config");

    /// <summary>The state directory mounted at /state.</summary>
    public string State => Path.Combine(Root, "state");

    /// <summary>Where "another tool" writes certificates that CertManager's External mode imports (mounted at /external).</summary>
    public string External => Path.Combine(Root, "external");

    /// <summary>The compose project name (unique per run, so nothing collides with a real deployment).</summary>
    public string Project { get; } = "mailappliancetest" + Guid.NewGuid().ToString("N")[..8];

    /// <summary>The relay container's name.</summary>
    public string RelayContainer => Project + "-relay";

    /// <summary>CertManager's container name.</summary>
    public string CertManagerContainer => Project + "-certmanager";

    /// <summary>DnsVerifier's container name.</summary>
    public string DnsVerifierContainer => Project + "-dnsverifier";

    /// <summary>The relay's mx listener on the host's loopback.</summary>
    public int MxPort { get; } = LoopbackPorts.Free();

    /// <summary>The submission listener (STARTTLS).</summary>
    public int SubmissionPort { get; } = LoopbackPorts.Free();

    /// <summary>The submissions listener (implicit TLS).</summary>
    public int SubmissionsPort { get; } = LoopbackPorts.Free();

    /// <summary>The relay's admin endpoint.</summary>
    public Uri RelayAdminUrl { get; } = new($"http://127.0.0.1:{LoopbackPorts.Free()}");

    /// <summary>CertManager's HTTP endpoint (health).</summary>
    public Uri CertManagerUrl { get; } = new($"http://127.0.0.1:{LoopbackPorts.Free()}");

    /// <summary>DnsVerifier's HTTP endpoint (health, checks).</summary>
    public Uri DnsVerifierUrl { get; } = new($"http://127.0.0.1:{LoopbackPorts.Free()}");

    /// <summary>The sender account created with <c>docker exec relay mailctl user add</c>.</summary>
    public string SenderAddress => "alice@" + LocalDomain;

    /// <summary>Its password.</summary>
    public string SenderPassword { get; } = "container-" + Guid.NewGuid().ToString("N")[..12];

    /// <summary>Serial of the certificate the appliance was brought up with.</summary>
    public string InitialSerial { get; private set; } = string.Empty;

    /// <summary>The peer MX.</summary>
    public PeerMx Mx => _mx ?? throw new InvalidOperationException("the fixture did not start");

    /// <summary>The CA issuing the relay's certificates.</summary>
    public TestAuthority Authority => _authority ?? throw new InvalidOperationException("the fixture did not start");

    /// <summary>How long bringing the appliance up took (engine, images, compose up, healthy).</summary>
    public TimeSpan StartDuration { get; private set; }

    /// <summary>Compose file plus the tests' override.</summary>
    public IReadOnlyList<string> ComposeFiles => [Path.Combine(Shell.RepoRoot, "docker", "compose.yaml"), Path.Combine(Root, "compose.override.yaml")];

    /// <inheritdoc />
    public async Task InitializeAsync()
    {
        if (ContainerPrerequisites.Missing is not null)
        {
            return; // Every test skips with the reason.
        }

        var clock = Stopwatch.StartNew();
        _engine = await DockerEngine.StartAsync();
        // debootstrap, publish and image builds: minutes on a cold machine, seconds for the cached base image.
        await Shell.RunCheckedAsync("bash", ["docker/build-base-image.sh"], timeout: TimeSpan.FromMinutes(15));
        _imagesBuilt = true;
        // The configuration these tests were built with: tests/run.sh has just built the libraries in it, so the
        // publish only compiles the four programs for linux-x64.
        await Shell.RunCheckedAsync("bash", ["docker/build-images.sh"],
            new Dictionary<string, string> { ["MAILAPPLIANCE_TAG"] = ImageTag, ["CONFIGURATION"] = BuildConfiguration },
            timeout: TimeSpan.FromMinutes(20));

        Directory.CreateDirectory(Config);
        Directory.CreateDirectory(State);
        _authority = new TestAuthority();
        InitialSerial = _authority.IssueInto(External, Hostname);
        _mx = await PeerMx.StartAsync(Path.Combine(Root, "peer-maildir"));
        _dns = await PeerDns.StartAsync(Path.Combine(Root, "named"), PeerDomain, "@ IN MX 10 mx\nmx IN A 127.0.0.1\n");
        await WriteSettingsAsync();

        var up = await ComposeAsync(["up", "-d", "--no-build"], TimeSpan.FromMinutes(3));
        _composeUp = true;
        if (!up.Succeeded)
        {
            throw new InvalidOperationException($"docker-compose up failed: {up}\n{await LogsAsync()}");
        }

        await WaitHealthyAsync(TimeSpan.FromMinutes(2));
        await WaitForInitialCertificateAsync(TimeSpan.FromSeconds(60));
        // The account, as an operator would add it: mailctl inside the relay's container, on the mounted config.
        await Shell.RunCheckedAsync("docker", ["exec", RelayContainer, "mailctl", "user", "add", SenderAddress, "--password", SenderPassword]);
        StartDuration = clock.Elapsed;
    }

    /// <summary>Runs docker-compose on the compose file with the tests' override and environment.</summary>
    public Task<CommandResult> ComposeAsync(IEnumerable<string> arguments, TimeSpan? timeout = null) =>
        Shell.RunAsync("docker-compose", ComposeFiles.SelectMany(f => new[] { "-f", f }).Concat(["-p", Project]).Concat(arguments), ComposeEnvironment(), timeout);

    /// <summary>The variables docker/compose.yaml reads, pointing it at the test directories, ports and names.</summary>
    public Dictionary<string, string> ComposeEnvironment() => new()
    {
        ["MAILAPPLIANCE_TAG"] = ImageTag,
        ["MAILAPPLIANCE_CONFIG_DIR"] = Config,
        ["MAILAPPLIANCE_STATE_DIR"] = State,
        ["MAILAPPLIANCE_EXTERNAL_CERTS_DIR"] = External,
        ["MAILAPPLIANCE_RELAY_CONTAINER"] = RelayContainer,
        ["MAILAPPLIANCE_CERTMANAGER_CONTAINER"] = CertManagerContainer,
        ["MAILAPPLIANCE_DNSVERIFIER_CONTAINER"] = DnsVerifierContainer,
        ["MAILAPPLIANCE_RELAY_ADMIN_URL"] = RelayAdminUrl.ToString().TrimEnd('/'),
        ["MAILAPPLIANCE_CERTMANAGER_URL"] = CertManagerUrl.ToString().TrimEnd('/'),
        ["MAILAPPLIANCE_DNSVERIFIER_URL"] = DnsVerifierUrl.ToString().TrimEnd('/'),
    };

    /// <summary>The three service containers' health as Docker reports it (<c>starting</c>, <c>healthy</c>, <c>unhealthy</c>).</summary>
    public async Task<Dictionary<string, string>> HealthAsync()
    {
        var health = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (string container in (string[])[RelayContainer, CertManagerContainer, DnsVerifierContainer])
        {
            var inspect = await Shell.RunAsync("docker", ["inspect", "--format", "{{if .State.Health}}{{.State.Health.Status}}{{else}}none{{end}}", container]);
            health[container] = inspect.Succeeded ? inspect.StdOut.Trim() : "missing";
        }

        return health;
    }

    /// <summary><c>docker logs</c> of one container (stdout and stderr).</summary>
    public async Task<string> ContainerLogAsync(string container)
    {
        var logs = await Shell.RunAsync("docker", ["logs", container]);
        return logs.StdOut + logs.StdErr;
    }

    /// <summary>The logs of all three containers, for failure messages.</summary>
    public async Task<string> LogsAsync()
    {
        var logs = new System.Text.StringBuilder();
        foreach (string container in (string[])[RelayContainer, CertManagerContainer, DnsVerifierContainer])
        {
            logs.Append("=== docker logs ").Append(container).Append('\n').Append(await ContainerLogAsync(container));
        }

        return logs.ToString();
    }

    private async Task WaitHealthyAsync(TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        Dictionary<string, string> health = [];
        while (clock.Elapsed < timeout)
        {
            health = await HealthAsync();
            if (health.Values.All(s => s == "healthy"))
            {
                return;
            }

            if (health.Values.Any(s => s is "unhealthy" or "missing"))
            {
                break;
            }

            await Task.Delay(1000);
        }

        throw new TimeoutException($"the appliance's containers are not healthy: {string.Join(", ", health.Select(h => h.Key + "=" + h.Value))}\n{await LogsAsync()}");
    }

    // CertManager imports the first external pair at start; the relay serves it once it reloads.
    private async Task WaitForInitialCertificateAsync(TimeSpan timeout)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        var clock = Stopwatch.StartNew();
        string served = string.Empty;
        while (clock.Elapsed < timeout)
        {
            served = await http.GetStringAsync(new Uri(RelayAdminUrl, "/admin/tls"));
            if (served.Contains(InitialSerial, StringComparison.OrdinalIgnoreCase))
            {
                return;
            }

            await Task.Delay(500);
        }

        throw new TimeoutException($"the relay does not serve the imported certificate {InitialSerial}: /admin/tls {served}\n{await LogsAsync()}");
    }

    private async Task WriteSettingsAsync()
    {
        // One appliance.json for the three services, as on a VPS; only the test's ports, peers and paths differ.
        var settings = new
        {
            Hostname,
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
            // The peer domain's MX is served by the loopback bind9; it listens on a high port, not 25.
            Dns = new { Servers = _dns!.Server, Retries = 1, Timeout = "00:00:03", UseCache = false },
            Delivery = new { Port = Mx.Port, MtaSts = false, ConnectTimeout = "00:00:05", GreetingTimeout = "00:00:15" },
            Queue = new { Paused = false, MinRetryDelay = "00:00:01", MaxRetryDelay = "00:00:02" },
            CertManager = new
            {
                Mode = "External",
                ExternalCertificateFile = "/external/fullchain.pem",
                ExternalKeyFile = "/external/privkey.pem",
                CheckInterval = "00:00:05",
            },
            // Checks only on demand, and only against loopback: nothing may leave the machine.
            DnsVerifier = new { Interval = "00:00:00", Dnsbls = string.Empty, CheckMtaStsPolicy = false },
        };
        await File.WriteAllTextAsync(Path.Combine(Config, "appliance.json"), JsonSerializer.Serialize(settings, new JsonSerializerOptions { WriteIndented = true }));
        Directory.CreateDirectory(Path.Combine(Config, "domains", LocalDomain));

        // Docker probes health first after one interval: a short one keeps the start quick.
        string healthcheck = "    healthcheck: { interval: 2s, timeout: 5s, start_period: 60s, retries: 3 }\n";
        await File.WriteAllTextAsync(Path.Combine(Root, "compose.override.yaml"),
            "version: \"3.8\"\nservices:\n" + string.Concat(new[] { "relay", "certmanager", "dnsverifier" }.Select(s => $"  {s}:\n{healthcheck}")));
    }

    /// <inheritdoc />
    public async Task DisposeAsync()
    {
        if (_composeUp)
        {
            await ComposeAsync(["down", "--volumes", "--remove-orphans", "--timeout", "20"], TimeSpan.FromMinutes(2));
        }

        if (_imagesBuilt)
        {
            await Shell.RunAsync("docker", ["image", "rm", "-f", .. new[] { "smtprelay", "certmanager", "dnsverifier" }.Select(s => $"mailappliance/{s}:{ImageTag}")]);
        }

        if (_mx is not null)
        {
            await _mx.DisposeAsync();
        }

        if (_dns is not null)
        {
            await _dns.DisposeAsync();
        }

        _authority?.Dispose();
        if (_engine is not null)
        {
            await _engine.DisposeAsync();
        }

        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (IOException)
        {
            // Best effort: files the containers made are root's, as the tests are.
        }
    }
}

/// <summary>The collection sharing one <see cref="ApplianceFixture"/>: images are built once for all container tests.</summary>
[CollectionDefinition(Name)]
public sealed class ApplianceCollection : ICollectionFixture<ApplianceFixture>
{
    /// <summary>The collection's name.</summary>
    public const string Name = "appliance in containers";
}
