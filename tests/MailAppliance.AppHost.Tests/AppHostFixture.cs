using System.Net;
using System.Net.Sockets;

namespace MailAppliance.AppHost.Tests;

/// <summary>
/// Starts the real AppHost once for a test class and waits until every service reports healthy. The AppHost runs
/// on the development config (<c>dev/config</c>) but with a fresh state directory and free SMTP ports, so the
/// tests neither touch nor collide with a developer's running copy.
/// </summary>
public sealed class AppHostFixture : IAsyncLifetime
{
    /// <summary>Resource names the AppHost gives the services.</summary>
    public static readonly string[] Services = ["smtprelay", "certmanager", "dnsverifier"];

    // Start-up is ~10-15 s on two cores; the margin covers a cold build cache and a busy machine.
    private static readonly TimeSpan StartTimeout = TimeSpan.FromMinutes(3);

    private DistributedApplication? app;

    /// <summary>The running application.</summary>
    public DistributedApplication App => app ?? throw new InvalidOperationException("the AppHost is not started");

    /// <summary>The relay's state directory for this run (deleted afterwards).</summary>
    public string StateDirectory { get; } =
        Path.Combine(Path.GetTempPath(), "mailappliance-apphost-tests-" + Guid.NewGuid().ToString("N"));

    /// <summary>Port of the relay's <c>mx</c> listener for this run.</summary>
    public int MxPort { get; private set; }

    /// <summary>Port of the relay's <c>submission</c> listener for this run.</summary>
    public int SubmissionPort { get; private set; }

    /// <summary>Port of the relay's <c>submissions</c> listener for this run.</summary>
    public int SubmissionsPort { get; private set; }

    /// <inheritdoc />
    public async Task InitializeAsync()
    {
        MxPort = FreePort();
        SubmissionPort = FreePort();
        SubmissionsPort = FreePort();

        using var timeout = new CancellationTokenSource(StartTimeout);
        var builder = await DistributedApplicationTestingBuilder.CreateAsync<Projects.AppHost>(
        [
            // Without this StopAsync waits ~12 s for DCP to clean up processes that are ending anyway.
            "DcpPublisher:WaitForResourceCleanup=false",
            $"Appliance:StateDirectory={StateDirectory}",
            $"Appliance:MxPort={MxPort}",
            $"Appliance:SubmissionPort={SubmissionPort}",
            $"Appliance:SubmissionsPort={SubmissionsPort}",
            // Tests never reach a real resolver: inbound SPF/DKIM/DMARC lookups get "connection refused" at once.
            "Appliance:DnsServers=127.0.0.1:9",
        ], timeout.Token);

        // A closed port never answers: with the default 5 s timeout and 2 retries each inbound SPF/DMARC lookup would
        // take 15 s and the end of DATA outlast the dialog's timeout. Give up at once instead.
        foreach (var project in builder.Resources.OfType<ProjectResource>().ToList())
        {
            builder.CreateResourceBuilder(project).WithEnvironment("Dns__Timeout", "00:00:01").WithEnvironment("Dns__Retries", "0");
        }

        app = await builder.BuildAsync(timeout.Token);
        await app.StartAsync(timeout.Token);
        foreach (string service in Services)
        {
            await app.ResourceNotifications.WaitForResourceHealthyAsync(service, timeout.Token);
        }
    }

    /// <inheritdoc />
    public async Task DisposeAsync()
    {
        if (app is not null)
        {
            await app.StopAsync();
            await app.DisposeAsync();
        }

        if (Directory.Exists(StateDirectory))
        {
            Directory.Delete(StateDirectory, recursive: true);
        }
    }

    /// <summary>
    /// A port free on both loopback addresses right now. The SMTP endpoints are not proxied, so their ports are
    /// fixed numbers the relay binds itself; asking the kernel avoids 2525 and friends, which a developer's
    /// AppHost may hold. The tiny window before the relay binds it is acceptable for a test.
    /// </summary>
    private static int FreePort()
    {
        using var socket = new Socket(AddressFamily.InterNetworkV6, SocketType.Stream, ProtocolType.Tcp);
        socket.DualMode = true;
        socket.Bind(new IPEndPoint(IPAddress.IPv6Any, 0));
        return ((IPEndPoint)socket.LocalEndPoint!).Port;
    }
}
