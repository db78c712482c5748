using System.Net;
using System.Text;
using MailAppliance.Arc;
using MailAppliance.AuthResults;
using MailAppliance.Dkim;
using MailAppliance.Dmarc;
using MailAppliance.Dns;
using MailAppliance.Spf;
using MailAppliance.Tests.Dkim;

namespace MailAppliance.Tests.AuthResults;

/// <summary>The Authentication-Results field we add (RFC 8601), built from the real evaluators' results.</summary>
public sealed class AuthenticationResultsBuilderTests
{
    private const string Message = "From: Alice <alice@example.com>\r\nTo: bob@example.net\r\nSubject: hi\r\n\r\nHello.\r\n";

    [Fact]
    public async Task ReportsSpfDkimDmarcAndArc()
    {
        var key = DkimTestKeys.Signing(DkimKeyType.Ed25519, "sel");
        byte[] signature = new DkimSigner([key]).SignMessage(Encoding.ASCII.GetBytes(Message));
        byte[] signed = [.. signature, .. Encoding.ASCII.GetBytes(Message)];
        var dkim = await new DkimVerifier(DkimTestKeys.Locator(key)).VerifyMessageAsync(signed);
        var dns = new FakeDnsResolver()
            .AddTxt("example.com", "v=spf1 ip4:198.51.100.0/24 -all")
            .AddTxt("_dmarc.example.com", "v=DMARC1; p=reject; sp=quarantine");
        var spf = await new SpfEvaluator(dns).CheckMailFromAsync(IPAddress.Parse("198.51.100.9"), "bounce@example.com", "mail.example.com");
        var dmarc = await new DmarcEvaluator(dns, PublicSuffixList.FromRules("com")).EvaluateAsync("example.com", spf, dkim);
        var arc = new ArcVerifier(DkimTestKeys.Locator(key));
        var arcResult = await arc.VerifyMessageAsync(signed);

        string field = new AuthenticationResultsBuilder("mx.example.net")
            .AddSpf(spf, "bounce@example.com", "mail.example.com")
            .AddDkim(dkim)
            .AddDmarc(dmarc)
            .AddArc(arcResult)
            .ToField();

        string b = dkim[0].Signature!.SignatureText[..8];
        Assert.Equal(
            "Authentication-Results: mx.example.net;\r\n" +
            "\tspf=pass (example.com: ip4:198.51.100.0/24) smtp.mailfrom=bounce@example.com smtp.helo=mail.example.com;\r\n" +
            $"\tdkim=pass header.d=example.com header.s=sel header.b={Quoted(b)};\r\n" +
            "\tdmarc=pass (p=reject sp=quarantine dis=none) header.from=example.com;\r\n" +
            "\tarc=none\r\n",
            field);
        // What we write, we recognise as ours (and only ours) when it comes back.
        var found = ForgedAuthenticationResults.Find(Encoding.ASCII.GetBytes(field + Message), "MX.example.net.");
        Assert.Equal(new HeaderFieldRange(0, field.Length), Assert.Single(found));
        Assert.Empty(ForgedAuthenticationResults.Find(Encoding.ASCII.GetBytes(field + Message), "example.net"));
    }

    [Fact]
    public void NoResultsIsNone()
    {
        // RFC 8601 §2.2 no-result.
        Assert.Equal("Authentication-Results: mx.example.net; none\r\n", new AuthenticationResultsBuilder("mx.example.net").ToField());
    }

    [Fact]
    public void UnsignedMessageIsDkimNoneAndErrorsCarryTheirReason()
    {
        var permerror = new SpfCheck(SpfResult.PermError, "example.org", null, null, "more than 10 DNS-querying terms (RFC 7208 §4.6.4)", 11, 0);

        string value = new AuthenticationResultsBuilder("mx.example.net")
            .AddSpf(permerror, mailFrom: "\"odd local\"@example.org")
            .AddDkim([])
            .ToValue();

        Assert.Equal(
            " mx.example.net;\r\n" +
            "\tspf=permerror (more than 10 DNS-querying terms \\(RFC 7208 §4.6.4\\)) smtp.mailfrom=\"\\\"odd local\\\"@example.org\";\r\n" +
            "\tdkim=none",
            value);
    }

    [Fact]
    public void NullReversePathReportsTheHeloOnly()
    {
        var check = new SpfCheck(SpfResult.Fail, "mail.example.org", "-all", "DEFAULT", null, 0, 0);

        string value = new AuthenticationResultsBuilder("mx.example.net").AddSpf(check, mailFrom: "", helo: "mail.example.org").ToValue();

        Assert.Equal(" mx.example.net;\r\n\tspf=fail (mail.example.org: -all) smtp.helo=mail.example.org", value);
    }

    [Theory]
    [InlineData("")]
    [InlineData("mx example")]
    [InlineData("mx;example")]
    public void RefusesAnAuthservIdThatIsNoToken(string id) =>
        Assert.ThrowsAny<ArgumentException>(() => new AuthenticationResultsBuilder(id));

    private static string Quoted(string b) => b.Contains('/') || b.Contains('=') ? $"\"{b}\"" : b;
}
