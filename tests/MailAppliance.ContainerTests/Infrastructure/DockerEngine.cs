using System.Diagnostics;
using System.Text;
using Docker.DotNet;

namespace MailAppliance.ContainerTests.Infrastructure;

/// <summary>
/// The Docker engine the tests use. An engine that already answers on <see cref="Socket"/> is reused and left
/// running. Otherwise dockerd is started here in the background and stopped on dispose, and what it may have
/// changed on the host is put back: the docker0 bridge removed, <c>net.ipv4.ip_forward</c> restored. It starts
/// without a bridge, iptables or IP forwarding (every appliance container uses the host network), so it adds no
/// route or NAT rule on this machine.
/// </summary>
public sealed class DockerEngine : IAsyncDisposable
{
    /// <summary>The engine's API socket (the one the compose file mounts into CertManager).</summary>
    public const string Socket = "/var/run/docker.sock";

    private const string IpForwardPath = "/proc/sys/net/ipv4/ip_forward";
    private const string ExecRoot = "/run/mailappliance-docker";
    private readonly StringBuilder _log = new();
    private Process? _dockerd;
    private string? _ipForwardBefore;
    private bool _bridgeExistedBefore;

    private DockerEngine()
    {
    }

    /// <summary>True when this fixture started dockerd (and will stop it).</summary>
    public bool StartedHere => _dockerd is not null;

    /// <summary>What the dockerd started here printed.</summary>
    public string Log
    {
        get
        {
            lock (_log)
            {
                return _log.ToString();
            }
        }
    }

    /// <summary>A Docker.DotNet client for the engine's socket.</summary>
    public static DockerClient CreateClient() => new DockerClientConfiguration(new Uri("unix://" + Socket)).CreateClient();

    /// <summary>Reuses a running engine or starts dockerd; throws with dockerd's output when it does not answer within a minute.</summary>
    public static async Task<DockerEngine> StartAsync()
    {
        var engine = new DockerEngine();
        if (await AnswersAsync())
        {
            return engine;
        }

        try
        {
            await engine.StartDaemonAsync();
            return engine;
        }
        catch
        {
            await engine.DisposeAsync();
            throw;
        }
    }

    /// <summary>True when an engine answers /_ping on <see cref="Socket"/>.</summary>
    public static async Task<bool> AnswersAsync()
    {
        if (!File.Exists(Socket))
        {
            return false;
        }

        try
        {
            using var client = CreateClient();
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            await client.System.PingAsync(timeout.Token);
            return true;
        }
        catch (Exception e) when (e is HttpRequestException or IOException or TimeoutException or OperationCanceledException
            or DockerApiException or System.Net.Sockets.SocketException)
        {
            return false;
        }
    }

    private async Task StartDaemonAsync()
    {
        string dockerd = Shell.Which("dockerd") ?? throw new InvalidOperationException("dockerd is not installed (apt-get install docker.io)");
        _ipForwardBefore = File.Exists(IpForwardPath) ? (await File.ReadAllTextAsync(IpForwardPath)).Trim() : null;
        _bridgeExistedBefore = Directory.Exists("/sys/class/net/docker0");
        var info = new ProcessStartInfo(dockerd) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        // /var/lib/docker keeps the base image between runs (its debootstrap costs minutes); --bridge=none,
        // --iptables=false and --ip-forward=false leave the host's network as it is.
        foreach (string argument in (string[])["--host", "unix://" + Socket, "--data-root", "/var/lib/docker",
                     "--exec-root", ExecRoot, "--pidfile", "/run/mailappliance-dockerd.pid",
                     "--bridge=none", "--iptables=false", "--ip-forward=false", "--ip-masq=false"])
        {
            info.ArgumentList.Add(argument);
        }

        _dockerd = new Process { StartInfo = info };
        _dockerd.OutputDataReceived += (_, e) => Append(e.Data);
        _dockerd.ErrorDataReceived += (_, e) => Append(e.Data);
        _dockerd.Start();
        _dockerd.BeginOutputReadLine();
        _dockerd.BeginErrorReadLine();
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < TimeSpan.FromSeconds(60))
        {
            if (_dockerd.HasExited)
            {
                throw new InvalidOperationException($"dockerd exited with {_dockerd.ExitCode}:\n{Log}");
            }

            if (await AnswersAsync())
            {
                return;
            }

            await Task.Delay(250);
        }

        throw new TimeoutException("dockerd did not answer on " + Socket + " within 60 s:\n" + Log);
    }

    private void Append(string? line)
    {
        if (line is not null)
        {
            lock (_log)
            {
                _log.Append(line).Append('\n');
            }
        }
    }

    /// <summary>Stops the dockerd started here (SIGTERM, then SIGKILL after 30 s) and restores the host's network settings.</summary>
    public async ValueTask DisposeAsync()
    {
        if (_dockerd is not { } dockerd)
        {
            return;
        }

        if (!dockerd.HasExited)
        {
            await Shell.RunAsync("kill", ["-TERM", dockerd.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            try
            {
                await dockerd.WaitForExitAsync(timeout.Token);
            }
            catch (OperationCanceledException)
            {
                dockerd.Kill(entireProcessTree: true);
                await dockerd.WaitForExitAsync();
            }
        }

        dockerd.Dispose();
        // Its runtime state (containerd sockets, network namespaces); dockerd leaves its own namespace bind-mounted.
        string namespaces = Path.Combine(ExecRoot, "netns");
        foreach (string mounted in Directory.Exists(namespaces) ? Directory.GetFiles(namespaces) : [])
        {
            await Shell.RunAsync("umount", [mounted]);
        }

        try
        {
            Directory.Delete(ExecRoot, recursive: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Best effort: something still mounted there stays for the next engine.
        }

        if (!_bridgeExistedBefore && Directory.Exists("/sys/class/net/docker0"))
        {
            await Shell.RunAsync("ip", ["link", "del", "docker0"]);
        }

        if (_ipForwardBefore is { } before && File.Exists(IpForwardPath) && (await File.ReadAllTextAsync(IpForwardPath)).Trim() != before)
        {
            await File.WriteAllTextAsync(IpForwardPath, before + "\n");
        }
    }
}
