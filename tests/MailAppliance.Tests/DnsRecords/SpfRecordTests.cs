using System.Net;
using MailAppliance.DnsRecords;

namespace MailAppliance.Tests.DnsRecords;

/// <summary>SPF records (RFC 7208): the Appendix A examples parse and print back; bad syntax is refused with the term named.</summary>
public sealed class SpfRecordTests
{
    // RFC 7208 Appendix A (A.1 simple examples, A.2 multiple domain, A.3 DNSBL style, A.4 multiple requirements, and
    // the macro examples of §7.4).
    [Theory]
    [InlineData("v=spf1 +all", 0)]
    [InlineData("v=spf1 a -all", 1)]
    [InlineData("v=spf1 a:example.org -all", 1)]
    [InlineData("v=spf1 mx -all", 1)]
    [InlineData("v=spf1 mx:example.org -all", 1)]
    [InlineData("v=spf1 mx mx:example.org -all", 2)]
    [InlineData("v=spf1 mx/30 mx:example.org/30 -all", 2)]
    [InlineData("v=spf1 ptr -all", 1)]
    [InlineData("v=spf1 ip4:192.0.2.128/28 -all", 0)]
    [InlineData("v=spf1 include:example.com include:example.net -all", 2)]
    [InlineData("v=spf1 redirect=_spf.example.com", 1)]
    [InlineData("v=spf1 mx:example.com -all", 1)]
    [InlineData("v=spf1 -include:ip4._spf.%{d} -include:ptr._spf.%{d} +all", 2)]
    [InlineData("v=spf1 -ip4:192.0.2.0/24 +all", 0)]
    [InlineData("v=spf1 -ptr +all", 1)]
    [InlineData("v=spf1 exists:%{ir}.%{l1r+-}._spf.%{d} -all", 1)]
    [InlineData("v=spf1 -exists:%{ir}.sbl.example.org -all", 1)]
    [InlineData("v=spf1 -mx:%{d}/24 +all", 1)]
    [InlineData("v=spf1 ip6:2001:db8::/32 a//64 a:example.org/24//48 ?all exp=explain._spf.%{d}", 2)]
    [InlineData("v=spf1 ~all moo.cow-far_out=man:dog/cat", 0)]
    public void Rfc_7208_examples_parse_and_print_back(string text, int dnsTerms)
    {
        var record = SpfRecord.Parse(text);

        Assert.Equal(text.Replace("+all", "all").Replace("+ip4", "ip4"), record.ToString());
        Assert.Equal(dnsTerms, record.DnsQueryingTermCount);
        Assert.Equal(record.ToString(), SpfRecord.Parse(record.ToString()).ToString());
    }

    [Fact]
    public void Parses_qualifiers_mechanisms_and_modifiers()
    {
        var record = SpfRecord.Parse("v=spf1 ?a:example.org/24 ~mx -ip6:2001:db8::1 exp=explain.example.com redirect=_spf.example.com");

        Assert.Equal(
            [
                new SpfDirective(SpfQualifier.Neutral, "a", "example.org", "24"),
                new SpfDirective(SpfQualifier.SoftFail, "mx"),
                new SpfDirective(SpfQualifier.Fail, "ip6", "2001:db8::1"),
            ],
            record.Directives);
        Assert.Equal("_spf.example.com", record.Redirect);
        Assert.Equal("explain.example.com", record.Explanation);
        Assert.Equal(3, record.DnsQueryingTermCount);
    }

    [Fact]
    public void Mechanism_names_are_case_insensitive_and_extra_spaces_allowed()
    {
        var record = SpfRecord.Parse("v=spf1  MX   IP4:192.0.2.1 -ALL ");
        Assert.Equal("v=spf1 mx ip4:192.0.2.1 -all", record.ToString());
    }

    [Fact]
    public void ForAddresses_authorizes_mx_and_each_address()
    {
        var record = SpfRecord.ForAddresses([IPAddress.Parse("1.2.3.4"), IPAddress.Parse("2001:db8::1")]);
        Assert.Equal("v=spf1 mx ip4:1.2.3.4 ip6:2001:db8::1 -all", record.ToString());
        Assert.Equal("v=spf1 mx ip4:1.2.3.4 ~all", SpfRecord.ForAddresses([IPAddress.Parse("1.2.3.4")], softFail: true).ToString());
    }

    [Theory]
    [InlineData("v=spf10", "v=spf1")]
    [InlineData("spf1 -all", "v=spf1")]
    [InlineData("v=spf1 ip4:192.0.2.1/33 -all", "/33")]
    [InlineData("v=spf1 ip4:192.0.2 -all", "IPv4")]
    [InlineData("v=spf1 ip4:192.0.2.1/024", "/024")]
    [InlineData("v=spf1 ip6:192.0.2.1", "IPv6")]
    [InlineData("v=spf1 ip6:2001:db8::/129", "/129")]
    [InlineData("v=spf1 ip4", "ip4")]
    [InlineData("v=spf1 foo:bar -all", "unknown mechanism 'foo'")]
    [InlineData("v=spf1 include -all", "include")]
    [InlineData("v=spf1 include: -all", "empty")]
    [InlineData("v=spf1 -all:foo", "all takes no argument")]
    [InlineData("v=spf1 a:foo.bar/ -all", "prefix length")]
    [InlineData("v=spf1 mx//129", "/129")]
    [InlineData("v=spf1 a/24/64", "'//'")]
    [InlineData("v=spf1 a:example.-com", "domain-end")]
    [InlineData("v=spf1 a:example", "domain-end")]
    [InlineData("v=spf1 include:%", "'%' at the end")]
    [InlineData("v=spf1 exists:%{x}.example.com", "macro letter")]
    [InlineData("v=spf1 exists:%{i", "not closed")]
    [InlineData("v=spf1 exists:%z.example.com", "'%z'")]
    [InlineData("v=spf1 redirect=a.example.com redirect=b.example.com", "redirect= appears twice")]
    [InlineData("v=spf1 exp=a.example.com exp=b.example.com", "exp= appears twice")]
    [InlineData("v=spf1 =foo", "neither a mechanism nor a modifier")]
    [InlineData("v=spf1 a:ex\u00e4mple.com", "visible ASCII")]
    public void Bad_syntax_is_refused_with_the_problem_named(string text, string expected)
    {
        var e = Assert.Throws<DnsRecordFormatException>(() => SpfRecord.Parse(text));
        Assert.Contains(expected, e.Message, StringComparison.Ordinal);
        Assert.False(SpfRecord.TryParse(text, out _, out string? problem));
        Assert.Equal(e.Message, problem);
    }
}
