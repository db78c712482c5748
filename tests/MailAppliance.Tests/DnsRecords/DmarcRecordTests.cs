using MailAppliance.DnsRecords;

namespace MailAppliance.Tests.DnsRecords;

/// <summary>DMARC records (RFC 7489 §6.3), with the examples of §6.3 and Appendix B.</summary>
public sealed class DmarcRecordTests
{
    [Theory]
    // RFC 7489 §B.2.1, §B.2.2, §B.2.3, §B.2.4.
    [InlineData("v=DMARC1; p=none; rua=mailto:dmarc-feedback@example.com")]
    [InlineData("v=DMARC1; p=none; rua=mailto:dmarc-feedback@example.com; ruf=mailto:auth-reports@thirdparty.example.net")]
    [InlineData("v=DMARC1; p=quarantine; rua=mailto:dmarc-feedback@example.com,mailto:tld-test@thirdparty.example.net!10m; pct=25")]
    [InlineData("v=DMARC1; p=reject; sp=quarantine; adkim=s; aspf=s; fo=0:1:d:s; rf=afrf; ri=3600")]
    [InlineData("v=DMARC1;p=reject;")]
    [InlineData("v=DMARC1; p=none; future=thing")]
    public void Rfc_7489_examples_parse_and_print_back(string text)
    {
        var record = DmarcRecord.Parse(text);
        string printed = record.ToString();
        Assert.Equal(printed, DmarcRecord.Parse(printed).ToString());
    }

    [Fact]
    public void Parses_every_tag()
    {
        var record = DmarcRecord.Parse(
            "v=DMARC1; p=quarantine; sp=reject; pct=25; rua=mailto:a@example.com,mailto:b@example.net!10m; " +
            "ruf=mailto:f@example.com; adkim=s; aspf=r; fo=1:d; ri=3600; x-new=1");

        Assert.Equal(DmarcPolicy.Quarantine, record.Policy);
        Assert.Equal(DmarcPolicy.Reject, record.SubdomainPolicy);
        Assert.Equal(25, record.Percent);
        Assert.Equal([new DmarcReportUri("mailto:a@example.com"), new DmarcReportUri("mailto:b@example.net", "10m")], record.AggregateReportUris);
        Assert.Equal([new DmarcReportUri("mailto:f@example.com")], record.FailureReportUris);
        Assert.True(record.StrictDkimAlignment);
        Assert.False(record.StrictSpfAlignment);
        Assert.Equal(["1", "d"], record.FailureOptions);
        Assert.Equal(3600u, record.ReportInterval);
        Assert.Equal([new KeyValuePair<string, string>("x-new", "1")], record.OtherTags);
        Assert.Equal(
            "v=DMARC1; p=quarantine; sp=reject; pct=25; rua=mailto:a@example.com,mailto:b@example.net!10m; ruf=mailto:f@example.com; " +
            "adkim=s; fo=1:d; ri=3600; x-new=1",
            record.ToString());
    }

    [Fact]
    public void Formats_the_default_record()
    {
        Assert.Equal("v=DMARC1; p=none", new DmarcRecord().ToString());
        var zone = new DmarcRecord { AggregateReportUris = [new("mailto:d@example.com")] }.ToZoneRecord("example.com", "c");
        Assert.Equal("_dmarc.example.com. 3600 IN TXT \"v=DMARC1; p=none; rua=mailto:d@example.com\"", zone.ToZoneFileLine());
    }

    [Theory]
    [InlineData("p=none; v=DMARC1", "begins with v=DMARC1")]
    [InlineData("v=DMARC2; p=none", "begins with v=DMARC1")]
    [InlineData("v=DMARC1", "no p=")]
    [InlineData("v=DMARC1; rua=mailto:d@example.com", "no p=")]
    [InlineData("v=DMARC1; p=block", "p=block")]
    [InlineData("v=DMARC1; p=none; sp=all", "sp=all")]
    [InlineData("v=DMARC1; p=none; pct=101", "pct=101")]
    [InlineData("v=DMARC1; p=none; pct=-1", "pct=-1")]
    [InlineData("v=DMARC1; p=none; adkim=x", "adkim=x")]
    [InlineData("v=DMARC1; p=none; fo=2", "fo=2")]
    [InlineData("v=DMARC1; p=none; ri=daily", "ri=daily")]
    [InlineData("v=DMARC1; p=none; rua=https://example.com/r", "not a mailto: URI")]
    [InlineData("v=DMARC1; p=none; rua=mailto:nobody", "does not hold an address")]
    [InlineData("v=DMARC1; p=none; rua=mailto:d@example.com!ten", "size limit")]
    [InlineData("v=DMARC1; p=none; p=reject", "twice")]
    [InlineData("v=DMARC1; p", "not tag=value")]
    [InlineData("v=DMARC1;; p=none", "empty term")]
    public void Invalid_records_are_refused_with_the_tag_named(string text, string expected)
    {
        var e = Assert.Throws<DnsRecordFormatException>(() => DmarcRecord.Parse(text));
        Assert.Contains(expected, e.Message, StringComparison.Ordinal);
        Assert.False(DmarcRecord.TryParse(text, out _, out _));
    }
}
