using System.Net;
using MailAppliance.Dns;
using MailAppliance.Spf;

namespace MailAppliance.Tests.Spf;

/// <summary>What the RFC 7208 suite leaves open: the API around check_host(), counters, limits and explanations.</summary>
public sealed class SpfEvaluatorTests
{
    private static readonly IPAddress Client = IPAddress.Parse("198.51.100.7");

    [Fact]
    public async Task NullSenderIsTheHeloCheck()
    {
        // RFC 7208 §2.4: with MAIL FROM:<> the HELO identity is checked, as postmaster@helo.
        var dns = new FakeDnsResolver().AddTxt("mail.example.com", "v=spf1 exists:%{l}.%{d} -all").AddA("postmaster.mail.example.com", "127.0.0.2");

        var check = await new SpfEvaluator(dns).CheckMailFromAsync(Client, "", "mail.example.com");

        Assert.Equal(SpfResult.Pass, check.Result);
        Assert.Equal("mail.example.com", check.Domain);
        Assert.Equal("exists:%{l}.%{d}", check.Mechanism);
        Assert.Equal(1, check.DnsLookups);
    }

    [Theory]
    [InlineData("[198.51.100.7]")]
    [InlineData("localhost")]
    [InlineData("")]
    public async Task HeloThatIsNoFqdnIsNone(string helo)
    {
        var dns = new FakeDnsResolver();

        var check = await new SpfEvaluator(dns).CheckHeloAsync(Client, helo);

        Assert.Equal(SpfResult.None, check.Result);
        Assert.NotNull(check.Problem);
        Assert.Empty(dns.Queries);
    }

    [Fact]
    public async Task Ipv4MappedClientIsTheIpv4Client()
    {
        var dns = new FakeDnsResolver().AddTxt("example.com", "v=spf1 ip4:198.51.100.0/24 -all");

        var check = await new SpfEvaluator(dns).CheckMailFromAsync(Client.MapToIPv6(), "a@example.com", "h.example.com");

        Assert.Equal(SpfResult.Pass, check.Result);
    }

    [Fact]
    public async Task FailCarriesTheDefaultExplanationExpanded()
    {
        var dns = new FakeDnsResolver().AddTxt("example.com", "v=spf1 -all");

        var check = await new SpfEvaluator(dns).CheckMailFromAsync(Client, "a@example.com", "h.example.com");

        Assert.Equal(SpfResult.Fail, check.Result);
        Assert.Equal("example.com does not authorize 198.51.100.7 to send mail for it (SPF); see RFC 7208", check.Explanation);
    }

    [Fact]
    public async Task CountsLookupsAndVoidLookupsAcrossIncludes()
    {
        var dns = new FakeDnsResolver()
            .AddTxt("example.com", "v=spf1 a:gone1.example.com include:_spf.example.com -all")
            .AddTxt("_spf.example.com", "v=spf1 mx ip4:198.51.100.0/24");

        var check = await new SpfEvaluator(dns).CheckMailFromAsync(Client, "a@example.com", "h.example.com");

        Assert.Equal(SpfResult.Pass, check.Result);
        Assert.Equal("include:_spf.example.com", check.Mechanism);
        Assert.Equal(3, check.DnsLookups);   // a, include, mx
        Assert.Equal(2, check.VoidLookups);  // gone1 (NXDOMAIN), _spf's MX (NODATA)
    }

    [Fact]
    public async Task EleventhDnsQueryingTermIsPermError()
    {
        var dns = new FakeDnsResolver().AddTxt("example.com", "v=spf1 " + string.Join(' ', Enumerable.Range(1, 11).Select(i => $"exists:e{i}.example.com")) + " -all");
        for (int i = 1; i <= 11; i++)
        {
            dns.AddTxt($"e{i}.example.com", "not an A record");
        }

        var check = await new SpfEvaluator(dns, new SpfEvaluatorOptions { MaxVoidLookups = 100 }).CheckMailFromAsync(Client, "a@example.com", "h.example.com");

        Assert.Equal(SpfResult.PermError, check.Result);
        Assert.Equal("exists:e11.example.com", check.Mechanism);
        Assert.Equal(11, check.DnsLookups);
    }

    [Fact]
    public async Task MoreThanTenMxNamesIsPermError()
    {
        var dns = new FakeDnsResolver().AddTxt("example.com", "v=spf1 mx -all");
        for (ushort i = 1; i <= 11; i++)
        {
            dns.AddMx("example.com", i, $"mx{i}.example.com");
        }

        var check = await new SpfEvaluator(dns).CheckMailFromAsync(Client, "a@example.com", "h.example.com");

        Assert.Equal(SpfResult.PermError, check.Result);
    }

    [Fact]
    public async Task PtrMatchesOnlyAValidatedName()
    {
        var dns = new FakeDnsResolver()
            .AddTxt("example.com", "v=spf1 ptr -all")
            .AddPtr(Client, "mail.example.com")
            .AddPtr(Client, "liar.example.com")
            .AddA("mail.example.com", "198.51.100.7");
        var other = IPAddress.Parse("198.51.100.8");
        dns.AddPtr(other, "liar.example.com");

        var evaluator = new SpfEvaluator(dns);
        var validated = await evaluator.CheckMailFromAsync(Client, "a@example.com", "h.example.com");
        var forged = await evaluator.CheckMailFromAsync(other, "a@example.com", "h.example.com");

        Assert.Equal(SpfResult.Pass, validated.Result);
        Assert.Equal(SpfResult.Fail, forged.Result);
    }

    [Fact]
    public async Task TemporaryFailureInsideAnIncludeIsTempError()
    {
        var dns = new FakeDnsResolver()
            .AddTxt("example.com", "v=spf1 include:broken.example.net -all")
            .Fail("broken.example.net", DnsQueryType.Txt);

        var check = await new SpfEvaluator(dns).CheckMailFromAsync(Client, "a@example.com", "h.example.com");

        Assert.Equal(SpfResult.TempError, check.Result);
        Assert.Contains("broken.example.net", check.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Ipv6ClientMatchesAaaaWithItsPrefix()
    {
        var dns = new FakeDnsResolver()
            .AddTxt("example.com", "v=spf1 a:mail.example.com//48 -all")
            .AddA("mail.example.com", "198.51.100.1")
            .AddAaaa("mail.example.com", "2001:db8:1::25");

        var check = await new SpfEvaluator(dns).CheckMailFromAsync(IPAddress.Parse("2001:db8:1:ffff::9"), "a@example.com", "h.example.com");

        Assert.Equal(SpfResult.Pass, check.Result);
        Assert.Contains((DnsQueryType.Aaaa, "mail.example.com"), dns.Queries);
        Assert.DoesNotContain((DnsQueryType.A, "mail.example.com"), dns.Queries);
    }

    [Theory]
    [InlineData("v=spf1 -all", true)]
    [InlineData("v=spf1 a/24//64 mx:%{d}.example.com/0 ip6:::1/128 exp=why.%{d} foo=bar", true)]
    [InlineData("v=spf1 ip4:1.2.3.4/33", false)]
    [InlineData("v=spf1 ip4:01.2.3.4", false)]
    [InlineData("v=spf1 a:example.com/024", false)]
    [InlineData("v=spf1 include", false)]
    [InlineData("v=spf1 frob", false)]
    [InlineData("v=spf1 a:%{x}.example.com", false)]
    [InlineData("v=spf1 a:%{d0}.example.com", false)]
    [InlineData("v=spf1 redirect=a.example.com redirect=b.example.com", false)]
    [InlineData("v=spf1 a:example.123", false)]
    public void ParsesRecords(string record, bool valid)
    {
        Assert.Equal(valid, SpfPolicyParser.TryParse(record, out var policy, out string? problem));
        Assert.Equal(valid, policy is not null);
        Assert.Equal(valid, problem is null);
    }
}
