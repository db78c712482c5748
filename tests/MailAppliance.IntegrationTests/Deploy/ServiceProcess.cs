using System.Diagnostics;
using System.Net.Sockets;
using System.Text;
using MailAppliance.IntegrationTests.Infrastructure;

namespace MailAppliance.IntegrationTests.Deploy;

/// <summary>
/// CertManager or DnsVerifier as a real process (<c>dotnet X.dll --config DIR --state DIR</c>) with its HTTP
/// endpoint on a free loopback port (<c>&lt;Service&gt;__Urls</c>), the runner's OTEL_/MAILAPPLIANCE_/ASPNETCORE_
/// variables removed and the given settings added; returns once <c>/health</c> answers.
/// </summary>
public sealed class ServiceProcess : IAsyncDisposable
{
    private readonly StringBuilder _output = new();
    private readonly Process _process;

    private ServiceProcess(string service, string config, string state, IReadOnlyDictionary<string, string> settings)
    {
        Port = FreePort();
        Http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{Port}/"), Timeout = TimeSpan.FromSeconds(10) };
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (string argument in (string[])[Repo.Program("services/" + service, service), "--config", config, "--state", state])
        {
            info.ArgumentList.Add(argument);
        }

        foreach (string key in info.Environment.Keys.ToArray())
        {
            if (key.StartsWith("OTEL_", StringComparison.OrdinalIgnoreCase) || key.StartsWith("MAILAPPLIANCE_", StringComparison.OrdinalIgnoreCase)
                || key.StartsWith("ASPNETCORE_", StringComparison.OrdinalIgnoreCase) || key.Contains("__", StringComparison.Ordinal))
            {
                info.Environment.Remove(key);
            }
        }

        info.Environment[service + "__Urls"] = $"http://127.0.0.1:{Port}";
        foreach (var (key, value) in settings)
        {
            info.Environment[key] = value;
        }

        _process = new Process { StartInfo = info };
        _process.OutputDataReceived += (_, e) => Append(e.Data);
        _process.ErrorDataReceived += (_, e) => Append(e.Data);
    }

    /// <summary>Port of its HTTP endpoint.</summary>
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

    /// <summary>Starts <paramref name="service"/> (<c>CertManager</c>, <c>DnsVerifier</c>) and waits for <c>/health</c>.</summary>
    public static async Task<ServiceProcess> StartAsync(string service, string config, string state, IReadOnlyDictionary<string, string> settings)
    {
        var process = new ServiceProcess(service, config, state, settings);
        process._process.Start();
        process._process.BeginOutputReadLine();
        process._process.BeginErrorReadLine();
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < TimeSpan.FromSeconds(30))
        {
            if (process._process.HasExited)
            {
                throw new InvalidOperationException($"{service} exited with {process._process.ExitCode}:\n{process.Output}");
            }

            try
            {
                using var response = await process.Http.GetAsync("health");
                return process;
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
            {
                await Task.Delay(100);
            }
        }

        await process.DisposeAsync();
        throw new TimeoutException($"{service} did not answer /health:\n{process.Output}");
    }

    private static int FreePort()
    {
        using var probe = new TcpListener(System.Net.IPAddress.Loopback, 0);
        probe.Start();
        return ((System.Net.IPEndPoint)probe.LocalEndpoint).Port;
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
