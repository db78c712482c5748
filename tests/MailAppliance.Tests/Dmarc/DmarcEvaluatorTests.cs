using MailAppliance.Dkim;
using MailAppliance.Dmarc;
using MailAppliance.Dns;
using MailAppliance.DnsRecords;
using MailAppliance.Spf;

namespace MailAppliance.Tests.Dmarc;

/// <summary>Policy, sampling and alignment rules of RFC 7489 that the conformance cases do not pin down.</summary>
public sealed class DmarcEvaluatorTests
{
    private static readonly PublicSuffixList Suffixes = PublicSuffixList.FromRules("com", "uk", "co.uk", "*.ck", "!www.ck");

    private static readonly DmarcSpfIdentifier NoSpf = new(null, SpfResult.None);

    [Fact]
    public async Task RejectPolicyFailingMessageIsRejected()
    {
        var dns = new FakeDnsResolver().AddTxt("_dmarc.example.com", "v=DMARC1; p=reject");
        var check = await new DmarcEvaluator(dns, Suffixes).EvaluateAsync("example.com", new DmarcSpfIdentifier("other.com", SpfResult.Pass), []);

        Assert.Equal(DmarcResult.Fail, check.Result);
        Assert.Equal(DmarcDisposition.Reject, check.Disposition);
        Assert.Equal(DmarcPolicy.Reject, check.Policy);
        Assert.False(check.SpfAligned);
    }

    [Fact]
    public async Task QuarantinePolicyFailingMessageIsQuarantined()
    {
        var dns = new FakeDnsResolver().AddTxt("_dmarc.example.com", "v=DMARC1; p=quarantine");
        var check = await new DmarcEvaluator(dns, Suffixes).EvaluateAsync("Example.COM.", NoSpf, [new DmarcDkimIdentifier("example.net", DkimResult.Pass)]);

        Assert.Equal(DmarcResult.Fail, check.Result);
        Assert.Equal(DmarcDisposition.Quarantine, check.Disposition);
        Assert.Equal("example.com", check.FromDomain);
    }

    [Theory]
    [InlineData(49, DmarcDisposition.Reject, false)]
    [InlineData(50, DmarcDisposition.Quarantine, true)]
    public async Task PercentSamplesTheReject(int draw, DmarcDisposition expected, bool sampledOut)
    {
        // RFC 7489 §6.6.4: outside the sample, reject becomes quarantine.
        var dns = new FakeDnsResolver().AddTxt("_dmarc.example.com", "v=DMARC1; p=reject; pct=50");
        var check = await new DmarcEvaluator(dns, Suffixes, () => draw).EvaluateAsync("example.com", NoSpf, []);

        Assert.Equal(expected, check.Disposition);
        Assert.Equal(sampledOut, check.SampledOut);
    }

    [Fact]
    public async Task SampledOutQuarantineBecomesNone()
    {
        var dns = new FakeDnsResolver().AddTxt("_dmarc.example.com", "v=DMARC1; p=quarantine; pct=10");
        var check = await new DmarcEvaluator(dns, Suffixes, () => 10).EvaluateAsync("example.com", NoSpf, []);

        Assert.Equal(DmarcDisposition.None, check.Disposition);
        Assert.True(check.SampledOut);
    }

    [Fact]
    public async Task SubdomainUsesSpAtTheOrganizationalDomainAndPAtItsOwnRecord()
    {
        var dns = new FakeDnsResolver()
            .AddTxt("_dmarc.example.co.uk", "v=DMARC1; p=none; sp=reject")
            .AddTxt("_dmarc.own.example.co.uk", "v=DMARC1; p=quarantine");
        var evaluator = new DmarcEvaluator(dns, Suffixes);

        var inherited = await evaluator.EvaluateAsync("mail.example.co.uk", NoSpf, []);
        var own = await evaluator.EvaluateAsync("own.example.co.uk", NoSpf, []);

        Assert.Equal("example.co.uk", inherited.PolicyDomain);
        Assert.Equal(DmarcDisposition.Reject, inherited.Disposition);
        Assert.Equal("own.example.co.uk", own.PolicyDomain);
        Assert.Equal(DmarcDisposition.Quarantine, own.Disposition);
    }

    [Fact]
    public async Task RelaxedAlignmentAcceptsTheSameOrganizationalDomainStrictDoesNot()
    {
        var dns = new FakeDnsResolver()
            .AddTxt("_dmarc.relaxed.co.uk", "v=DMARC1; p=reject")
            .AddTxt("_dmarc.strict.co.uk", "v=DMARC1; p=reject; adkim=s; aspf=s");
        var evaluator = new DmarcEvaluator(dns, Suffixes);
        DmarcDkimIdentifier[] relaxedSig = [new("mail.relaxed.co.uk", DkimResult.Pass, "s1")];
        DmarcDkimIdentifier[] strictSig = [new("mail.strict.co.uk", DkimResult.Pass, "s1")];

        var relaxed = await evaluator.EvaluateAsync("news.relaxed.co.uk", NoSpf, relaxedSig);
        var strict = await evaluator.EvaluateAsync("strict.co.uk", new DmarcSpfIdentifier("bounce.strict.co.uk", SpfResult.Pass), strictSig);
        var strictExact = await evaluator.EvaluateAsync("strict.co.uk", new DmarcSpfIdentifier("STRICT.co.uk", SpfResult.Pass), []);

        Assert.Equal(DmarcResult.Pass, relaxed.Result);
        Assert.Equal("mail.relaxed.co.uk", relaxed.AlignedDkimDomain);
        Assert.Equal(DmarcResult.Fail, strict.Result);
        Assert.Equal(DmarcResult.Pass, strictExact.Result);
        Assert.True(strictExact.SpfAligned);
    }

    [Fact]
    public async Task FailingOrUnalignedDkimDoesNotPass()
    {
        var dns = new FakeDnsResolver().AddTxt("_dmarc.example.com", "v=DMARC1; p=reject");
        var check = await new DmarcEvaluator(dns, Suffixes).EvaluateAsync("example.com", NoSpf,
            [new DmarcDkimIdentifier("example.com", DkimResult.Fail), new DmarcDkimIdentifier("example.org", DkimResult.Pass)]);

        Assert.Equal(DmarcResult.Fail, check.Result);
        Assert.False(check.DkimAligned);
    }

    [Fact]
    public async Task RecordLookupFailureIsTempError()
    {
        var dns = new FakeDnsResolver().Fail("_dmarc.example.com", DnsQueryType.Txt);
        var check = await new DmarcEvaluator(dns, Suffixes).EvaluateAsync("example.com", NoSpf, []);

        Assert.Equal(DmarcResult.TempError, check.Result);
        Assert.Equal(DmarcDisposition.None, check.Disposition);
        Assert.NotNull(check.Problem);
    }

    [Fact]
    public async Task AcceptsTheDkimVerifierAndSpfEvaluatorResultsDirectly()
    {
        var dns = new FakeDnsResolver()
            .AddTxt("_dmarc.example.com", "v=DMARC1; p=reject")
            .AddTxt("example.com", "v=spf1 ip4:198.51.100.0/24 -all");
        var spf = await new SpfEvaluator(dns).CheckMailFromAsync(System.Net.IPAddress.Parse("198.51.100.7"), "bounce@example.com", "mx.example.com");
        var check = await new DmarcEvaluator(dns, Suffixes).EvaluateAsync("example.com", spf, Array.Empty<DkimSignatureResult>());

        Assert.Equal(SpfResult.Pass, spf.Result);
        Assert.Equal(DmarcResult.Pass, check.Result);
        Assert.True(check.SpfAligned);
    }

    [Theory]
    [InlineData("mail.example.co.uk", "co.uk", "example.co.uk")]
    [InlineData("example.com", "com", "example.com")]
    [InlineData("com", "com", null)]
    [InlineData("a.b.foo.ck", "foo.ck", "b.foo.ck")]
    [InlineData("www.ck", "ck", "www.ck")]
    [InlineData("host.example.unlisted", "unlisted", "example.unlisted")]
    public void PublicSuffixRules(string domain, string suffix, string? organizational)
    {
        Assert.Equal(suffix, Suffixes.PublicSuffix(domain));
        Assert.Equal(organizational, Suffixes.OrganizationalDomain(domain));
    }

    [DmarcDataTheory]
    [InlineData("mail.example.co.uk", "example.co.uk")]
    [InlineData("a.b.example.com", "example.com")]
    [InlineData("user.github.io", "user.github.io")]
    [InlineData("co.uk", null)]
    public void DebianPublicSuffixList(string domain, string? organizational)
    {
        Assert.True(TestPublicSuffixList.Debian.RuleCount > 5000);
        Assert.Equal(organizational, TestPublicSuffixList.Debian.OrganizationalDomain(domain));
    }
}
