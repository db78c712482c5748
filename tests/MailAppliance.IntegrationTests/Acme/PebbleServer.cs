using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json;
using MailAppliance.Acme;

namespace MailAppliance.IntegrationTests.Acme;

/// <summary>What a Pebble under test is started with.</summary>
public sealed class PebbleOptions
{
    /// <summary>DNS server Pebble's VA asks (<c>127.0.0.1:port</c>); null starts pebble-challtestsrv answering every A query with 127.0.0.1.</summary>
    public string? DnsServer { get; init; }

    /// <summary>Lifetime of issued certificates (Pebble's <c>certificateValidityPeriod</c>); null keeps Pebble's default (5 years).</summary>
    public TimeSpan? CertificateValidity { get; init; }

    /// <summary>External account binding keys (key id → base64url HMAC key); when any is given, Pebble requires EAB.</summary>
    public Dictionary<string, string> ExternalAccountMacKeys { get; init; } = [];

    /// <summary>Share of good nonces Pebble refuses as badNonce (PEBBLE_WFE_NONCEREJECT; Pebble's default is 5).</summary>
    public int NonceRejectPercent { get; init; } = 5;
}

/// <summary>
/// Debian's Pebble (a real RFC 8555 CA) on loopback ports of its own, with an HTTPS certificate from a test CA
/// (<see cref="TrustedRootsFile"/>), validating HTTP-01 on <see cref="HttpChallengePort"/> of 127.0.0.1 and
/// resolving names through pebble-challtestsrv (every name is 127.0.0.1) or a given DNS server.
/// </summary>
public sealed class PebbleServer : IAsyncDisposable
{
    private readonly StringBuilder _output = new();
    private readonly PebbleOptions _options;
    private Process? _pebble;
    private Process? _challtestsrv;

    private PebbleServer(PebbleOptions options)
    {
        _options = options;
        Root = Directory.CreateTempSubdirectory("mailappliance-pebble-").FullName;
        int[] tcp = FreeTcpPorts(5);
        (ListenPort, ManagementPort, HttpChallengePort, TlsChallengePort, ChallengeManagementPort) = (tcp[0], tcp[1], tcp[2], tcp[3], tcp[4]);
        DnsPort = FreeUdpAndTcpPort();
    }

    /// <summary>True when Debian's pebble is installed.</summary>
    public static bool Installed => File.Exists("/usr/bin/pebble") && File.Exists("/usr/bin/pebble-challtestsrv");

    /// <summary>The temporary directory.</summary>
    public string Root { get; }

    /// <summary>The ACME port (HTTPS).</summary>
    public int ListenPort { get; }

    /// <summary>Pebble's management port (HTTPS): /roots/0 is the issuing root.</summary>
    public int ManagementPort { get; }

    /// <summary>The port Pebble's VA fetches HTTP-01 responses from.</summary>
    public int HttpChallengePort { get; }

    /// <summary>TLS-ALPN-01 port (unused, but Pebble wants one).</summary>
    public int TlsChallengePort { get; }

    /// <summary>pebble-challtestsrv's management port.</summary>
    public int ChallengeManagementPort { get; }

    /// <summary>pebble-challtestsrv's DNS port (when it runs).</summary>
    public int DnsPort { get; }

    /// <summary>The directory URL.</summary>
    public Uri DirectoryUrl => new($"https://127.0.0.1:{ListenPort}/dir");

    /// <summary>PEM file with the test CA that signed Pebble's HTTPS certificate (CertManager:TrustedRootsFile).</summary>
    public string TrustedRootsFile => Path.Combine(Root, "https-ca.pem");

    /// <summary>What Pebble and challtestsrv printed.</summary>
    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    /// <summary>True while Pebble runs.</summary>
    public bool IsRunning => _pebble is { HasExited: false };

    /// <summary>Writes the configuration and starts Pebble (and challtestsrv), returning once the directory answers.</summary>
    public static async Task<PebbleServer> StartAsync(PebbleOptions? options = null)
    {
        var pebble = new PebbleServer(options ?? new PebbleOptions());
        try
        {
            pebble.WriteFiles();
            if (pebble._options.DnsServer is null)
            {
                pebble._challtestsrv = pebble.Launch("/usr/bin/pebble-challtestsrv",
                    ["-defaultIPv4", "127.0.0.1", "-defaultIPv6", "", "-dns01", $"127.0.0.1:{pebble.DnsPort}",
                     "-http01", "", "-https01", "", "-tlsalpn01", "", "-management", $"127.0.0.1:{pebble.ChallengeManagementPort}"], []);
            }

            await pebble.StartAsync();
            return pebble;
        }
        catch
        {
            await pebble.DisposeAsync();
            throw;
        }
    }

    /// <summary>Starts Pebble again after <see cref="Stop"/> (a fresh CA: new roots, no accounts).</summary>
    public async Task StartAsync()
    {
        string dns = _options.DnsServer ?? $"127.0.0.1:{DnsPort}";
        _pebble = Launch("/usr/bin/pebble", ["-config", Path.Combine(Root, "pebble.json"), "-dnsserver", dns], new Dictionary<string, string>
        {
            ["PEBBLE_VA_NOSLEEP"] = "1",
            ["PEBBLE_WFE_NONCEREJECT"] = _options.NonceRejectPercent.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["PEBBLE_AUTHZREUSE"] = "0",
        });
        using var http = AcmeHttp.CreateClient(TrustedRootsFile, TimeSpan.FromSeconds(5));
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < TimeSpan.FromSeconds(20))
        {
            if (_pebble.HasExited)
            {
                throw new InvalidOperationException($"pebble exited with {_pebble.ExitCode}:\n{Output}");
            }

            try
            {
                using var response = await http.GetAsync(DirectoryUrl);
                if (response.IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }

            await Task.Delay(100);
        }

        throw new TimeoutException($"pebble did not answer {DirectoryUrl}:\n{Output}");
    }

    /// <summary>Kills Pebble: the CA stops answering (connection refused).</summary>
    public void Stop()
    {
        if (_pebble is { HasExited: false } pebble)
        {
            pebble.Kill();
            pebble.WaitForExit();
        }
    }

    /// <summary>Pebble's issuing root (from the management interface), to validate issued chains.</summary>
    public async Task<X509Certificate2> GetIssuingRootAsync()
    {
        using var http = AcmeHttp.CreateClient(TrustedRootsFile, TimeSpan.FromSeconds(5));
        string pem = await http.GetStringAsync(new Uri($"https://127.0.0.1:{ManagementPort}/roots/0"));
        return X509Certificate2.CreateFromPem(pem);
    }

    /// <summary>True when <paramref name="fullChainPem"/> chains to Pebble's issuing root.</summary>
    public async Task<bool> ChainsToRootAsync(string fullChainPem)
    {
        var certificates = new X509Certificate2Collection();
        certificates.ImportFromPem(fullChainPem);
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(await GetIssuingRootAsync());
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        for (int i = 1; i < certificates.Count; i++)
        {
            chain.ChainPolicy.ExtraStore.Add(certificates[i]);
        }

        return chain.Build(certificates[0]);
    }

    private void WriteFiles()
    {
        // Pebble's HTTPS listener needs a certificate for 127.0.0.1; a CA of our own signs it, and that CA is the
        // only root the client under test trusts for the ACME connection.
        using var caKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var caRequest = new CertificateRequest("CN=MailAppliance test ACME HTTPS CA", caKey, HashAlgorithmName.SHA256);
        caRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        caRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        caRequest.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(caRequest.PublicKey, false));
        var now = DateTimeOffset.UtcNow;
        using var ca = caRequest.CreateSelfSigned(now.AddMinutes(-5), now.AddDays(2));

        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=127.0.0.1", key, HashAlgorithmName.SHA256);
        var san = new SubjectAlternativeNameBuilder();
        san.AddIpAddress(IPAddress.Loopback);
        san.AddDnsName("localhost");
        request.CertificateExtensions.Add(san.Build());
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(ca, true, false));
        using var leaf = request.Create(ca, now.AddMinutes(-5), now.AddDays(1), RandomNumberGenerator.GetBytes(12));

        File.WriteAllText(TrustedRootsFile, ca.ExportCertificatePem() + "\n");
        File.WriteAllText(Path.Combine(Root, "https-cert.pem"), leaf.ExportCertificatePem() + "\n");
        File.WriteAllText(Path.Combine(Root, "https-key.pem"), key.ExportPkcs8PrivateKeyPem() + "\n");

        var config = new Dictionary<string, object>
        {
            ["listenAddress"] = $"127.0.0.1:{ListenPort}",
            ["managementListenAddress"] = $"127.0.0.1:{ManagementPort}",
            ["certificate"] = Path.Combine(Root, "https-cert.pem"),
            ["privateKey"] = Path.Combine(Root, "https-key.pem"),
            ["httpPort"] = HttpChallengePort,
            ["tlsPort"] = TlsChallengePort,
            ["ocspResponderURL"] = string.Empty,
            ["externalAccountBindingRequired"] = _options.ExternalAccountMacKeys.Count > 0,
            ["externalAccountMACKeys"] = _options.ExternalAccountMacKeys,
        };
        if (_options.CertificateValidity is { } validity)
        {
            config["certificateValidityPeriod"] = (ulong)validity.TotalSeconds;
        }

        File.WriteAllText(Path.Combine(Root, "pebble.json"), JsonSerializer.Serialize(new { pebble = config }));
    }

    private Process Launch(string program, string[] arguments, Dictionary<string, string> environment)
    {
        var info = new ProcessStartInfo(program)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = Root,
        };
        foreach (string argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        foreach (var (name, value) in environment)
        {
            info.Environment[name] = value;
        }

        var process = new Process { StartInfo = info };
        string tag = Path.GetFileName(program);
        process.OutputDataReceived += (_, e) => Append(tag, e.Data);
        process.ErrorDataReceived += (_, e) => Append(tag, e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    private void Append(string tag, string? line)
    {
        if (line is not null)
        {
            lock (_output)
            {
                _output.Append(tag).Append(": ").Append(line).Append('\n');
            }
        }
    }

    /// <summary>Distinct free TCP ports on 127.0.0.1 (held until all are chosen).</summary>
    public static int[] FreeTcpPorts(int count)
    {
        var listeners = Enumerable.Range(0, count).Select(_ => new TcpListener(IPAddress.Loopback, 0)).ToList();
        try
        {
            listeners.ForEach(l => l.Start());
            return listeners.Select(l => ((IPEndPoint)l.LocalEndpoint).Port).ToArray();
        }
        finally
        {
            listeners.ForEach(l => l.Stop());
        }
    }

    /// <summary>A port free for both UDP and TCP on 127.0.0.1 (a DNS server needs both).</summary>
    public static int FreeUdpAndTcpPort()
    {
        for (int attempt = 0; attempt < 50; attempt++)
        {
            using var udp = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
            udp.Bind(new IPEndPoint(IPAddress.Loopback, 0));
            int port = ((IPEndPoint)udp.LocalEndPoint!).Port;
            try
            {
                var tcp = new TcpListener(IPAddress.Loopback, port);
                tcp.Start();
                tcp.Stop();
                return port;
            }
            catch (SocketException)
            {
                // Taken for TCP: try another.
            }
        }

        throw new InvalidOperationException("no port free for both UDP and TCP");
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        Stop();
        if (_challtestsrv is { HasExited: false } challtestsrv)
        {
            challtestsrv.Kill();
            await challtestsrv.WaitForExitAsync();
        }

        _pebble?.Dispose();
        _challtestsrv?.Dispose();
        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (IOException)
        {
            // Best effort.
        }
    }
}

/// <summary>A test that needs Debian's pebble; skipped with the reason when it is not installed.</summary>
public sealed class PebbleFactAttribute : FactAttribute
{
    /// <summary>Skips when /usr/bin/pebble or /usr/bin/pebble-challtestsrv is missing.</summary>
    public PebbleFactAttribute()
    {
        if (!PebbleServer.Installed)
        {
            Skip = "Debian's pebble package is not installed (/usr/bin/pebble, /usr/bin/pebble-challtestsrv)";
        }
    }
}
