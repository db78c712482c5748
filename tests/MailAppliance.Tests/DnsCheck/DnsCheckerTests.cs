using System.Net;
using MailAppliance.Dkim;
using MailAppliance.Dns;
using MailAppliance.DnsCheck;
using MailAppliance.DnsRecords;
using DnsNames = MailAppliance.Dns.DnsNames;

namespace MailAppliance.Tests.DnsCheck;

/// <summary>
/// The checks over a fake DNS holding exactly the expected records: everything passes; then each broken record makes
/// exactly its check fail, with an instruction naming what to change where.
/// </summary>
public sealed class DnsCheckerTests
{
    private readonly DnsCheckWorld world = new();

    [Fact]
    public async Task The_expected_records_pass_every_check()
    {
        var report = await world.RunAsync();

        Assert.All(report.Results, r => Assert.True(r.Status == CheckStatus.Ok, r.ToString()));
        Assert.Equal(CheckStatus.Ok, report.Worst);
        Assert.False(report.HasErrors);
        // Every check id is present, in the documented order.
        Assert.Equal(CheckIds.All, report.Results.Select(r => r.Id).Distinct());
        Assert.Equal(2, report.Results.Count(r => r.Id == CheckIds.Caa)); // the host name and the domain
        Assert.Equal("ok", (string?)report.ToJson()["status"]);
    }

    [Fact]
    public async Task A_missing_ipv6_ptr_fails_ptr_ipv6_only()
    {
        world.Dns.Remove(DnsNames.ReverseName(DnsCheckWorld.V6));

        var failed = Single(await world.RunAsync());

        Assert.Equal((CheckIds.PtrIPv6, CheckStatus.Error), (failed.Id, failed.Status));
        Assert.Equal("2001:db8::25 has no PTR record", failed.Detail);
        Assert.Equal("Ask your hosting provider (where 2001:db8::25 comes from) to set its reverse DNS (PTR) to mail.example.com.", failed.Instruction);
    }

    [Fact]
    public async Task A_ptr_naming_another_host_fails_ptr_ipv4()
    {
        world.Dns.Remove(DnsNames.ReverseName(DnsCheckWorld.V4)).AddPtr(DnsCheckWorld.V4, "vps-1234.provider.net");

        var failed = Single(await world.RunAsync());

        Assert.Equal(CheckIds.PtrIPv4, failed.Id);
        Assert.Contains("from vps-1234.provider.net to mail.example.com", failed.Instruction, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_missing_aaaa_fails_host_ipv6_and_ptr_ipv6_waits_for_it()
    {
        world.Dns.Remove(DnsCheckWorld.Host, DnsQueryType.Aaaa);

        var report = await world.RunAsync();
        var failed = Single(report);

        Assert.Equal(CheckIds.HostIPv6, failed.Id);
        Assert.Equal("Add 'mail.example.com. AAAA 2001:db8::25' in the zone that holds mail.example.com.", failed.Instruction);
        var ptr = report.Results.Single(r => r.Id == CheckIds.PtrIPv6);
        Assert.Equal(CheckStatus.NotChecked, ptr.Status);
        Assert.Contains(CheckIds.HostIPv6, ptr.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_address_the_relay_does_not_use_is_an_error()
    {
        world.Dns.AddA(DnsCheckWorld.Host, "192.0.2.99");

        var failed = Single(await world.RunAsync());

        Assert.Equal(CheckIds.HostIPv4, failed.Id);
        Assert.Contains("Remove 'mail.example.com. A 192.0.2.99'", failed.Instruction, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Spf_without_the_ipv6_address_fails_spf_ipv6()
    {
        ReplaceSpf("v=spf1 ip4:192.0.2.10 -all");

        var failed = Single(await world.RunAsync());

        Assert.Equal((CheckIds.SpfIPv6, "example.com 2001:db8::25"), (failed.Id, failed.Subject));
        Assert.StartsWith("SPF of example.com gives fail for 2001:db8::25", failed.Detail, StringComparison.Ordinal);
        Assert.Equal("Add ip6:2001:db8::25 to the SPF record of example.com, before its all term.", failed.Instruction);
    }

    [Fact]
    public async Task Two_spf_records_fail_spf_record_and_the_rest_waits()
    {
        world.Dns.AddTxt(DnsCheckWorld.Domain, "v=spf1 include:_spf.mailer.example -all");

        var report = await world.RunAsync();
        var failed = Single(report);

        Assert.Equal(CheckIds.SpfRecord, failed.Id);
        Assert.Contains("2 SPF records", failed.Detail, StringComparison.Ordinal);
        Assert.StartsWith("Merge them into one TXT record at example.com", failed.Instruction, StringComparison.Ordinal);
        Assert.All(report.Results.Where(r => r.Id is CheckIds.SpfLookups or CheckIds.SpfIPv4 or CheckIds.SpfIPv6),
            r => Assert.Equal(CheckStatus.NotChecked, r.Status));
    }

    [Fact]
    public async Task An_unparsable_spf_record_fails_spf_record()
    {
        ReplaceSpf("v=spf1 ip4:192.0.2.300 -all");

        var failed = Single(await world.RunAsync());

        Assert.Equal(CheckIds.SpfRecord, failed.Id);
        Assert.Contains("does not parse", failed.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Spf_over_ten_lookups_fails_spf_lookups()
    {
        // Eleven includes, each a real record: a receiver stops at the eleventh with permerror (RFC 7208 §4.6.4).
        for (int i = 1; i <= 11; i++)
        {
            world.Dns.AddTxt($"spf{i}.example.com", "v=spf1 ip4:198.51.100." + i + " -all");
        }

        ReplaceSpf("v=spf1 " + string.Join(' ', Enumerable.Range(1, 11).Select(i => $"include:spf{i}.example.com")) + " ip4:192.0.2.10 ip6:2001:db8::25 -all");

        var report = await world.RunAsync();
        var failed = Single(report);

        Assert.Equal(CheckIds.SpfLookups, failed.Id);
        Assert.Contains("11 DNS-querying terms", failed.Detail, StringComparison.Ordinal);
        Assert.All(report.Results.Where(r => r.Id is CheckIds.SpfIPv4 or CheckIds.SpfIPv6), r => Assert.Equal(CheckStatus.NotChecked, r.Status));
    }

    [Fact]
    public async Task Nested_includes_and_redirects_count_towards_the_limit()
    {
        world.Dns.AddTxt("a.example.com", "v=spf1 include:b.example.com mx a -all");
        world.Dns.AddTxt("b.example.com", "v=spf1 exists:x.example.com redirect=c.example.com");
        world.Dns.AddTxt("c.example.com", "v=spf1 a:gone1.example.com a:gone2.example.com ?all");
        world.Dns.AddA("x.example.com", "127.0.0.2");
        var record = SpfRecord.Parse("v=spf1 include:a.example.com ip4:192.0.2.10 -all");

        var count = await new SpfLookupCounter(world.Dns).CountAsync(DnsCheckWorld.Domain, record);

        // include:a, include:b, mx, a, exists, redirect=c, a:gone1, a:gone2; a.example.com has neither MX nor address.
        Assert.Equal(8, count.DnsQueryingTerms);
        Assert.Equal(["gone1.example.com", "gone2.example.com", "a.example.com", "a.example.com"], count.VoidNames);
        Assert.Empty(count.Problems);
    }

    [Fact]
    public async Task Three_void_lookups_fail_spf_lookups()
    {
        ReplaceSpf("v=spf1 a:gone1.example.com a:gone2.example.com mx:gone3.example.com ip4:192.0.2.10 ip6:2001:db8::25 -all");

        var failed = Single(await world.RunAsync());

        Assert.Equal(CheckIds.SpfLookups, failed.Id);
        Assert.Contains("3 void lookups", failed.Detail, StringComparison.Ordinal);
        Assert.Equal("Remove the terms naming gone1.example.com, gone2.example.com, gone3.example.com from the SPF record of example.com: those names do not exist.", failed.Instruction);
    }

    [Fact]
    public async Task An_include_without_spf_record_is_a_permerror()
    {
        ReplaceSpf("v=spf1 include:nothing.example.com ip4:192.0.2.10 ip6:2001:db8::25 -all");
        world.Dns.AddA("nothing.example.com", "192.0.2.1");

        var failed = Single(await world.RunAsync());

        Assert.Equal(CheckIds.SpfLookups, failed.Id);
        Assert.Contains("include:nothing.example.com (in example.com): nothing.example.com has no SPF record", failed.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_dkim_key_that_differs_from_the_file_fails_dkim()
    {
        using var other = DkimKeyGenerator.Generate(DkimKeyType.Ed25519);
        world.Dns.Remove("s1._domainkey.example.com").AddTxt("s1._domainkey.example.com", [.. DkimKeyRecord.For(other).TxtStrings()]);

        var failed = Single(await world.RunAsync());

        Assert.Equal((CheckIds.Dkim, "s1._domainkey.example.com"), (failed.Id, failed.Subject));
        Assert.Contains("is not the public half of domains/example.com/dkim/s1.pem", failed.Detail, StringComparison.Ordinal);
        Assert.StartsWith("Publish the TXT record for s1._domainkey.example.com that 'mailctl dns records example.com' prints", failed.Instruction, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_missing_dkim_record_fails_dkim()
    {
        world.Dns.Remove("s1._domainkey.example.com");

        var failed = Single(await world.RunAsync());

        Assert.Equal(CheckIds.Dkim, failed.Id);
        Assert.Equal("no DKIM key record at s1._domainkey.example.com for the key domains/example.com/dkim/s1.pem", failed.Detail);
    }

    [Fact]
    public async Task A_dmarc_syntax_error_fails_dmarc()
    {
        world.Dns.Remove("_dmarc.example.com").AddTxt("_dmarc.example.com", "v=DMARC1; p=nothing");

        var failed = Single(await world.RunAsync());

        Assert.Equal(CheckIds.Dmarc, failed.Id);
        Assert.Contains("p=nothing is not none, quarantine or reject", failed.Detail, StringComparison.Ordinal);
        Assert.Equal("Fix the TXT record at _dmarc.example.com in the zone of example.com, e.g. \"v=DMARC1; p=none\".", failed.Instruction);
    }

    [Fact]
    public async Task A_dmarc_report_address_elsewhere_needs_the_authorization_record()
    {
        world.Dns.Remove("_dmarc.example.com").AddTxt("_dmarc.example.com", "v=DMARC1; p=reject; rua=mailto:reports@dmarc.example.net");

        var failed = Single(await world.RunAsync());
        Assert.Equal(CheckIds.Dmarc, failed.Id);
        Assert.Equal("Add 'example.com._report._dmarc.dmarc.example.net. TXT \"v=DMARC1\"' in the zone of dmarc.example.net, or send reports to an address in example.com.",
            failed.Instruction);

        world.Dns.AddTxt("example.com._report._dmarc.dmarc.example.net", "v=DMARC1");
        Assert.All((await world.RunAsync()).Results, r => Assert.Equal(CheckStatus.Ok, r.Status));
    }

    [Fact]
    public async Task A_missing_dmarc_record_is_a_warning()
    {
        world.Dns.Remove("_dmarc.example.com");

        var report = await world.RunAsync();
        var failed = Single(report);

        Assert.Equal((CheckIds.Dmarc, CheckStatus.Warning), (failed.Id, failed.Status));
        Assert.Equal(CheckStatus.Warning, report.Worst);
        Assert.False(report.HasErrors);
    }

    [Fact]
    public async Task An_mx_to_another_host_fails_mx_only()
    {
        world.Dns.Remove(DnsCheckWorld.Domain, DnsQueryType.Mx).AddMx(DnsCheckWorld.Domain, 10, "mx.other.example");

        var failed = Single(await world.RunAsync());

        Assert.Equal(CheckIds.Mx, failed.Id);
        Assert.Equal("MX example.com → 10 mx.other.example, not mail.example.com", failed.Detail);
        Assert.Equal("Change the MX record of example.com to 'example.com. MX 10 mail.example.com.' in the zone of example.com.", failed.Instruction);
    }

    [Fact]
    public async Task A_policy_without_the_mx_host_fails_mta_sts_policy()
    {
        world.Policy.Text = "version: STSv1\r\nmode: enforce\r\nmx: mx.other.example\r\nmax_age: 86400\r\n";

        var failed = Single(await world.RunAsync());

        Assert.Equal(CheckIds.MtaStsPolicy, failed.Id);
        Assert.StartsWith("Add 'mx: mail.example.com' to the policy at https://mta-sts.example.com/.well-known/mta-sts.txt", failed.Instruction, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_unreachable_policy_fails_and_a_switched_off_fetch_is_not_checked()
    {
        world.Policy.Text = null;
        var failed = Single(await world.RunAsync());
        Assert.Equal(CheckIds.MtaStsPolicy, failed.Id);
        Assert.Contains("Connection refused", failed.Detail, StringComparison.Ordinal);

        world.Options.CheckMtaStsPolicy = false;
        var report = await world.RunAsync();
        Assert.Equal(CheckStatus.NotChecked, report.Results.Single(r => r.Id == CheckIds.MtaStsPolicy).Status);
        Assert.False(report.HasErrors);
    }

    [Fact]
    public async Task A_broken_tls_rpt_record_fails_tls_rpt()
    {
        world.Dns.Remove("_smtp._tls.example.com").AddTxt("_smtp._tls.example.com", "v=TLSRPTv1; rua=reports@example.com");

        var failed = Single(await world.RunAsync());

        Assert.Equal(CheckIds.TlsRpt, failed.Id);
        Assert.Contains("neither mailto:address nor an https: URL", failed.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Caa_for_another_ca_fails_caa_and_no_caa_passes()
    {
        world.Dns.Remove(DnsCheckWorld.Domain, DnsQueryType.Caa).AddCaa(DnsCheckWorld.Domain, 0, "issue", "pki.goog");

        var report = await world.RunAsync();
        var failed = report.Problems.ToArray();

        // Both the domain and the host name (through the climb) find the record at example.com.
        Assert.Equal([(CheckIds.Caa, "example.com"), (CheckIds.Caa, "mail.example.com")], failed.Select(f => (f.Id, f.Subject)));
        Assert.StartsWith("Add 'example.com. CAA 0 issue \"letsencrypt.org\"' in the zone of example.com", failed[0].Instruction, StringComparison.Ordinal);

        world.Dns.Remove(DnsCheckWorld.Domain, DnsQueryType.Caa);
        Assert.All((await world.RunAsync()).Results, r => Assert.Equal(CheckStatus.Ok, r.Status));
    }

    [Fact]
    public async Task A_listed_address_fails_dnsbl_with_the_lists_reason()
    {
        world.Dns.AddA("10.2.0.192.bl.example.net", "127.0.0.2").AddTxt("10.2.0.192.bl.example.net", "Listed: see https://bl.example.net/q?192.0.2.10");

        var failed = Single(await world.RunAsync());

        Assert.Equal((CheckIds.Dnsbl, "192.0.2.10 in bl.example.net"), (failed.Id, failed.Subject));
        Assert.Equal("192.0.2.10 is listed in bl.example.net (answer 127.0.0.2): Listed: see https://bl.example.net/q?192.0.2.10", failed.Detail);
    }

    [Fact]
    public async Task Ipv6_addresses_are_queried_by_nibbles_and_refusals_are_warnings()
    {
        Assert.Equal("5.2.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.bl.example.net",
            DnsblCheck.QueryName(DnsCheckWorld.V6, "bl.example.net"));
        world.Dns.AddA(DnsblCheck.QueryName(DnsCheckWorld.V6, "bl.example.net"), "127.255.255.254");

        var failed = Single(await world.RunAsync());

        Assert.Equal((CheckIds.Dnsbl, CheckStatus.Warning), (failed.Id, failed.Status));
        Assert.Contains("refused the query", failed.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_served_certificate_must_cover_the_host_and_not_expire_soon()
    {
        world.Certificate.Certificate = world.Certificate.Certificate! with { DnsNames = ["other.example.com"] };
        var wrongName = Single(await world.RunAsync());
        Assert.Equal((CheckIds.Certificate, CheckStatus.Error), (wrongName.Id, wrongName.Status));

        world.Certificate.Certificate = world.Certificate.Certificate with { DnsNames = ["*.example.com"], NotAfter = DnsCheckWorld.Now.AddDays(5) };
        var soon = Single(await world.RunAsync());
        Assert.Equal((CheckIds.Certificate, CheckStatus.Warning), (soon.Id, soon.Status));
        Assert.Contains("expires in 5 days", soon.Detail, StringComparison.Ordinal);

        world.Certificate.Certificate = world.Certificate.Certificate with { NotAfter = DnsCheckWorld.Now.AddDays(-1) };
        Assert.Equal(CheckStatus.Error, Single(await world.RunAsync()).Status);

        world.Certificate.Certificate = null;
        var unreachable = Single(await world.RunAsync());
        Assert.Equal(CheckStatus.Warning, unreachable.Status);
        Assert.Equal("Start SmtpRelay, or set DnsVerifier:RelayAdminUrl to its admin URL.", unreachable.Instruction);
    }

    [Fact]
    public async Task A_dns_failure_is_a_warning_not_an_error()
    {
        world.Dns.Fail("_mta-sts.example.com");

        var failed = Single(await world.RunAsync());

        Assert.Equal((CheckIds.MtaStsRecord, CheckStatus.Warning), (failed.Id, failed.Status));
    }

    [Fact]
    public async Task A_domain_without_dkim_keys_gets_a_warning()
    {
        var target = world.Target with { Domains = [new DomainCheckTarget(DnsCheckWorld.Domain, [])] };

        var report = await new DnsChecker(world.Dns, world.Options, new SpfPassEvaluator(world.Dns), world.Policy, world.Certificate).RunAsync(target);
        var failed = Single(report);

        Assert.Equal((CheckIds.Dkim, CheckStatus.Warning), (failed.Id, failed.Status));
        Assert.Contains("mailctl dkim keygen example.com", failed.Instruction, StringComparison.Ordinal);
    }

    private void ReplaceSpf(string text) =>
        world.Dns.Remove(DnsCheckWorld.Domain, DnsQueryType.Txt).AddTxt(DnsCheckWorld.Domain, text);

    private static CheckResult Single(DnsCheckReport report)
    {
        var problems = report.Problems.ToArray();
        Assert.True(problems.Length == 1, "expected one problem, got:\n" + string.Join("\n", problems.Select(p => p.ToString())));
        return problems[0];
    }
}
