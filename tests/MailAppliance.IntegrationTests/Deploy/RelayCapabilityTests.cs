using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using MailAppliance.IntegrationTests.Infrastructure;
using MailAppliance.IntegrationTests.Network;

namespace MailAppliance.IntegrationTests.Deploy;

/// <summary>
/// The relay started the way mailappliance-relay.service starts it — its ExecStart, User, Group, Environment,
/// WorkingDirectory, AmbientCapabilities, CapabilityBoundingSet and NoNewPrivileges, read from the unit and applied
/// with setpriv(1) — inside a host namespace of the test internet: with the unit's CAP_NET_BIND_SERVICE it binds
/// 25, 587 and 465 on all addresses as an unprivileged user and greets; without it, it stops with exit code 78 and
/// says why. Only the directories are moved (to a temporary directory) and the program is the build output of
/// the project install.sh publishes.
/// </summary>
public sealed class RelayCapabilityTests(TestInternetFixture fixture) : IClassFixture<TestInternetFixture>, IAsyncLifetime
{
    private const string UnitName = "mailappliance-relay.service";
    private const string InstalledConfig = "/etc/mailappliance";
    private const string InstalledState = "/var/lib/mailappliance";
    private readonly SystemdUnit _unit = SystemdUnit.Load(UnitName);
    private DirectoryInfo _root = null!;

    private string Config => Path.Combine(_root.FullName, "config");

    private string State => Path.Combine(_root.FullName, "state");

    public async Task InitializeAsync()
    {
        _root = Directory.CreateTempSubdirectory("mailappliance-unit-");
        Directory.CreateDirectory(Config);
        Directory.CreateDirectory(State);

        // Default listeners (mx 25, submission 587, submissions 465 on 0.0.0.0 and ::); DNS to a closed loopback
        // port, the queue paused: nothing leaves the namespace.
        var settings = new
        {
            Hostname = "mail.example.test",
            Dns = new { Servers = "127.0.0.1:9", Retries = 0, Timeout = "00:00:01" },
            Queue = new { Paused = true },
        };
        await File.WriteAllTextAsync(Path.Combine(Config, "appliance.json"), JsonSerializer.Serialize(settings));
        if (TestInternet.Unavailable is null)
        {
            await EnsureServiceUserAsync();
            await Command.RunCheckedAsync("chown", "-R", $"{_unit.Service("User")}:{_unit.Service("Group")}", _root.FullName);
        }
    }

    public Task DisposeAsync()
    {
        _root.Delete(recursive: true);
        return Task.CompletedTask;
    }

    [NetFact]
    public async Task WithTheUnitsCapability_TheRelayAsItsUser_Binds25_587_465InANamespace_AndGreets()
    {
        var host = await fixture.Net.AddHostAsync("unit-relay");
        await using var relay = host.Start("setpriv", SetprivArguments(withCapabilities: true));
        var greeting = await WaitForGreetingAsync(relay, host.IPv4, 25);
        Assert.StartsWith("220 mail.example.test", greeting, StringComparison.Ordinal);

        await using (var submission = await RawSmtpClient.ConnectAsync(host.IPv6, 587))
        {
            Assert.Equal(220, submission.Greeting.Code);
        }

        await using (var submissions = await RawSmtpClient.ConnectAsync(host.IPv4, 465, implicitTls: true))
        {
            Assert.Equal(220, submissions.Greeting.Code);
        }

        // The process is the relay itself (ip netns exec, setpriv and env all exec), running as the unit's user
        // with CAP_NET_BIND_SERVICE (bit 10) as its only effective and ambient capability.
        var status = (await File.ReadAllLinesAsync($"/proc/{relay.Id}/status")).Select(l => l.Split(':', 2)).ToDictionary(p => p[0], p => p[1].Trim());
        string uid = (await Command.RunCheckedAsync("id", "-u", _unit.Service("User")!)).StdOut.Trim();
        Assert.Equal(uid, status["Uid"].Split('\t')[0]);
        Assert.Equal("0000000000000400", status["CapEff"]);
        Assert.Equal("0000000000000400", status["CapAmb"]);
        Assert.Equal("0000000000000400", status["CapBnd"]);
        Assert.Equal("1", status["NoNewPrivs"]);
    }

    [NetFact]
    public async Task WithoutTheCapability_TheRelayStopsWithExitCode78_NamingThePortAndTheCapability()
    {
        var host = await fixture.Net.AddHostAsync("unit-nocap");
        var result = await host.RunAsync("setpriv", SetprivArguments(withCapabilities: false));

        // 78 is the unit's RestartPreventExitStatus: systemd does not loop on it.
        Assert.True(result.ExitCode.ToString(System.Globalization.CultureInfo.InvariantCulture) == _unit.Service("RestartPreventExitStatus"), result.ToString());
        Assert.Contains("cannot listen on", result.StdErr, StringComparison.Ordinal);
        Assert.Contains("Permission denied", result.StdErr, StringComparison.Ordinal);
        Assert.Contains("CAP_NET_BIND_SERVICE", result.StdErr, StringComparison.Ordinal);
    }

    /// <summary>
    /// setpriv(1) doing what systemd does for the unit: the user and group with their supplementary groups, the
    /// capability sets (all cleared, then the unit's added), no_new_privs; then env(1) giving the unit's
    /// environment only (systemd starts services with a clean one) in its working directory.
    /// </summary>
    private string[] SetprivArguments(bool withCapabilities)
    {
        string Capabilities(string key) => "-all" + string.Concat(
            (withCapabilities ? _unit.Capabilities(key) : Enumerable.Empty<string>()).Select(c => ",+" + c["CAP_".Length..].ToLowerInvariant()));

        var arguments = new List<string>
        {
            "--reuid=" + _unit.Service("User"),
            "--regid=" + _unit.Service("Group"),
            "--init-groups",
            "--inh-caps=" + Capabilities("AmbientCapabilities"),
            "--ambient-caps=" + Capabilities("AmbientCapabilities"),
            "--bounding-set=" + Capabilities("CapabilityBoundingSet"),
        };
        if (_unit.Service("NoNewPrivileges") == "yes")
        {
            arguments.Add("--no-new-privs");
        }

        arguments.AddRange(["--", "env", "-i", "-C", Moved(_unit.Service("WorkingDirectory")!), "PATH=/usr/bin:/bin", "HOME=" + State]);
        foreach (var (key, value) in _unit.Environment())
        {
            arguments.Add($"{key}={Moved(value)}");
        }

        var (program, programArguments) = _unit.ExecStart();
        arguments.Add(InstallLayout.BuildOutputFor(program));
        arguments.AddRange(programArguments.Select(Moved));
        return [.. arguments];
    }

    /// <summary>The installed config and state directories moved to this test's temporary ones.</summary>
    private string Moved(string value) => value.StartsWith(InstalledConfig, StringComparison.Ordinal)
        ? Config + value[InstalledConfig.Length..]
        : value.StartsWith(InstalledState, StringComparison.Ordinal) ? State + value[InstalledState.Length..] : value;

    /// <summary>The unit's user, created as install.sh creates it when this machine does not have it yet.</summary>
    private async Task EnsureServiceUserAsync()
    {
        string user = _unit.Service("User")!;
        if ((await Command.RunAsync("getent", ["passwd", user])).Succeeded)
        {
            return;
        }

        var created = await Command.RunAsync("useradd",
            ["--system", "--user-group", "--home-dir", InstalledState, "--no-create-home", "--shell", "/usr/sbin/nologin", user]);
        Assert.True(created.Succeeded || (await Command.RunAsync("getent", ["passwd", user])).Succeeded, created.ToString());
    }

    private static async Task<string> WaitForGreetingAsync(HostProcess relay, IPAddress address, int port)
    {
        var clock = Stopwatch.StartNew();
        string problem = "not tried";
        while (clock.Elapsed < RelayProcess.StartTimeout)
        {
            if (!relay.IsRunning)
            {
                throw new InvalidOperationException($"the relay exited during start-up:\n{relay.Output}");
            }

            try
            {
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
                using var client = new TcpClient(address.AddressFamily);
                await client.ConnectAsync(address, port, timeout.Token);
                var buffer = new byte[512];
                int read = await client.GetStream().ReadAsync(buffer, timeout.Token);
                return System.Text.Encoding.ASCII.GetString(buffer, 0, read);
            }
            catch (Exception e) when (e is SocketException or IOException or OperationCanceledException)
            {
                problem = e.Message;
                await Task.Delay(200);
            }
        }

        throw new TimeoutException($"no greeting on {address}:{port} ({problem}):\n{relay.Output}");
    }
}
