using System.Net;
using MailAppliance.Dkim;
using MailAppliance.DnsCheck;
using MailAppliance.DnsRecords;
using MailAppliance.IntegrationTests.Infrastructure;
using MailAppliance.IntegrationTests.Network;

namespace MailAppliance.IntegrationTests.DnsCheck;

/// <summary>
/// The DNS checks against a real bind9 on the test internet: the zone <see cref="ExpectedRecords"/> prints (with PTRs
/// in the slot's reverse zones) passes every check, and each broken zone makes exactly its check fail, with its
/// instruction. The relay's addresses are those of a host on the LAN (nothing listens there: DNS only).
/// </summary>
public sealed class DnsCheckZoneTests(TestInternetFixture fixture) : IClassFixture<TestInternetFixture>, IDisposable
{
    private const string Domain = "dnscheck.test";
    private const string HostName = "mail.dnscheck.test";
    private const string Blocklist = "bl.test";

    private readonly DkimPrivateKey _key = DkimKeyGenerator.Generate(DkimKeyType.Ed25519);

    public void Dispose() => _key.Dispose();

    [NetFact]
    public async Task The_published_expected_records_pass_every_check()
    {
        var report = await RunAsync(await PublishAsync());

        Assert.All(report.Results, r => Assert.True(
            r.Status == CheckStatus.Ok || r.Id is CheckIds.MtaStsPolicy or CheckIds.Certificate, r.ToString()));
        // Fetching the policy and asking the relay are switched off here: no web server or relay runs on the LAN.
        Assert.All(report.Results.Where(r => r.Id is CheckIds.MtaStsPolicy or CheckIds.Certificate), r => Assert.Equal(CheckStatus.NotChecked, r.Status));
        Assert.Equal(CheckIds.All, report.Results.Select(r => r.Id).Distinct());
        Assert.Contains(report.Results, r => r.Id == CheckIds.PtrIPv6 && r.Detail.EndsWith("resolves back to " + r.Subject, StringComparison.Ordinal));
    }

    [NetFact]
    public async Task A_missing_ptr_fails_ptr_ipv4()
    {
        var relay = await PublishAsync();
        await fixture.Net.Dns.SetPtrAsync(relay.IPv4);

        var failed = OnlyProblem(await RunAsync(relay));

        Assert.Equal((CheckIds.PtrIPv4, CheckStatus.Error, relay.IPv4.ToString()), (failed.Id, failed.Status, failed.Subject));
        Assert.Equal($"Ask your hosting provider (where {relay.IPv4} comes from) to set its reverse DNS (PTR) to {HostName}.", failed.Instruction);
    }

    [NetFact]
    public async Task A_ptr_naming_another_host_fails_ptr_ipv6()
    {
        var relay = await PublishAsync();
        await fixture.Net.Dns.SetPtrAsync(relay.IPv6, "static-3.provider.test");

        var failed = OnlyProblem(await RunAsync(relay));

        Assert.Equal((CheckIds.PtrIPv6, CheckStatus.Error), (failed.Id, failed.Status));
        Assert.Equal($"Ask your hosting provider to change the reverse DNS (PTR) of {relay.IPv6} from static-3.provider.test to {HostName}.", failed.Instruction);
    }

    [NetFact]
    public async Task A_missing_aaaa_while_the_relay_sends_over_ipv6_fails_host_ipv6()
    {
        var relay = await PublishAsync(records => records.Where(r => r.Type != "AAAA"));

        var report = await RunAsync(relay);
        var failed = OnlyProblem(report);

        Assert.Equal((CheckIds.HostIPv6, CheckStatus.Error), (failed.Id, failed.Status));
        Assert.Equal($"Add '{HostName}. AAAA {relay.IPv6}' in the zone that holds {HostName}.", failed.Instruction);
        Assert.Equal(CheckStatus.NotChecked, report.Results.Single(r => r.Id == CheckIds.PtrIPv6).Status);
    }

    [NetFact]
    public async Task Spf_not_covering_the_ipv6_address_fails_spf_ipv6()
    {
        NetHost relay = await RelayAsync();
        var failed = OnlyProblem(await RunAsync(await PublishAsync(records => ReplaceSpf(records, $"v=spf1 ip4:{relay.IPv4} -all"))));

        Assert.Equal((CheckIds.SpfIPv6, CheckStatus.Error, $"{Domain} {relay.IPv6}"), (failed.Id, failed.Status, failed.Subject));
        Assert.Equal($"Add ip6:{relay.IPv6} to the SPF record of {Domain}, before its all term.", failed.Instruction);
    }

    [NetFact]
    public async Task Two_spf_records_fail_spf_record()
    {
        var relay = await PublishAsync(records => records.Append(new ZoneRecord(Domain, "TXT", ["v=spf1 a -all"], "a second SPF record")));

        var failed = OnlyProblem(await RunAsync(relay));

        Assert.Equal((CheckIds.SpfRecord, CheckStatus.Error), (failed.Id, failed.Status));
        Assert.StartsWith($"{Domain} has 2 SPF records", failed.Detail, StringComparison.Ordinal);
        Assert.StartsWith($"Merge them into one TXT record at {Domain}", failed.Instruction, StringComparison.Ordinal);
    }

    [NetFact]
    public async Task Spf_over_the_lookup_limit_fails_spf_lookups()
    {
        NetHost relay = await RelayAsync();
        string includes = string.Join(' ', Enumerable.Range(1, 11).Select(i => $"include:s{i}._spf.{Domain}"));
        var failed = OnlyProblem(await RunAsync(await PublishAsync(records => ReplaceSpf(records, $"v=spf1 {includes} ip4:{relay.IPv4} ip6:{relay.IPv6} -all")
            .Concat(Enumerable.Range(1, 11).Select(i => new ZoneRecord($"s{i}._spf.{Domain}", "TXT", [$"v=spf1 ip4:203.0.113.{i} -all"], "included"))))));

        Assert.Equal((CheckIds.SpfLookups, CheckStatus.Error), (failed.Id, failed.Status));
        Assert.StartsWith($"the SPF record of {Domain} needs 11 DNS-querying terms", failed.Detail, StringComparison.Ordinal);
        Assert.StartsWith($"Replace include:, a and mx terms in the SPF record of {Domain}", failed.Instruction, StringComparison.Ordinal);
    }

    [NetFact]
    public async Task A_dkim_key_that_is_not_the_one_on_disk_fails_dkim()
    {
        using var other = DkimKeyGenerator.Generate(DkimKeyType.Ed25519);
        string name = DkimNames.KeyName("s1", Domain);
        var relay = await PublishAsync(records => records.Where(r => r.Name != name)
            .Append(new ZoneRecord(name, "TXT", DkimKeyRecord.For(other).TxtStrings(), "a key from another machine")));

        var failed = OnlyProblem(await RunAsync(relay));

        Assert.Equal((CheckIds.Dkim, CheckStatus.Error, name), (failed.Id, failed.Status, failed.Subject));
        Assert.Equal($"the key published at {name} (k=ed25519) is not the public half of domains/{Domain}/dkim/s1.pem (k=ed25519)", failed.Detail);
    }

    [NetFact]
    public async Task A_dmarc_syntax_error_fails_dmarc()
    {
        var relay = await PublishAsync(records => records.Where(r => r.Name != "_dmarc." + Domain)
            .Append(new ZoneRecord("_dmarc." + Domain, "TXT", ["v=DMARC1; p=reject; pct=150"], "broken")));

        var failed = OnlyProblem(await RunAsync(relay));

        Assert.Equal((CheckIds.Dmarc, CheckStatus.Error), (failed.Id, failed.Status));
        Assert.Contains("pct=150 is not a number from 0 to 100", failed.Detail, StringComparison.Ordinal);
        Assert.Equal($"Fix the TXT record at _dmarc.{Domain} in the zone of {Domain}, e.g. \"v=DMARC1; p=none\".", failed.Instruction);
    }

    [NetFact]
    public async Task An_mx_to_the_wrong_host_fails_mx()
    {
        var relay = await PublishAsync(records => records.Where(r => r.Type != "MX")
            .Append(new ZoneRecord(Domain, "MX", ["10 old-mail." + Domain + "."], "the previous provider"))
            .Append(new ZoneRecord("old-mail." + Domain, "A", ["203.0.113.9"], "the previous provider")));

        var failed = OnlyProblem(await RunAsync(relay));

        Assert.Equal((CheckIds.Mx, CheckStatus.Error), (failed.Id, failed.Status));
        Assert.Equal($"MX {Domain} → 10 old-mail.{Domain}, not {HostName}", failed.Detail);
        Assert.Equal($"Change the MX record of {Domain} to '{Domain}. MX 10 {HostName}.' in the zone of {Domain}.", failed.Instruction);
    }

    [NetFact]
    public async Task A_listed_address_fails_dnsbl()
    {
        var relay = await PublishAsync();
        string listed = DnsblCheck.QueryName(relay.IPv4, Blocklist);
        await fixture.Net.Dns.SetZoneAsync(Blocklist, $"{listed}. A 127.0.0.2\n{listed}. TXT \"spam trap hit, see https://bl.test/\"\n");

        var failed = OnlyProblem(await RunAsync(relay));

        Assert.Equal((CheckIds.Dnsbl, CheckStatus.Error, $"{relay.IPv4} in {Blocklist}"), (failed.Id, failed.Status, failed.Subject));
        Assert.Equal($"{relay.IPv4} is listed in {Blocklist} (answer 127.0.0.2): spam trap hit, see https://bl.test/", failed.Detail);
    }

    [NetFact]
    public async Task The_mta_sts_policy_served_over_https_is_fetched_and_compared_with_the_mx()
    {
        var relay = await RelayAsync();
        var web = await fixture.Net.AddHostAsync("dnscheck-mtasts");
        string policyHost = "mta-sts." + Domain;
        using var certificate = TestCertificates.Create(policyHost, TimeSpan.FromDays(1));
        string root = Path.Combine(fixture.Net.Directory, "mta-sts-web");
        TestCertificates.Write(root, certificate);
        Directory.CreateDirectory(Path.Combine(root, "www", ".well-known"));
        string policyFile = Path.Combine(root, "www", ".well-known", "mta-sts.txt");
        await File.WriteAllTextAsync(policyFile, Expected(relay).MtaStsPolicy.ToString());
        await using var server = web.Start(TestInternet.Python, "-c", HttpsServer, Path.Combine(root, "www"),
            Path.Combine(root, "fullchain.pem"), Path.Combine(root, "privkey.pem"));
        await server.WaitForOutputAsync("serving", TimeSpan.FromSeconds(20));
        await PublishAsync(records => records.Append(new ZoneRecord(policyHost, "A", [web.IPv4.ToString()], "policy host"))
            .Append(new ZoneRecord(policyHost, "AAAA", [web.IPv6.ToString()], "policy host")));

        // The name is resolved through the test DNS (the handler's resolver); the self-signed certificate is
        // trusted by its thumbprint only, and its name is still checked.
        var resolver = fixture.Net.Dns.CreateResolver();
        var handler = HttpsMtaStsPolicySource.CreateHandler(resolver);
        handler.SslOptions.RemoteCertificateValidationCallback = (_, presented, _, errors) =>
            errors == System.Net.Security.SslPolicyErrors.None ||
            (errors == System.Net.Security.SslPolicyErrors.RemoteCertificateChainErrors && presented?.GetCertHashString() == certificate.GetCertHashString());
        using var http = new HttpClient(handler);
        var policies = new HttpsMtaStsPolicySource(http);

        var report = await RunAsync(relay, policies);
        var policy = report.Results.Single(r => r.Id == CheckIds.MtaStsPolicy);
        Assert.True(policy.Status == CheckStatus.Ok, policy.ToString());
        Assert.Equal($"https://{policyHost}/.well-known/mta-sts.txt: mode testing, mx {HostName}, max_age 604800", policy.Detail);

        await File.WriteAllTextAsync(policyFile, "version: STSv1\r\nmode: enforce\r\nmx: mx.elsewhere.test\r\nmax_age: 86400\r\n");
        var failed = OnlyProblem(await RunAsync(relay, policies));
        Assert.Equal((CheckIds.MtaStsPolicy, CheckStatus.Error), (failed.Id, failed.Status));
        Assert.StartsWith($"Add 'mx: {HostName}' to the policy at https://{policyHost}/.well-known/mta-sts.txt", failed.Instruction, StringComparison.Ordinal);

        File.Delete(policyFile);
        failed = OnlyProblem(await RunAsync(relay, policies));
        Assert.Equal($"senders cannot fetch https://{policyHost}/.well-known/mta-sts.txt: HTTP 404 File not found", failed.Detail);
    }

    // A static HTTPS server on port 443 (both address families) serving argv[1], with the certificate argv[2], key argv[3].
    private const string HttpsServer = """
        import functools, http.server, socket, ssl, sys
        class Server(http.server.ThreadingHTTPServer):
            address_family = socket.AF_INET6
        handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=sys.argv[1])
        server = Server(("::", 443), handler)
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(sys.argv[2], sys.argv[3])
        server.socket = context.wrap_socket(server.socket, server_side=True)
        print("serving", flush=True)
        server.serve_forever()
        """;

    private Task<NetHost> RelayAsync() => fixture.Net.AddHostAsync("dnscheck-relay");

    /// <summary>
    /// Publishes the expected records of the domain (optionally edited), the PTRs of the relay host, and an empty
    /// blocklist zone, and returns the relay host.
    /// </summary>
    private async Task<NetHost> PublishAsync(Func<IEnumerable<ZoneRecord>, IEnumerable<ZoneRecord>>? edit = null)
    {
        var net = fixture.Net;
        var relay = await RelayAsync();
        var expected = Expected(relay);
        var records = (edit ?? (r => r))(expected.ZoneRecords);
        await net.Dns.SetZoneAsync(Domain, string.Join('\n', records.Select(r => r.ToZoneFileLine())) + "\n");
        await net.Dns.SetPtrAsync(relay.IPv4, HostName);
        await net.Dns.SetPtrAsync(relay.IPv6, HostName);
        await net.Dns.SetZoneAsync(Blocklist, string.Empty);
        return relay;
    }

    private ExpectedRecords Expected(NetHost relay) =>
        ExpectedRecords.For(Domain, HostName, relay.Addresses, [new DkimSelectorRecord("s1", DkimKeyRecord.For(_key))]);

    private Task<DnsCheckReport> RunAsync(NetHost relay, IMtaStsPolicySource? policies = null)
    {
        var options = new DnsCheckOptions { Dnsbls = Blocklist, CheckMtaStsPolicy = policies is not null, RelayAdminUrl = string.Empty };
        var resolver = fixture.Net.Dns.CreateResolver();
        var target = new DnsCheckTarget(HostName, relay.Addresses, [new DomainCheckTarget(Domain, [new DkimSelectorRecord("s1", DkimKeyRecord.For(_key))])]);
        return new DnsChecker(resolver, options, new SpfPassEvaluator(resolver), policies).RunAsync(target);
    }

    private static IEnumerable<ZoneRecord> ReplaceSpf(IEnumerable<ZoneRecord> records, string spf) =>
        records.Where(r => !(r.Name == Domain && r.Type == "TXT")).Append(new ZoneRecord(Domain, "TXT", TxtStrings.Split(spf), "SPF"));

    private static CheckResult OnlyProblem(DnsCheckReport report)
    {
        var problems = report.Problems.ToArray();
        Assert.True(problems.Length == 1, "expected exactly one failing check, got:\n" + string.Join("\n", report.Results.Select(p => p.ToString())));
        return problems[0];
    }
}
