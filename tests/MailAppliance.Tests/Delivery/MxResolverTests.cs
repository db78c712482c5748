using System.Net;
using MailAppliance.Delivery;
using MailAppliance.Dns;

namespace MailAppliance.Tests.Delivery;

public sealed class MxResolverTests
{
    [Fact]
    public async Task HostsComeInPreferenceOrderWithIPv6First()
    {
        var dns = new FakeDnsResolver()
            .AddMx("dest.test", 20, "mx2.dest.test")
            .AddMx("dest.test", 10, "mx1.dest.test")
            .AddA("mx1.dest.test", "198.51.100.10")
            .AddAaaa("mx1.dest.test", "2001:db8::10")
            .AddA("mx2.dest.test", "198.51.100.20");

        var result = await new MxResolver(dns).ResolveAsync("dest.test");

        Assert.Equal(MxResolutionStatus.Found, result.Status);
        Assert.Equal(["mx1.dest.test", "mx2.dest.test"], result.Targets.Select(t => t.Host));
        Assert.Equal([IPAddress.Parse("2001:db8::10"), IPAddress.Parse("198.51.100.10")], result.Targets[0].Addresses);
        Assert.False(result.Targets[0].IsImplicit);
    }

    [Fact]
    public async Task CnamesAreFollowedForTheDomainAndForTheMxHost()
    {
        // RFC 5321 §5.1: a domain that is a CNAME is processed as its target; an MX host that is an alias (a
        // misconfiguration RFC 2181 §10.3 forbids, but common) still gets its addresses through the alias.
        var dns = new FakeDnsResolver()
            .AddCname("alias.test", "real.test")
            .AddMx("real.test", 10, "mx.real.test")
            .AddCname("mx.real.test", "host.real.test")
            .AddA("host.real.test", "198.51.100.30");

        var result = await new MxResolver(dns).ResolveAsync("alias.test");

        Assert.Equal(MxResolutionStatus.Found, result.Status);
        var target = Assert.Single(result.Targets);
        Assert.Equal("mx.real.test", target.Host);
        Assert.Equal([IPAddress.Parse("198.51.100.30")], target.Addresses);
    }

    [Fact]
    public async Task FamilyPreferenceAndEnableFlagsApply()
    {
        var dns = new FakeDnsResolver()
            .AddMx("dest.test", 10, "mx1.dest.test")
            .AddA("mx1.dest.test", "198.51.100.10")
            .AddAaaa("mx1.dest.test", "2001:db8::10");

        var v4First = await new MxResolver(dns, new AddressFamilyOptions { PreferIPv6 = false }).ResolveAsync("dest.test");
        var v4Only = await new MxResolver(dns, new AddressFamilyOptions { EnableIPv6 = false }).ResolveAsync("dest.test");
        var v6Only = await new MxResolver(dns, new AddressFamilyOptions { EnableIPv4 = false }).ResolveAsync("dest.test");

        Assert.Equal([IPAddress.Parse("198.51.100.10"), IPAddress.Parse("2001:db8::10")], v4First.Targets[0].Addresses);
        Assert.Equal([IPAddress.Parse("198.51.100.10")], v4Only.Targets[0].Addresses);
        Assert.Equal([IPAddress.Parse("2001:db8::10")], v6Only.Targets[0].Addresses);
    }

    [Fact]
    public async Task HostWithoutEnabledFamilyIsSkipped()
    {
        var dns = new FakeDnsResolver()
            .AddMx("dest.test", 10, "v6only.dest.test")
            .AddMx("dest.test", 20, "mx2.dest.test")
            .AddAaaa("v6only.dest.test", "2001:db8::10")
            .AddA("mx2.dest.test", "198.51.100.20");

        var result = await new MxResolver(dns, new AddressFamilyOptions { EnableIPv6 = false }).ResolveAsync("dest.test");

        Assert.Equal(["mx2.dest.test"], result.Targets.Select(t => t.Host));
    }

    [Fact]
    public async Task EqualPreferencesAreShuffledAndEveryHostComesFirstSometimes()
    {
        var dns = new FakeDnsResolver().AddMx("dest.test", 5, "low.dest.test").AddA("low.dest.test", "198.51.100.1");
        string[] hosts = ["a.dest.test", "b.dest.test", "c.dest.test"];
        foreach (string host in hosts)
        {
            dns.AddMx("dest.test", 10, host).AddA(host, "198.51.100.2");
        }

        var resolver = new MxResolver(dns, random: new Random(1234));
        var firsts = new HashSet<string>();
        for (int i = 0; i < 60; i++)
        {
            var result = await resolver.ResolveAsync("dest.test");
            Assert.Equal("low.dest.test", result.Targets[0].Host);
            Assert.Equal(hosts.Order(), result.Targets.Skip(1).Select(t => t.Host).Order());
            firsts.Add(result.Targets[1].Host);
        }

        Assert.Equal(hosts.Order(), firsts.Order());
    }

    [Fact]
    public async Task NoMxMeansImplicitMx()
    {
        var dns = new FakeDnsResolver().AddA("dest.test", "198.51.100.7");

        var result = await new MxResolver(dns).ResolveAsync("dest.test");

        var target = Assert.Single(result.Targets);
        Assert.Equal("dest.test", target.Host);
        Assert.True(target.IsImplicit);
        Assert.Equal([IPAddress.Parse("198.51.100.7")], target.Addresses);
    }

    [Fact]
    public async Task NoMxAndNoAddressIsPermanent()
    {
        var dns = new FakeDnsResolver().AddTxt("dest.test", "v=spf1 -all");

        var result = await new MxResolver(dns).ResolveAsync("dest.test");

        Assert.Equal(MxResolutionStatus.PermanentFailure, result.Status);
    }

    [Fact]
    public async Task NxDomainIsPermanent()
    {
        var result = await new MxResolver(new FakeDnsResolver()).ResolveAsync("nowhere.test");

        Assert.Equal(MxResolutionStatus.PermanentFailure, result.Status);
        Assert.Contains("NXDOMAIN", result.Error, StringComparison.Ordinal);
        Assert.Empty(result.Targets);
    }

    [Fact]
    public async Task NullMxIsPermanent()
    {
        var dns = new FakeDnsResolver().AddMx("nomail.test", 0, ".").AddA("nomail.test", "198.51.100.7");

        var result = await new MxResolver(dns).ResolveAsync("nomail.test");

        Assert.Equal(MxResolutionStatus.PermanentFailure, result.Status);
        Assert.Contains("RFC 7505", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task MxLookupFailureIsTemporary()
    {
        var dns = new FakeDnsResolver().Fail("dest.test");

        var result = await new MxResolver(dns).ResolveAsync("dest.test");

        Assert.Equal(MxResolutionStatus.TemporaryFailure, result.Status);
    }

    [Fact]
    public async Task AddressLookupFailureOfEveryHostIsTemporary()
    {
        var dns = new FakeDnsResolver().AddMx("dest.test", 10, "mx1.other.test").Fail("mx1.other.test");

        var result = await new MxResolver(dns).ResolveAsync("dest.test");

        Assert.Equal(MxResolutionStatus.TemporaryFailure, result.Status);
    }

    [Fact]
    public async Task ImplicitMxAddressFailureIsTemporary()
    {
        var dns = new FakeDnsResolver().AddTxt("dest.test", "x").Fail("dest.test", DnsQueryType.A).Fail("dest.test", DnsQueryType.Aaaa);

        var result = await new MxResolver(dns).ResolveAsync("dest.test");

        Assert.Equal(MxResolutionStatus.TemporaryFailure, result.Status);
    }

    [Fact]
    public async Task MxHostsWithoutAddressesAndNoFailureArePermanent()
    {
        var dns = new FakeDnsResolver().AddMx("dest.test", 10, "mx1.gone.test");

        var result = await new MxResolver(dns).ResolveAsync("dest.test");

        Assert.Equal(MxResolutionStatus.PermanentFailure, result.Status);
    }

    [Fact]
    public async Task OneUnresolvableHostDoesNotHideTheOthers()
    {
        var dns = new FakeDnsResolver()
            .AddMx("dest.test", 10, "mx1.dest.test").Fail("mx1.dest.test")
            .AddMx("dest.test", 20, "mx2.dest.test").AddA("mx2.dest.test", "198.51.100.20");

        var result = await new MxResolver(dns).ResolveAsync("dest.test");

        Assert.Equal(["mx2.dest.test"], result.Targets.Select(t => t.Host));
    }
}
