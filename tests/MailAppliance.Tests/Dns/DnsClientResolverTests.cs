using System.Net;
using MailAppliance.Dns;

namespace MailAppliance.Tests.Dns;

/// <summary>The real resolver (DnsClient) against <see cref="TinyDnsServer"/> on 127.0.0.1.</summary>
public sealed class DnsClientResolverTests
{
    private static DnsClientResolver Resolver(TinyDnsServer server, bool cache = false, int retries = 0, TimeSpan? timeout = null, string? servers = null) =>
        new(new DnsOptions { Servers = servers ?? server.Address, UseCache = cache, Retries = retries, Timeout = timeout ?? TimeSpan.FromSeconds(2) });

    [Fact]
    public async Task MxRecordsKeepPreferenceAndLoseTheTrailingDot()
    {
        using var server = new TinyDnsServer((name, type) => name == "example.test" && type == 15
            ? TinyAnswer.With(TinyRecord.Mx("example.test", 20, "mx2.example.test"), TinyRecord.Mx("example.test", 10, "mx1.example.test"))
            : TinyAnswer.NxDomain);
        var result = await Resolver(server).LookupMxAsync("example.test.");

        Assert.Equal(DnsLookupStatus.Found, result.Status);
        Assert.Equal("example.test", result.Name);
        Assert.Equal([new MxRecord(20, "mx2.example.test"), new MxRecord(10, "mx1.example.test")], result.Records);
    }

    [Fact]
    public async Task NullMxIsRecognized()
    {
        using var server = new TinyDnsServer((_, _) => TinyAnswer.With(TinyRecord.Mx("nomail.test", 0, ".")));
        var result = await Resolver(server).LookupMxAsync("nomail.test");

        var mx = Assert.Single(result.Records);
        Assert.True(mx.IsNullMx);
        Assert.Equal(".", mx.Host);
    }

    [Fact]
    public async Task TxtStringsAreJoinedWithoutSpacesAndKeptRaw()
    {
        using var server = new TinyDnsServer((_, _) => TinyAnswer.With(
            TinyRecord.Txt("example.test", "v=spf1 ip4:192.0.2.0/24", " -all"),
            TinyRecord.Txt("example.test", "other")));
        var result = await Resolver(server).LookupTxtAsync("example.test");

        Assert.Equal(2, result.Records.Count);
        Assert.Equal("v=spf1 ip4:192.0.2.0/24 -all", result.Records[0].Text);
        Assert.Equal(["v=spf1 ip4:192.0.2.0/24", " -all"], result.Records[0].Strings);
        Assert.Equal("other", result.Records[1].Text);
    }

    [Fact]
    public async Task AddressesFollowACnameAndLeaveTheChainOut()
    {
        using var server = new TinyDnsServer((name, type) => type switch
        {
            1 => TinyAnswer.With(TinyRecord.Cname("www.example.test", "host.example.test"), TinyRecord.A("host.example.test", "192.0.2.10")),
            28 => TinyAnswer.With(TinyRecord.Aaaa("www.example.test", "2001:db8::10")),
            5 => TinyAnswer.With(TinyRecord.Cname("www.example.test", "host.example.test")),
            _ => TinyAnswer.NoData,
        });
        var resolver = Resolver(server);

        Assert.Equal([IPAddress.Parse("192.0.2.10")], (await resolver.LookupAAsync("www.example.test")).Records);
        Assert.Equal([IPAddress.Parse("2001:db8::10")], (await resolver.LookupAaaaAsync("www.example.test")).Records);
        Assert.Equal(["host.example.test"], (await resolver.LookupCnameAsync("www.example.test")).Records);
        var both = await resolver.LookupAddressesAsync("www.example.test");
        Assert.Equal([IPAddress.Parse("2001:db8::10"), IPAddress.Parse("192.0.2.10")], both.Records);
    }

    [Fact]
    public async Task PtrAsksTheReverseName()
    {
        using var server = new TinyDnsServer((name, type) => type == 12 && name == "25.2.0.192.in-addr.arpa"
            ? TinyAnswer.With(TinyRecord.Ptr(name, "mx.example.test"))
            : TinyAnswer.NxDomain);
        var resolver = Resolver(server);

        Assert.Equal(["mx.example.test"], (await resolver.LookupPtrAsync(IPAddress.Parse("192.0.2.25"))).Records);
        Assert.Equal(DnsLookupStatus.NxDomain, (await resolver.LookupPtrAsync(IPAddress.Parse("192.0.2.26"))).Status);
    }

    [Fact]
    public async Task CaaAndTlsaAreParsed()
    {
        byte[] hash = Convert.FromHexString("0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef");
        using var server = new TinyDnsServer((name, type) => type switch
        {
            257 => TinyAnswer.With(TinyRecord.Caa(name, 128, "issue", "ca.example.net")),
            52 => TinyAnswer.With(TinyRecord.Tlsa(name, 3, 1, 1, hash)),
            _ => TinyAnswer.NoData,
        });
        var resolver = Resolver(server);

        var caa = Assert.Single((await resolver.LookupCaaAsync("example.test")).Records);
        Assert.Equal(new CaaRecord(128, "issue", "ca.example.net"), caa);
        Assert.True(caa.IsCritical);
        var tlsa = Assert.Single((await resolver.LookupTlsaAsync(DnsNames.TlsaName(25, "mx.example.test"))).Records);
        Assert.Equal(new TlsaRecord(3, 1, 1, hash), tlsa);
        Assert.Equal("_25._tcp.mx.example.test", server.Questions.Last().Name);
    }

    [Fact]
    public async Task NxDomainNoDataAndFailuresAreTold()
    {
        using var server = new TinyDnsServer((name, _) => name switch
        {
            "gone.test" => TinyAnswer.NxDomain,
            "empty.test" => TinyAnswer.NoData,
            "broken.test" => TinyAnswer.ServFail,
            _ => TinyAnswer.Refused,
        });
        var resolver = Resolver(server);

        Assert.Equal(DnsLookupStatus.NxDomain, (await resolver.LookupMxAsync("gone.test")).Status);
        Assert.Equal(DnsLookupStatus.NoData, (await resolver.LookupMxAsync("empty.test")).Status);
        var servfail = await resolver.LookupMxAsync("broken.test");
        Assert.Equal(DnsLookupStatus.TemporaryFailure, servfail.Status);
        Assert.Contains("ServerFailure", servfail.Error, StringComparison.Ordinal);
        Assert.Equal(DnsLookupStatus.TemporaryFailure, (await resolver.LookupMxAsync("refused.test")).Status);
    }

    [Fact]
    public async Task ATimeoutIsATemporaryFailure()
    {
        using var server = new TinyDnsServer((_, _) => new TinyAnswer { Drop = true });
        var started = DateTime.UtcNow;
        var result = await Resolver(server, timeout: TimeSpan.FromMilliseconds(300)).LookupAAsync("slow.test");

        Assert.Equal(DnsLookupStatus.TemporaryFailure, result.Status);
        Assert.NotNull(result.Error);
        Assert.True(DateTime.UtcNow - started < TimeSpan.FromSeconds(5));
    }

    [Fact]
    public async Task ATruncatedAnswerIsAskedAgainOverTcp()
    {
        // 40 strings of 200 octets: far beyond the 1232-octet UDP payload.
        string[] strings = Enumerable.Range(0, 40).Select(i => new string((char)('a' + (i % 26)), 200)).ToArray();
        using var server = new TinyDnsServer((name, _) => new TinyAnswer { TruncateOverUdp = true, Records = [TinyRecord.Txt(name, strings)] });
        var result = await Resolver(server).LookupTxtAsync("big.test");

        Assert.Equal(DnsLookupStatus.Found, result.Status);
        Assert.Equal(string.Concat(strings), result.Records[0].Text);
        Assert.Equal(1, server.UdpQueries);
        Assert.Equal(1, server.TcpQueries);
    }

    [Fact]
    public async Task TheNextServerIsAskedAfterAServerFailure()
    {
        using var failing = new TinyDnsServer((_, _) => TinyAnswer.ServFail);
        using var working = new TinyDnsServer((name, _) => TinyAnswer.With(TinyRecord.A(name, "192.0.2.1")));
        var result = await Resolver(failing, servers: $"{failing.Address}, {working.Address}").LookupAAsync("example.test");

        Assert.Equal([IPAddress.Parse("192.0.2.1")], result.Records);
        Assert.Equal(1, failing.UdpQueries);
    }

    [Fact]
    public async Task TheCacheAnswersRepeatsOnlyWhenEnabled()
    {
        using var server = new TinyDnsServer((name, _) => TinyAnswer.With(TinyRecord.A(name, "192.0.2.1")));
        var cached = Resolver(server, cache: true);
        await cached.LookupAAsync("example.test");
        await cached.LookupAAsync("example.test");
        Assert.Equal(1, server.UdpQueries);

        var uncached = Resolver(server, cache: false);
        await uncached.LookupAAsync("example.test");
        await uncached.LookupAAsync("example.test");
        Assert.Equal(3, server.UdpQueries);
    }

    [Fact]
    public async Task AnInvalidNameThrowsAndCancellationPropagates()
    {
        using var server = new TinyDnsServer((_, _) => new TinyAnswer { Drop = true });
        var resolver = Resolver(server, timeout: TimeSpan.FromSeconds(10));

        await Assert.ThrowsAsync<ArgumentException>(() => resolver.LookupAAsync("bad..name"));
        using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(200));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => resolver.LookupAAsync("slow.test", cts.Token));
    }
}
