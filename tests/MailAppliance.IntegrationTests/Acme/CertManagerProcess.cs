using System.Diagnostics;
using System.Text;
using MailAppliance.Acme;
using MailAppliance.IntegrationTests.Infrastructure;

namespace MailAppliance.IntegrationTests.Acme;

/// <summary>
/// The real CertManager process (<c>CertManager.dll --config DIR --state DIR</c>) with its settings as
/// environment variables, its HTTP endpoint on a free loopback port, and its output kept for failure messages.
/// </summary>
public sealed class CertManagerProcess : IAsyncDisposable
{
    private readonly StringBuilder _output = new();
    private readonly Process _process;

    private CertManagerProcess(string config, string state, IReadOnlyDictionary<string, string> settings)
    {
        Config = config;
        State = state;
        Port = PebbleServer.FreeTcpPorts(1)[0];
        Http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{Port}/"), Timeout = TimeSpan.FromSeconds(10) };
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (string argument in (string[])[Repo.Program("services/CertManager", "CertManager"), "--config", config, "--state", state])
        {
            info.ArgumentList.Add(argument);
        }

        // Nothing from the runner's environment may move directories, URLs or telemetry (see RelayProcess).
        foreach (string key in info.Environment.Keys.ToArray())
        {
            if (key.StartsWith("OTEL_", StringComparison.OrdinalIgnoreCase) || key.StartsWith("MAILAPPLIANCE_", StringComparison.OrdinalIgnoreCase)
                || key.StartsWith("ASPNETCORE_", StringComparison.OrdinalIgnoreCase) || key.Contains("__", StringComparison.Ordinal))
            {
                info.Environment.Remove(key);
            }
        }

        info.Environment["CertManager__Urls"] = $"http://127.0.0.1:{Port}";
        info.Environment["Logging__Console__FormatterName"] = "simple";
        info.Environment["Logging__Console__FormatterOptions__SingleLine"] = "true";
        foreach (var (key, value) in settings)
        {
            info.Environment[key] = value;
        }

        _process = new Process { StartInfo = info };
        _process.OutputDataReceived += (_, e) => Append(e.Data);
        _process.ErrorDataReceived += (_, e) => Append(e.Data);
    }

    /// <summary>The config directory.</summary>
    public string Config { get; }

    /// <summary>The state directory.</summary>
    public string State { get; }

    /// <summary>Port of its HTTP endpoint (/health).</summary>
    public int Port { get; }

    /// <summary>A client for its HTTP endpoint.</summary>
    public HttpClient Http { get; }

    /// <summary>Everything it printed.</summary>
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

    /// <summary>Settings for CertManager against <paramref name="pebble"/> with HTTP-01 on 127.0.0.1 and the relay's admin URL.</summary>
    public static Dictionary<string, string> PebbleSettings(PebbleServer pebble, Uri? relayAdmin) => new()
    {
        ["CertManager__DirectoryUrl"] = pebble.DirectoryUrl.AbsoluteUri,
        ["CertManager__TrustedRootsFile"] = pebble.TrustedRootsFile,
        ["CertManager__AgreeToTermsOfService"] = "true",
        ["CertManager__Email"] = "postmaster@example.test",
        ["CertManager__Http01Address"] = "127.0.0.1",
        ["CertManager__Http01Port"] = pebble.HttpChallengePort.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["CertManager__RelayAdminUrl"] = relayAdmin?.AbsoluteUri ?? string.Empty,
        ["CertManager__RetryMinimum"] = "00:00:02",
        ["CertManager__RetryMaximum"] = "00:00:05",
        ["CertManager__CheckInterval"] = "00:00:05",
    };

    /// <summary>Starts CertManager and waits until /health answers.</summary>
    public static async Task<CertManagerProcess> StartAsync(string config, string state, IReadOnlyDictionary<string, string> settings)
    {
        var process = new CertManagerProcess(config, state, settings);
        process._process.Start();
        process._process.BeginOutputReadLine();
        process._process.BeginErrorReadLine();
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < TimeSpan.FromSeconds(30))
        {
            if (process._process.HasExited)
            {
                throw new InvalidOperationException($"CertManager exited with {process._process.ExitCode}:\n{process.Output}");
            }

            if (await process.HealthAsync() is not null)
            {
                return process;
            }

            await Task.Delay(100);
        }

        await process.DisposeAsync();
        throw new TimeoutException("CertManager did not answer /health:\n" + process.Output);
    }

    /// <summary>The /health answer (Healthy, Degraded, Unhealthy), or null when it does not answer.</summary>
    public async Task<string?> HealthAsync()
    {
        try
        {
            using var response = await Http.GetAsync("health");
            return (await response.Content.ReadAsStringAsync()).Trim();
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
        {
            return null;
        }
    }

    /// <summary>Waits until /health says <paramref name="status"/>; fails with the output.</summary>
    public async Task WaitForHealthAsync(string status, TimeSpan timeout)
    {
        var deadline = Stopwatch.StartNew();
        string? last = null;
        while (deadline.Elapsed < timeout)
        {
            last = await HealthAsync();
            if (last == status)
            {
                return;
            }

            await Task.Delay(200);
        }

        throw new TimeoutException($"CertManager health stayed {last}, expected {status}. Output:\n{Output}");
    }

    /// <summary>The saved renewal state of certificate <paramref name="name"/>.</summary>
    public CertificateRenewalState? RenewalState(string name) =>
        CertificateRenewalState.Load(CertificateRenewalState.PathFor(Path.Combine(State, "acme"), name));

    /// <summary>Waits until the saved renewal state of <paramref name="name"/> satisfies <paramref name="condition"/>.</summary>
    public async Task<CertificateRenewalState> WaitForStateAsync(string name, Func<CertificateRenewalState, bool> condition, TimeSpan timeout)
    {
        var deadline = Stopwatch.StartNew();
        CertificateRenewalState? state = null;
        while (deadline.Elapsed < timeout)
        {
            state = RenewalState(name);
            if (state is not null && condition(state))
            {
                return state;
            }

            await Task.Delay(100);
        }

        throw new TimeoutException($"CertManager's state for {name} is {state}. Output:\n{Output}");
    }

    private void Append(string? line)
    {
        if (line is not null)
        {
            lock (_output)
            {
                _output.Append(line).Append('\n');
            }
        }
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill();
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
        Http.Dispose();
    }
}
