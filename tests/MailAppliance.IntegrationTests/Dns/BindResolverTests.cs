using System.Net;
using MailAppliance.Dns;
using MailAppliance.IntegrationTests.Network;

namespace MailAppliance.IntegrationTests.Dns;

/// <summary>The product's resolver against a real bind9 in the test internet; dig as the second opinion.</summary>
public sealed class BindResolverTests(TestInternetFixture fixture) : IClassFixture<TestInternetFixture>
{
    private const string Hash = "8f1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f708192a3b4c5d6e7f8";

    private TestInternet Net => fixture.Net;

    private async Task<NetHost> SetUpExampleAsync()
    {
        var mx = await Net.AddHostAsync("mx1");
        await Net.Dns.SetZoneAsync("example.test", $"""
            @ IN MX 10 mx1
            @ IN MX 20 mx2.example.test.
            {mx.AddressRecords("mx1")}
            @ IN TXT "v=spf1 ip4:{Net.IPv4Network}" " ip6:{Net.IPv6Network} -all"
            @ IN TXT "second record"
            @ IN CAA 0 issue "ca.example.net"
            @ IN CAA 128 iodef "mailto:security@example.test"
            _25._tcp.mx1 IN TLSA 3 1 1 {Hash}
            www IN CNAME mx1
            selector._domainkey IN TXT "v=DKIM1; k=rsa; p=MIIB"
            """);
        await mx.SetPtrAsync("mx1.example.test");
        return mx;
    }

    [NetFact]
    public async Task EveryRecordTypeIsRead()
    {
        var mx = await SetUpExampleAsync();
        var resolver = Net.Dns.CreateResolver();

        var mxs = await resolver.LookupMxAsync("example.test");
        Assert.Equal([new MxRecord(10, "mx1.example.test"), new MxRecord(20, "mx2.example.test")], mxs.Records.OrderBy(r => r.Preference));
        Assert.Equal([mx.IPv4], (await resolver.LookupAAsync("mx1.example.test")).Records);
        Assert.Equal([mx.IPv6], (await resolver.LookupAaaaAsync("mx1.example.test")).Records);

        var txt = (await resolver.LookupTxtAsync("example.test")).Records;
        var spf = Assert.Single(txt, t => t.Text.StartsWith("v=spf1", StringComparison.Ordinal));
        Assert.Equal($"v=spf1 ip4:{Net.IPv4Network} ip6:{Net.IPv6Network} -all", spf.Text);
        Assert.Equal(2, spf.Strings.Count);
        Assert.Contains(txt, t => t.Text == "second record");

        var caa = (await resolver.LookupCaaAsync("example.test")).Records;
        Assert.Contains(new CaaRecord(0, "issue", "ca.example.net"), caa);
        Assert.Contains(caa, c => c.IsCritical && c.Tag == "iodef");

        var tlsa = Assert.Single((await resolver.LookupTlsaAsync(DnsNames.TlsaName(25, "mx1.example.test"))).Records);
        Assert.Equal((3, 1, 1, Hash), (tlsa.Usage, tlsa.Selector, tlsa.MatchingType, tlsa.DataHex));

        Assert.Equal(["mx1.example.test"], (await resolver.LookupCnameAsync("www.example.test")).Records);
        Assert.Equal([mx.IPv4], (await resolver.LookupAAsync("www.example.test")).Records);
        Assert.Equal(["mx1.example.test"], (await resolver.LookupPtrAsync(mx.IPv4)).Records);
        Assert.Equal(["mx1.example.test"], (await resolver.LookupPtrAsync(mx.IPv6)).Records);
    }

    [NetFact]
    public async Task NxDomainAndNoDataAreTold()
    {
        await SetUpExampleAsync();
        var resolver = Net.Dns.CreateResolver();

        Assert.Equal(DnsLookupStatus.NxDomain, (await resolver.LookupMxAsync("nothing.example.test")).Status);
        Assert.Equal(DnsLookupStatus.NoData, (await resolver.LookupAAsync("example.test")).Status);
        Assert.Equal(DnsLookupStatus.NoData, (await resolver.LookupMxAsync("mx1.example.test")).Status);
        // An empty non-terminal exists (RFC 8020): _domainkey has a name below it.
        Assert.Equal(DnsLookupStatus.NoData, (await resolver.LookupTxtAsync("_domainkey.example.test")).Status);
        // Outside every test zone the root zone answers: NXDOMAIN, as on the internet.
        Assert.Equal(DnsLookupStatus.NxDomain, (await resolver.LookupMxAsync("nowhere.invalid")).Status);
        byte[] unused = IPNetwork.Parse(Net.IPv4Network).BaseAddress.GetAddressBytes();
        unused[3] += 29; // the last address of the /27: no host has it
        Assert.Equal(DnsLookupStatus.NxDomain, (await resolver.LookupPtrAsync(new IPAddress(unused))).Status);
    }

    [NetFact]
    public async Task DigAgrees()
    {
        var mx = await SetUpExampleAsync();

        var dig = await Net.Dns.DigAsync("+short", "MX", "example.test");
        Assert.Equal(["10 mx1.example.test.", "20 mx2.example.test."], dig.StdOut.Split('\n', StringSplitOptions.RemoveEmptyEntries).Order(StringComparer.Ordinal));
        Assert.Equal(mx.IPv6.ToString(), (await Net.Dns.DigAsync("+short", "AAAA", "mx1.example.test")).StdOut.Trim());
        Assert.Equal("mx1.example.test.", (await Net.Dns.DigAsync("+short", "-x", mx.IPv4.ToString())).StdOut.Trim());
        Assert.Contains("status: NXDOMAIN", (await Net.Dns.DigAsync("MX", "nothing.example.test")).StdOut, StringComparison.Ordinal);
        var nodata = await Net.Dns.DigAsync("A", "example.test");
        Assert.Contains("status: NOERROR", nodata.StdOut, StringComparison.Ordinal);
        Assert.Contains("ANSWER: 0", nodata.StdOut, StringComparison.Ordinal);
    }

    [NetFact]
    public async Task AReplacedZoneIsServedAtOnceAndARemovedOneIsGone()
    {
        var resolver = Net.Dns.CreateResolver();
        await Net.Dns.SetZoneAsync("change.test", "@ IN MX 10 mx.elsewhere.test.\n");
        Assert.Equal("mx.elsewhere.test", Assert.Single((await resolver.LookupMxAsync("change.test")).Records).Host);

        await Net.Dns.SetZoneAsync("change.test", "@ IN TXT \"no mail here\"\n");
        Assert.Equal(DnsLookupStatus.NoData, (await resolver.LookupMxAsync("change.test")).Status);

        await Net.Dns.SetZoneAsync("change.test", "@ IN MX 0 .\n");
        Assert.True(Assert.Single((await resolver.LookupMxAsync("change.test")).Records).IsNullMx);

        await Net.Dns.RemoveZoneAsync("change.test");
        Assert.Equal(DnsLookupStatus.NxDomain, (await resolver.LookupMxAsync("change.test")).Status);
    }

    [NetFact]
    public async Task ABrokenZoneIsATemporaryFailureUntilRepaired()
    {
        var resolver = Net.Dns.CreateResolver();
        await Net.Dns.BreakZoneAsync("broken.test");
        var result = await resolver.LookupMxAsync("broken.test");
        Assert.Equal(DnsLookupStatus.TemporaryFailure, result.Status);
        Assert.Contains("ServerFailure", result.Error, StringComparison.Ordinal);

        await Net.Dns.SetZoneAsync("broken.test", "@ IN MX 10 mx\n");
        Assert.Equal(DnsLookupStatus.Found, (await resolver.LookupMxAsync("broken.test")).Status);
    }

    [NetFact]
    public async Task AServerThatDoesNotAnswerIsATemporaryFailure()
    {
        // A host with no DNS server: nothing listens on port 53.
        var silent = await Net.AddHostAsync("nodns");
        var resolver = new DnsClientResolver(new DnsOptions { Servers = silent.IPv4.ToString(), Timeout = TimeSpan.FromMilliseconds(500), Retries = 0, UseCache = false });
        Assert.Equal(DnsLookupStatus.TemporaryFailure, (await resolver.LookupMxAsync("example.test")).Status);
    }

    [NetFact]
    public async Task ALargeAnswerComesOverTcp()
    {
        // 16 strings of 250 octets: 4000 octets, far over the 1232-octet UDP payload both sides use.
        string[] strings = Enumerable.Range(0, 16).Select(i => new string((char)('a' + i), 250)).ToArray();
        await Net.Dns.SetZoneAsync("big.test", "@ IN TXT " + string.Join(' ', strings.Select(s => $"\"{s}\"")) + "\n");

        var udpOnly = await Net.Dns.DigAsync("+notcp", "+ignore", "+bufsize=1232", "TXT", "big.test");
        Assert.Matches(@"flags:[^;]*\btc\b", udpOnly.StdOut);

        var result = await Net.Dns.CreateResolver().LookupTxtAsync("big.test");
        Assert.Equal(string.Concat(strings), Assert.Single(result.Records).Text);
        Assert.Equal(16, result.Records[0].Strings.Count);
    }

    [NetFact]
    public async Task TheResolverTakesTheServerOverIPv6()
    {
        await SetUpExampleAsync();
        var resolver = new DnsClientResolver(new DnsOptions { Servers = $"[{Net.Dns.Host.IPv6}]:53", UseCache = false });
        Assert.Equal(DnsLookupStatus.Found, (await resolver.LookupMxAsync("example.test")).Status);
    }
}
