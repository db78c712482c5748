using System.Net;
using MailAppliance.IntegrationTests.Infrastructure;

namespace MailAppliance.IntegrationTests.Deploy;

/// <summary>
/// Telemetry reaches an OTLP endpoint (issue 7): each real service, started with
/// <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> and <c>OTEL_EXPORTER_OTLP_PROTOCOL=http/protobuf</c> as an operator sets them
/// (deploy/systemd units' environment file, the compose file, Aspire), exports traces, metrics and logs to a small
/// OTLP/HTTP receiver on 127.0.0.1, under the <c>OTEL_SERVICE_NAME</c> its systemd unit gives it.
/// </summary>
public sealed class OtlpTelemetryTests : IAsyncLifetime
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(30);
    private OtlpReceiver _receiver = null!;
    private DirectoryInfo _root = null!;

    public Task InitializeAsync()
    {
        _receiver = OtlpReceiver.Start();
        _root = Directory.CreateTempSubdirectory("mailappliance-otlp-");
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        await _receiver.DisposeAsync();
        _root.Delete(recursive: true);
    }

    [Fact]
    public async Task Relay_ExportsTheSmtpSessionSpan_ItsMetricsAndLogs_UnderItsUnitsServiceName()
    {
        string serviceName = ServiceName("mailappliance-relay.service");
        var setup = new RelaySetup().WithUser("alice@example.test", "correct horse battery staple");
        foreach (var (key, value) in OtlpSettings(serviceName))
        {
            setup.Settings[key] = value;
        }

        await using var relay = await RelayProcess.StartAsync(setup);
        await using (var client = await RawSmtpClient.ConnectAsync(IPAddress.Loopback, relay.MxPort))
        {
            await client.ExpectAsync("EHLO client.example.test", 250);
            await client.ExpectAsync("MAIL FROM:<bob@outside.test>", 250);
            await client.ExpectAsync("RCPT TO:<alice@example.test>", 250);
            var reply = await client.DataAsync("From: bob@outside.test\r\nTo: alice@example.test\r\nSubject: otlp\r\n\r\nhello\r\n");
            Assert.Equal(250, reply.Code);
            await client.ExpectAsync("QUIT", 221);
        }

        // MailAppliance.Smtp's span and counter (libs/MailAppliance.Smtp/Telemetry/SmtpTelemetry.cs).
        await _receiver.WaitForAsync(OtlpSignal.Traces, serviceName, i => i == ("MailAppliance.Smtp", "smtp.session"), Wait);
        await _receiver.WaitForAsync(OtlpSignal.Metrics, serviceName, i => i == ("MailAppliance.Smtp", "mailappliance.smtp.messages.accepted"), Wait);
        await _receiver.WaitForAsync(OtlpSignal.Logs, serviceName, i => i.Item.Contains("config directory", StringComparison.Ordinal), Wait);
        Assert.Empty(_receiver.Refused);
    }

    [Fact]
    public async Task CertManager_ExportsRequestSpans_MetricsAndLogs_UnderItsUnitsServiceName()
    {
        string serviceName = ServiceName("mailappliance-certmanager.service");
        var settings = OtlpSettings(serviceName);
        settings["CertManager__Mode"] = "None"; // No CA to talk to: only the process and its HTTP endpoint report.
        await using var service = await StartAsync("CertManager", settings);

        // /health and /alive spans are filtered out (ServiceDefaults), so ask for something else.
        using (await service.Http.GetAsync("otlp-probe"))
        {
        }

        await _receiver.WaitForAsync(OtlpSignal.Traces, serviceName, i => i.Scope == "Microsoft.AspNetCore" && i.Item.StartsWith("GET", StringComparison.Ordinal), Wait);
        await _receiver.WaitForAsync(OtlpSignal.Metrics, serviceName, i => i.Item == "http.server.request.duration", Wait);
        await _receiver.WaitForAsync(OtlpSignal.Logs, serviceName, i => i.Item.Contains("config directory", StringComparison.Ordinal), Wait);
        Assert.Empty(_receiver.Refused);
    }

    [Fact]
    public async Task DnsVerifier_ExportsTheCheckRunSpan_ItsMetricsAndLogs_UnderItsUnitsServiceName()
    {
        string serviceName = ServiceName("mailappliance-dnsverifier.service");
        var settings = OtlpSettings(serviceName);
        settings["DnsVerifier__Interval"] = "00:00:00"; // Only on POST /checks/run.
        settings["DnsVerifier__Dnsbls"] = string.Empty;
        settings["DnsVerifier__CheckMtaStsPolicy"] = "false";
        settings["DnsVerifier__RelayAdminUrl"] = string.Empty;
        settings["Dns__Servers"] = "127.0.0.1:9"; // Nothing answers: the checks fail fast, on loopback only.
        settings["Dns__Retries"] = "0";
        settings["Dns__Timeout"] = "00:00:01";
        settings["Dns__PublicAddresses"] = "198.51.100.25";
        await using var service = await StartAsync("DnsVerifier", settings, domain: "example.test");

        using (var response = await service.Http.PostAsync("checks/run", content: null))
        {
            Assert.True(response.IsSuccessStatusCode, $"POST /checks/run: {response.StatusCode}\n{service.Output}");
        }

        await _receiver.WaitForAsync(OtlpSignal.Traces, serviceName, i => i == ("MailAppliance.DnsVerifier", "dns.check.run"), Wait);
        await _receiver.WaitForAsync(OtlpSignal.Metrics, serviceName, i => i.Scope == "MailAppliance.DnsVerifier", Wait);
        await _receiver.WaitForAsync(OtlpSignal.Logs, serviceName, i => i.Item.Contains("config directory", StringComparison.Ordinal), Wait);
        Assert.Empty(_receiver.Refused);
    }

    [Fact]
    public async Task A_trace_crosses_services_DnsVerifier_asking_the_relay_for_its_certificate_is_one_trace()
    {
        // DnsVerifier's certificate check calls the relay's admin API (GET /admin/tls): the client span in
        // DnsVerifier and the server span in the relay must share one trace (W3C traceparent over HTTP).
        string relayName = ServiceName("mailappliance-relay.service");
        string verifierName = ServiceName("mailappliance-dnsverifier.service");
        var setup = new RelaySetup();
        foreach (var (key, value) in OtlpSettings(relayName))
        {
            setup.Settings[key] = value;
        }

        await using var relay = await RelayProcess.StartAsync(setup);
        var settings = OtlpSettings(verifierName);
        settings["DnsVerifier__Interval"] = "00:00:00";
        settings["DnsVerifier__Dnsbls"] = string.Empty;
        settings["DnsVerifier__CheckMtaStsPolicy"] = "false";
        settings["DnsVerifier__RelayAdminUrl"] = relay.AdminUri.AbsoluteUri;
        settings["Dns__Servers"] = "127.0.0.1:9";
        settings["Dns__Retries"] = "0";
        settings["Dns__Timeout"] = "00:00:01";
        settings["Dns__PublicAddresses"] = "198.51.100.25";
        await using var verifier = await StartAsync("DnsVerifier", settings, domain: "example.test");

        using (var response = await verifier.Http.PostAsync("checks/run", content: null))
        {
            Assert.True(response.IsSuccessStatusCode, $"POST /checks/run: {response.StatusCode}\n{verifier.Output}");
        }

        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (true)
        {
            var served = _receiver.Received(OtlpSignal.Traces, relayName).SelectMany(r => r.Spans)
                .Where(s => s.Scope == "Microsoft.AspNetCore" && s.Name.Contains("admin/tls", StringComparison.Ordinal)).ToList();
            var asked = _receiver.Received(OtlpSignal.Traces, verifierName).SelectMany(r => r.Spans).ToList();
            // The relay's server span is the child of DnsVerifier's client span, under the check run's span (exported last,
            // when the run ends).
            var shared = served.FirstOrDefault(s => asked.Any(a => a.TraceId == s.TraceId && a.SpanId == s.ParentSpanId));
            if (shared is not null && asked.Any(a => a.TraceId == shared.TraceId && a.Name == "dns.check.run"))
            {
                break;
            }

            Assert.True(clock.Elapsed < Wait, $"no relay span whose parent is a DnsVerifier span. Received: {_receiver.Summary()}\n" +
                string.Join("\n", served.Concat(asked)));
            await Task.Delay(100);
        }
    }

    /// <summary>The service name an installed service reports under: <c>OTEL_SERVICE_NAME</c> of its unit.</summary>
    private static string ServiceName(string unit) =>
        SystemdUnit.Load(unit).Environment().TryGetValue("OTEL_SERVICE_NAME", out string? name)
            ? name
            : throw new InvalidOperationException($"{unit} sets no OTEL_SERVICE_NAME");

    /// <summary>The exporter settings, with short export intervals so that the test does not wait a minute for metrics.</summary>
    private Dictionary<string, string> OtlpSettings(string serviceName) => new()
    {
        ["OTEL_EXPORTER_OTLP_ENDPOINT"] = _receiver.Endpoint.AbsoluteUri.TrimEnd('/'),
        ["OTEL_EXPORTER_OTLP_PROTOCOL"] = "http/protobuf",
        ["OTEL_SERVICE_NAME"] = serviceName,
        ["OTEL_BSP_SCHEDULE_DELAY"] = "200",
        ["OTEL_BLRP_SCHEDULE_DELAY"] = "200",
        ["OTEL_METRIC_EXPORT_INTERVAL"] = "500",
    };

    private async Task<ServiceProcess> StartAsync(string service, Dictionary<string, string> settings, string? domain = null)
    {
        string config = Path.Combine(_root.FullName, service, "config");
        string state = Path.Combine(_root.FullName, service, "state");
        Directory.CreateDirectory(config);
        if (domain is not null)
        {
            Directory.CreateDirectory(Path.Combine(config, "domains", domain));
        }

        Directory.CreateDirectory(state);
        await File.WriteAllTextAsync(Path.Combine(config, "appliance.json"), """{ "Hostname": "mail.example.test" }""");
        return await ServiceProcess.StartAsync(service, config, state, settings);
    }
}
