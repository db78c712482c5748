using MailAppliance.DnsRecords;

namespace MailAppliance.Tests.DnsRecords;

/// <summary>MTA-STS record and policy (RFC 8461 §3.1, §3.2) and TLS-RPT records (RFC 8460 §3).</summary>
public sealed class MtaStsTlsRptTests
{
    [Theory]
    [InlineData("v=STSv1; id=20160831085700Z;")] // RFC 8461 §3.1's example
    [InlineData("v=STSv1; id=abc")]
    [InlineData("v=STSv1;id=abc;ext=1")]
    public void Mta_sts_records_parse_and_print_back(string text)
    {
        var record = MtaStsRecord.Parse(text);
        Assert.Equal(record.ToString(), MtaStsRecord.Parse(record.ToString()).ToString());
    }

    [Theory]
    [InlineData("v=STSv2; id=1", "v=STSv1")]
    [InlineData("id=1; v=STSv1", "v=STSv1")]
    [InlineData("v=STSv1", "no id=")]
    [InlineData("v=STSv1; id=", "id=")]
    [InlineData("v=STSv1; id=2016-08-31", "letters and digits")]
    [InlineData("v=STSv1; id=123456789012345678901234567890123", "1 to 32")]
    public void Bad_mta_sts_records_are_refused(string text, string expected)
    {
        var e = Assert.Throws<DnsRecordFormatException>(() => MtaStsRecord.Parse(text));
        Assert.Contains(expected, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Policy_parses_the_rfc_8461_example_and_prints_crlf_lines()
    {
        // RFC 8461 §3.2's example.
        var policy = MtaStsPolicy.Parse("version: STSv1\nmode: enforce\nmx: mail.example.com\nmx: *.example.net\nmx: backupmx.example.com\nmax_age: 604800\n");

        Assert.Equal(MtaStsMode.Enforce, policy.Mode);
        Assert.Equal(["mail.example.com", "*.example.net", "backupmx.example.com"], policy.Mx);
        Assert.Equal(604800, policy.MaxAge);
        Assert.Equal(
            "version: STSv1\r\nmode: enforce\r\nmx: mail.example.com\r\nmx: *.example.net\r\nmx: backupmx.example.com\r\nmax_age: 604800\r\n",
            policy.ToString());
        Assert.Equal(policy.ToString(), MtaStsPolicy.Parse(policy.ToString()).ToString());
        Assert.Equal("https://mta-sts.example.com/.well-known/mta-sts.txt", MtaStsPolicy.Url("example.com"));
    }

    [Fact]
    public void A_policy_of_mode_none_needs_no_mx()
    {
        var policy = MtaStsPolicy.Parse("version: STSv1\r\nmode: none\r\nmax_age: 0\r\nfuture: x\r\n");
        Assert.Equal(MtaStsMode.None, policy.Mode);
        Assert.Empty(policy.Mx);
    }

    [Theory]
    [InlineData("mode: enforce\nmx: a.example\nmax_age: 1", "version")]
    [InlineData("version: STSv2\nmode: enforce\nmx: a.example\nmax_age: 1", "not STSv1")]
    [InlineData("version: STSv1\nmx: a.example\nmax_age: 1", "mode")]
    [InlineData("version: STSv1\nmode: strict\nmx: a.example\nmax_age: 1", "strict")]
    [InlineData("version: STSv1\nmode: enforce\nmax_age: 1", "no 'mx:'")]
    [InlineData("version: STSv1\nmode: enforce\nmx: a.example", "max_age")]
    [InlineData("version: STSv1\nmode: enforce\nmx: a.example\nmax_age: 31557601", "max_age")]
    [InlineData("version: STSv1\nmode: enforce\nmx: a..example\nmax_age: 1", "mx 'a..example'")]
    [InlineData("version: STSv1\nmode enforce", "line 2")]
    public void Bad_policies_are_refused(string text, string expected)
    {
        var e = Assert.Throws<DnsRecordFormatException>(() => MtaStsPolicy.Parse(text));
        Assert.Contains(expected, e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("v=TLSRPTv1; rua=mailto:reports@example.com")] // RFC 8460 §3.1's examples
    [InlineData("v=TLSRPTv1; rua=https://reporting.example.com/v1/tlsrpt")]
    [InlineData("v=TLSRPTv1; rua=mailto:reports@example.com,https://reporting.example.com/v1/tlsrpt")]
    public void Tls_rpt_records_parse_and_print_back(string text)
    {
        var record = TlsRptRecord.Parse(text);
        Assert.Equal(text, record.ToString());
    }

    [Theory]
    [InlineData("v=TLSRPTv2; rua=mailto:r@example.com", "v=TLSRPTv1")]
    [InlineData("v=TLSRPTv1", "no rua=")]
    [InlineData("v=TLSRPTv1; rua=http://example.com/r", "neither")]
    [InlineData("v=TLSRPTv1; rua=mailto:", "neither")]
    public void Bad_tls_rpt_records_are_refused(string text, string expected)
    {
        var e = Assert.Throws<DnsRecordFormatException>(() => TlsRptRecord.Parse(text));
        Assert.Contains(expected, e.Message, StringComparison.Ordinal);
    }
}
