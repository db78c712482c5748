using MailAppliance.Dkim;
using MailAppliance.Dmarc;
using MailAppliance.IntegrationTests.Network;
using MailAppliance.Spf;

namespace MailAppliance.IntegrationTests.Dmarc;

/// <summary>
/// DMARC policy discovery over a real bind9 (the test internet) with Debian's Public Suffix List: the record of the
/// From domain, the organizational domain's for a subdomain (sp=), and a SERVFAIL as temperror.
/// </summary>
public sealed class DmarcBindTests(TestInternetFixture fixture) : IClassFixture<TestInternetFixture>
{
    private TestInternet Net => fixture.Net;

    [NetFact]
    public async Task DiscoversPoliciesThroughBind()
    {
        await Net.Dns.SetZoneAsync("org.test", """
            _dmarc IN TXT "v=DMARC1; p=reject; sp=quarantine; adkim=s"
            _dmarc.own IN TXT "v=DMARC1; p=none"
            _dmarc.own IN TXT "unrelated text"
            """);
        var evaluator = DmarcEvaluator.Create(Net.Dns.CreateResolver());
        var spfFail = new DmarcSpfIdentifier("bounce.elsewhere.test", SpfResult.Fail);

        var apex = await evaluator.EvaluateAsync("org.test", spfFail, []);
        var subdomain = await evaluator.EvaluateAsync("news.org.test", spfFail, []);
        var own = await evaluator.EvaluateAsync("own.org.test", spfFail, []);
        var strictDkim = await evaluator.EvaluateAsync("org.test", spfFail, [new DmarcDkimIdentifier("mail.org.test", DkimResult.Pass)]);
        var exactDkim = await evaluator.EvaluateAsync("org.test", spfFail, [new DmarcDkimIdentifier("org.test", DkimResult.Pass)]);

        Assert.Equal((DmarcResult.Fail, DmarcDisposition.Reject, "org.test"), (apex.Result, apex.Disposition, apex.PolicyDomain));
        Assert.Equal((DmarcResult.Fail, DmarcDisposition.Quarantine, "org.test"), (subdomain.Result, subdomain.Disposition, subdomain.PolicyDomain));
        Assert.Equal((DmarcResult.Fail, DmarcDisposition.None, "own.org.test"), (own.Result, own.Disposition, own.PolicyDomain));
        Assert.Equal(DmarcResult.Fail, strictDkim.Result);
        Assert.Equal(DmarcResult.Pass, exactDkim.Result);
    }

    [NetFact]
    public async Task NoRecordIsNoneAndServfailIsTempError()
    {
        await Net.Dns.SetZoneAsync("plain.test", "@ IN TXT \"v=spf1 -all\"\n");
        await Net.Dns.SetZoneAsync("broken.test", "@ IN TXT \"v=spf1 -all\"\n");
        await Net.Dns.BreakZoneAsync("broken.test");
        var evaluator = DmarcEvaluator.Create(Net.Dns.CreateResolver());
        var spf = new DmarcSpfIdentifier("plain.test", SpfResult.Pass);

        var none = await evaluator.EvaluateAsync("mail.plain.test", spf, []);
        var broken = await evaluator.EvaluateAsync("broken.test", spf, []);

        Assert.Equal(DmarcResult.None, none.Result);
        Assert.Equal("plain.test", none.PolicyDomain);
        Assert.Equal(DmarcResult.TempError, broken.Result);
        Assert.Equal(DmarcDisposition.None, broken.Disposition);
    }
}
