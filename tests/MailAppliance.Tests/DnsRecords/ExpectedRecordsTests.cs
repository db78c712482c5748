using System.Net;
using System.Security.Cryptography;
using MailAppliance.Dkim;
using MailAppliance.DnsRecords;

namespace MailAppliance.Tests.DnsRecords;

/// <summary>The records <see cref="ExpectedRecords"/> suggests for a domain with IPv4 and IPv6 and two DKIM selectors.</summary>
public sealed class ExpectedRecordsTests
{
    private static readonly IPAddress V4 = IPAddress.Parse("192.0.2.10");
    private static readonly IPAddress V6 = IPAddress.Parse("2001:db8::25");

    private static ExpectedRecords Generate(ExpectedRecordsOptions? options = null) =>
        ExpectedRecords.For("Example.COM", "mail.example.com.", [V6, V4],
            [
                new DkimSelectorRecord("s1", new DkimKeyRecord { KeyTypeName = "rsa", PublicKey = RandomNumberGenerator.GetBytes(294) }),
                new DkimSelectorRecord("s2", new DkimKeyRecord { KeyTypeName = "ed25519", PublicKey = RandomNumberGenerator.GetBytes(32) }),
            ],
            options);

    [Fact]
    public void Lists_every_record_in_order_with_a_comment()
    {
        var expected = Generate();

        Assert.Equal(
            [
                ("example.com", "MX"), ("example.com", "TXT"), ("s1._domainkey.example.com", "TXT"), ("s2._domainkey.example.com", "TXT"),
                ("_dmarc.example.com", "TXT"), ("_mta-sts.example.com", "TXT"), ("_smtp._tls.example.com", "TXT"), ("example.com", "CAA"),
                ("mail.example.com", "A"), ("mail.example.com", "AAAA"),
                ("10.2.0.192.in-addr.arpa", "PTR"), ("5.2.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa", "PTR"),
            ],
            expected.Records.Select(r => (r.Name, r.Type)));
        Assert.All(expected.Records, r => Assert.False(string.IsNullOrWhiteSpace(r.Comment)));
        Assert.All(expected.Records, r => Assert.All(r.Data, s => Assert.True(s.Length <= 255)));
        Assert.Equal(2, expected.ProviderRecords.Count());
        Assert.Equal(10, expected.ZoneRecords.Count());
    }

    [Fact]
    public void Every_record_parses_back_with_its_type()
    {
        var expected = Generate(new ExpectedRecordsOptions { DmarcReportAddress = "dmarc@example.com" });
        var byName = expected.Records.ToLookup(r => (r.Name, r.Type));

        Assert.Equal(new MxRecordSpec("example.com", 10, "mail.example.com"), MxRecordSpec.Parse("example.com", byName[("example.com", "MX")].Single().Data[0]));

        var spf = SpfRecord.Parse(byName[("example.com", "TXT")].Single().Text);
        Assert.Equal("v=spf1 mx ip4:192.0.2.10 ip6:2001:db8::25 -all", spf.ToString());
        Assert.Equal(1, spf.DnsQueryingTermCount);

        var s1 = byName[("s1._domainkey.example.com", "TXT")].Single();
        Assert.True(s1.Data.Count > 1);
        Assert.Equal(294, DkimKeyRecord.Parse(s1.Text).PublicKey.Length);
        Assert.Equal("ed25519", DkimKeyRecord.Parse(byName[("s2._domainkey.example.com", "TXT")].Single().Text).KeyTypeName);

        var dmarcRecord = byName[("_dmarc.example.com", "TXT")].Single();
        var dmarc = DmarcRecord.Parse(dmarcRecord.Text);
        Assert.Equal(DmarcPolicy.None, dmarc.Policy);
        Assert.Equal("mailto:dmarc@example.com", Assert.Single(dmarc.AggregateReportUris).Uri);
        Assert.Contains("p=quarantine", dmarcRecord.Comment, StringComparison.Ordinal);
        Assert.Contains("p=reject", dmarcRecord.Comment, StringComparison.Ordinal);

        var sts = MtaStsRecord.Parse(byName[("_mta-sts.example.com", "TXT")].Single().Text);
        Assert.True(MtaStsRecord.IsId(sts.Id));
        Assert.Equal("mailto:postmaster@example.com", Assert.Single(TlsRptRecord.Parse(byName[("_smtp._tls.example.com", "TXT")].Single().Text).ReportUris));
        Assert.Equal(new CaaRecordSpec("example.com", 0, "issue", "letsencrypt.org"), CaaRecordSpec.Parse("example.com", byName[("example.com", "CAA")].Single().Data[0]));
        Assert.Equal(V4, AddressRecordSpec.Parse("mail.example.com", "A", byName[("mail.example.com", "A")].Single().Data[0]).Address);
        Assert.Equal(V6, AddressRecordSpec.Parse("mail.example.com", "AAAA", byName[("mail.example.com", "AAAA")].Single().Data[0]).Address);
        Assert.All(expected.ProviderRecords, r => Assert.Equal("mail.example.com", PtrRecordSpec.Parse(V4, r.Data[0]).HostName));

        foreach (var record in expected.Records)
        {
            var back = ZoneRecord.ParseZoneFileLine(record.ToZoneFileLine());
            Assert.Equal((record.Name, record.Type, record.Ttl), (back.Name, back.Type, back.Ttl));
            Assert.Equal(record.Data, back.Data);
        }
    }

    [Fact]
    public void The_mta_sts_policy_names_the_host_and_its_id_follows_the_policy()
    {
        var testing = Generate();
        Assert.Equal("https://mta-sts.example.com/.well-known/mta-sts.txt", testing.MtaStsPolicyUrl);
        Assert.Equal(["version: STSv1", "mode: testing", "mx: mail.example.com", "max_age: 604800"], testing.MtaStsPolicy.Lines());
        Assert.Equal(testing.MtaStsPolicy.ToString(), MtaStsPolicy.Parse(testing.MtaStsPolicy.ToString()).ToString());

        var enforce = Generate(new ExpectedRecordsOptions { MtaStsMode = MtaStsMode.Enforce });
        string Id(ExpectedRecords e) => MtaStsRecord.Parse(e.Records.Single(r => r.Name == "_mta-sts.example.com").Text).Id;
        Assert.NotEqual(Id(testing), Id(enforce));
        Assert.Equal(Id(testing), Id(Generate()));
    }

    [Fact]
    public void Options_change_spf_and_dmarc()
    {
        var expected = Generate(new ExpectedRecordsOptions { SpfSoftFail = true, DmarcPolicy = DmarcPolicy.Reject, TlsReportAddress = "tls@example.com" });
        Assert.EndsWith(" ~all", expected.Records[1].Text, StringComparison.Ordinal);
        Assert.Equal("v=DMARC1; p=reject", expected.Records.Single(r => r.Name == "_dmarc.example.com").Text);
        Assert.Equal("v=TLSRPTv1; rua=mailto:tls@example.com", expected.Records.Single(r => r.Name == "_smtp._tls.example.com").Text);
    }

    [Fact]
    public void Bad_arguments_are_refused()
    {
        Assert.Throws<ArgumentException>(() => ExpectedRecords.For("example.com", "mail.example.com", [], []));
        Assert.Throws<ArgumentException>(() => ExpectedRecords.For("example.com", "mail", [V4], []));
        Assert.Throws<ArgumentException>(() => ExpectedRecords.For("exa mple.com", "mail.example.com", [V4], []));
    }
}
