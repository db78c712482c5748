using System.Net;
using MailAppliance.Dns;

namespace MailAppliance.Tests.Dns;

public sealed class DnsNamesTests
{
    [Theory]
    [InlineData("192.0.2.25", "25.2.0.192.in-addr.arpa")]
    [InlineData("::ffff:192.0.2.25", "25.2.0.192.in-addr.arpa")]
    // RFC 3596 §2.5's example.
    [InlineData("4321:0:1:2:3:4:567:89ab", "b.a.9.8.7.6.5.0.4.0.0.0.3.0.0.0.2.0.0.0.1.0.0.0.0.0.0.0.1.2.3.4.ip6.arpa")]
    public void ReverseNames(string address, string expected) => Assert.Equal(expected, DnsNames.ReverseName(IPAddress.Parse(address)));

    [Fact]
    public void TlsaNames() => Assert.Equal("_25._tcp.mx.example.test", DnsNames.TlsaName(25, "mx.example.test."));

    [Theory]
    [InlineData("example.test", true)]
    [InlineData("example.test.", true)]
    [InlineData(".", true)]
    [InlineData("_dmarc.example.test", true)]
    [InlineData("", false)]
    [InlineData("a..b", false)]
    [InlineData("exa mple.test", false)]
    [InlineData("exämple.test", false)]
    public void Validity(string name, bool valid) => Assert.Equal(valid, DnsNames.IsValid(name));

    [Fact]
    public void LabelAndNameLengthsAreBounded()
    {
        Assert.True(DnsNames.IsValid(new string('a', 63) + ".test"));
        Assert.False(DnsNames.IsValid(new string('a', 64) + ".test"));
        string longName = string.Join('.', Enumerable.Repeat(new string('a', 49), 5)) + ".test";
        Assert.False(DnsNames.IsValid(longName));
    }

    [Fact]
    public void NamesCompareWithoutCaseOrTrailingDot() => Assert.True(DnsNames.AreEqual("MX.Example.TEST.", "mx.example.test"));
}
