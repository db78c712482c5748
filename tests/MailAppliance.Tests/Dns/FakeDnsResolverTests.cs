using System.Net;
using MailAppliance.Dns;

namespace MailAppliance.Tests.Dns;

public sealed class FakeDnsResolverTests
{
    private static FakeDnsResolver Zone() => new FakeDnsResolver()
        .AddMx("example.test", 10, "mx1.example.test.")
        .AddMx("example.test", 20, "mx2.example.test")
        .AddA("mx1.example.test", "192.0.2.25")
        .AddAaaa("mx1.example.test", "2001:db8::25")
        .AddTxt("example.test", "v=spf1 ", "-all")
        .AddTxt("selector._domainkey.example.test", "v=DKIM1; p=")
        .AddCname("mail.example.test", "mx1.example.test")
        .AddPtr("192.0.2.25", "mx1.example.test")
        .AddCaa("example.test", 0, "issue", "ca.example.net")
        .AddTlsa("_25._tcp.mx1.example.test", 3, 1, 1, "00ff");

    [Fact]
    public async Task RecordsAreFoundCaseInsensitively()
    {
        var dns = Zone();
        Assert.Equal([new MxRecord(10, "mx1.example.test"), new MxRecord(20, "mx2.example.test")], (await dns.LookupMxAsync("EXAMPLE.test.")).Records);
        Assert.Equal("v=spf1 -all", Assert.Single((await dns.LookupTxtAsync("example.test")).Records).Text);
        Assert.Equal(["mx1.example.test"], (await dns.LookupPtrAsync(IPAddress.Parse("192.0.2.25"))).Records);
        Assert.Equal("issue", Assert.Single((await dns.LookupCaaAsync("example.test")).Records).Tag);
        Assert.Equal("00ff", Assert.Single((await dns.LookupTlsaAsync("_25._tcp.mx1.example.test")).Records).DataHex);
    }

    [Fact]
    public async Task NoDataNxDomainAndEmptyNonTerminalsAreTold()
    {
        var dns = Zone();
        Assert.Equal(DnsLookupStatus.NoData, (await dns.LookupAAsync("example.test")).Status);
        Assert.Equal(DnsLookupStatus.NxDomain, (await dns.LookupAAsync("nothing.example.test")).Status);
        // _domainkey.example.test has no records but a name below it: it exists (RFC 8020).
        Assert.Equal(DnsLookupStatus.NoData, (await dns.LookupTxtAsync("_domainkey.example.test")).Status);
    }

    [Fact]
    public async Task CnamesAreFollowed()
    {
        var dns = Zone();
        Assert.Equal([IPAddress.Parse("192.0.2.25")], (await dns.LookupAAsync("mail.example.test")).Records);
        Assert.Equal("mail.example.test", (await dns.LookupAAsync("mail.example.test")).Name);
        Assert.Equal(["mx1.example.test"], (await dns.LookupCnameAsync("mail.example.test")).Records);
        Assert.Equal(DnsLookupStatus.NoData, (await dns.LookupCnameAsync("mx1.example.test")).Status);
    }

    [Fact]
    public async Task FailuresAreScriptedPerTypeOrName()
    {
        var dns = Zone().Fail("example.test", DnsQueryType.Txt).Fail("down.test");
        Assert.Equal(DnsLookupStatus.TemporaryFailure, (await dns.LookupTxtAsync("example.test")).Status);
        Assert.Equal(DnsLookupStatus.Found, (await dns.LookupMxAsync("example.test")).Status);
        Assert.Equal(DnsLookupStatus.TemporaryFailure, (await dns.LookupAAsync("down.test")).Status);

        dns.Remove("example.test", DnsQueryType.Txt);
        Assert.Equal(DnsLookupStatus.NoData, (await dns.LookupTxtAsync("example.test")).Status);
    }

    [Fact]
    public async Task QueriesAreRecorded()
    {
        var dns = Zone();
        await dns.LookupMxAsync("example.test.");
        await dns.LookupAddressesAsync("mx1.example.test");
        Assert.Equal(3, dns.Queries.Count);
        Assert.Equal((DnsQueryType.Mx, "example.test"), dns.Queries[0]);
    }

    [Fact]
    public async Task AddressesCombineBothFamilies()
    {
        var dns = Zone().Fail("v6broken.test", DnsQueryType.Aaaa).AddA("v6broken.test", "192.0.2.9").Fail("down.test", DnsQueryType.Aaaa).AddTxt("onlytxt.test", "x");
        Assert.Equal([IPAddress.Parse("2001:db8::25"), IPAddress.Parse("192.0.2.25")], (await dns.LookupAddressesAsync("mx1.example.test")).Records);
        Assert.Equal([IPAddress.Parse("192.0.2.9")], (await dns.LookupAddressesAsync("v6broken.test")).Records);
        Assert.Equal(DnsLookupStatus.TemporaryFailure, (await dns.LookupAddressesAsync("down.test")).Status);
        Assert.Equal(DnsLookupStatus.NxDomain, (await dns.LookupAddressesAsync("none.test")).Status);
        Assert.Equal(DnsLookupStatus.NoData, (await dns.LookupAddressesAsync("onlytxt.test")).Status);
    }
}
