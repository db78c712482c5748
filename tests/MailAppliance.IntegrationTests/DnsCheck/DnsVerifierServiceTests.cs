using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json.Nodes;
using MailAppliance.Core;
using MailAppliance.Dkim;
using MailAppliance.DnsRecords;
using MailAppliance.IntegrationTests.Infrastructure;
using MailAppliance.IntegrationTests.Network;

namespace MailAppliance.IntegrationTests.DnsCheck;

/// <summary>
/// The real DnsVerifier process against bind9: it runs the checks at start, <c>GET /checks</c> returns them, and
/// <c>/health</c> follows the published DNS — Healthy, Unhealthy once a PTR is gone (after <c>POST /checks/run</c>),
/// Degraded when only a warning is left.
/// </summary>
public sealed class DnsVerifierServiceTests(TestInternetFixture fixture) : IClassFixture<TestInternetFixture>, IDisposable
{
    private const string Domain = "verifier.test";
    private const string HostName = "mail.verifier.test";

    private readonly string _root = Directory.CreateTempSubdirectory("mailappliance-dnsverifier-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [NetFact]
    public async Task Health_follows_the_published_records()
    {
        var net = fixture.Net;
        var relay = await net.AddHostAsync("verifier-relay");
        var directories = new ApplianceDirectories(Path.Combine(_root, "config"), Path.Combine(_root, "state"));
        using var key = DkimKeyGenerator.CreateKeyFile(DkimKeyDirectory.For(directories, Domain), Domain, "s1", DkimKeyType.Ed25519);
        var expected = ExpectedRecords.For(Domain, HostName, relay.Addresses, [new DkimSelectorRecord("s1", key.Record())]);
        await net.Dns.SetZoneAsync(Domain, string.Join('\n', expected.ZoneRecords.Select(r => r.ToZoneFileLine())) + "\n");
        await net.Dns.SetPtrAsync(relay.IPv4, HostName);
        await net.Dns.SetPtrAsync(relay.IPv6, HostName);
        await File.WriteAllTextAsync(directories.SettingsFile, string.Create(CultureInfo.InvariantCulture, $$"""
            {
              "Hostname": "{{HostName}}",
              "Dns": { "PublicAddresses": "{{relay.IPv4}}, {{relay.IPv6}}", "Servers": "{{net.Dns.Servers}}", "UseCache": false },
              "DnsVerifier": { "Interval": "01:00:00", "Dnsbls": "", "CheckMtaStsPolicy": false, "RelayAdminUrl": "" }
            }
            """));

        int port = FreePort();
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}"), Timeout = TimeSpan.FromSeconds(30) };
        using var service = StartService(directories, port);
        try
        {
            // The first run happens at start; GET /checks shows it once done.
            var first = await WaitForFirstRunAsync(http, service);
            Assert.Equal("ok", (string?)first["status"]);
            Assert.Equal(HostName, (string?)first["hostname"]);
            Assert.Equal("Healthy", await HealthAsync(http, HttpStatusCode.OK));

            await net.Dns.SetPtrAsync(relay.IPv6);
            var broken = await RunAsync(http);
            Assert.Equal("error", (string?)broken["status"]);
            var failed = Assert.Single(broken["results"]!.AsArray(), r => (string?)r!["status"] == "error")!;
            Assert.Equal("ptr.ipv6", (string?)failed["id"]);
            Assert.Equal("Unhealthy", await HealthAsync(http, HttpStatusCode.ServiceUnavailable));

            // DMARC gone, PTR back: a warning only.
            await net.Dns.SetPtrAsync(relay.IPv6, HostName);
            await net.Dns.SetZoneAsync(Domain, string.Join('\n', expected.ZoneRecords.Where(r => !r.Name.StartsWith("_dmarc.", StringComparison.Ordinal)).Select(r => r.ToZoneFileLine())) + "\n");
            Assert.Equal("warning", (string?)(await RunAsync(http))["status"]);
            Assert.Equal("Degraded", await HealthAsync(http, HttpStatusCode.OK));
            Assert.Equal("warning", (string?)JsonNode.Parse(await http.GetStringAsync("/checks"))!["status"]);
        }
        finally
        {
            service.Kill(entireProcessTree: true);
            await service.WaitForExitAsync();
        }
    }

    private static async Task<JsonNode> RunAsync(HttpClient http)
    {
        using var response = await http.PostAsync("/checks/run", null);
        string body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, body);
        return JsonNode.Parse(body)!;
    }

    private static async Task<string> HealthAsync(HttpClient http, HttpStatusCode expected)
    {
        using var response = await http.GetAsync("/health");
        Assert.Equal(expected, response.StatusCode);
        return await response.Content.ReadAsStringAsync();
    }

    private static async Task<JsonNode> WaitForFirstRunAsync(HttpClient http, Process service)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (true)
        {
            try
            {
                var checks = JsonNode.Parse(await http.GetStringAsync("/checks"))!;
                if ((string?)checks["status"] != "not-run")
                {
                    return checks;
                }
            }
            catch (HttpRequestException) when (!service.HasExited)
            {
                // Not listening yet.
            }

            if (service.HasExited || DateTime.UtcNow > deadline)
            {
                throw new InvalidOperationException($"DnsVerifier did not report a run (exited: {service.HasExited})");
            }

            await Task.Delay(200);
        }
    }

    private static Process StartService(ApplianceDirectories directories, int port)
    {
        var info = new ProcessStartInfo("dotnet")
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (string argument in new[] { Repo.Program("services/DnsVerifier", "DnsVerifier"), "--config", directories.Config, "--state", directories.State })
        {
            info.ArgumentList.Add(argument);
        }

        info.Environment["DnsVerifier__Urls"] = $"http://127.0.0.1:{port}";
        info.Environment.Remove("ASPNETCORE_URLS");
        info.Environment.Remove("OTEL_EXPORTER_OTLP_ENDPOINT");
        var process = new Process { StartInfo = info };
        var output = new StringBuilder();
        process.OutputDataReceived += (_, e) => output.AppendLine(e.Data);
        process.ErrorDataReceived += (_, e) => output.AppendLine(e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
