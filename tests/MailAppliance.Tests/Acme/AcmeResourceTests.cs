using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using MailAppliance.Acme;

namespace MailAppliance.Tests.Acme;

public sealed class AcmeResourceTests
{
    [Fact]
    public void AProblemDocumentKeepsTypeDetailStatusAndSubproblems()
    {
        // RFC 8555 §6.7.1's example.
        using var json = JsonDocument.Parse("""
            {"type":"urn:ietf:params:acme:error:malformed","detail":"Some of the identifiers requested were rejected","status":400,
             "subproblems":[{"type":"urn:ietf:params:acme:error:malformed","detail":"Invalid underscore in DNS name \"_example.org\"",
               "identifier":{"type":"dns","value":"_example.org"}},
              {"type":"urn:ietf:params:acme:error:rejectedIdentifier","detail":"This CA will not issue for \"example.net\"",
               "identifier":{"type":"dns","value":"example.net"}}]}
            """);
        var problem = AcmeProblem.Parse(json.RootElement);
        Assert.Equal("urn:ietf:params:acme:error:malformed", problem.Type);
        Assert.Equal("malformed", problem.ShortType);
        Assert.Equal(400, problem.Status);
        Assert.Equal(2, problem.Subproblems.Count);
        Assert.Equal("rejectedIdentifier", problem.Subproblems[1].ShortType);
        Assert.Contains("example.net", problem.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void ARateLimitIsRecognizedByTypeOrStatus()
    {
        var limited = new AcmeProblemException(new AcmeProblem(AcmeProblem.RateLimited, "too many", 429, []), 429, TimeSpan.FromHours(1));
        Assert.True(limited.IsRateLimited);
        Assert.Equal(TimeSpan.FromHours(1), limited.RetryAfter);
        Assert.True(new AcmeProblemException(new AcmeProblem("about:blank", null, null, []), 429).IsRateLimited);
        Assert.False(new AcmeProblemException(new AcmeProblem(AcmeProblem.BadNonce, null, 400, []), 400).IsRateLimited);
    }

    [Fact]
    public void TheDirectoryGivesUrlsAndMeta()
    {
        using var json = JsonDocument.Parse("""
            {"newNonce":"https://ca/n","newAccount":"https://ca/a","newOrder":"https://ca/o","renewalInfo":"https://ca/ari",
             "meta":{"termsOfService":"https://ca/tos","externalAccountRequired":true}}
            """);
        var directory = AcmeDirectory.Parse(json.RootElement);
        Assert.Equal(new Uri("https://ca/o"), directory.NewOrder);
        Assert.Equal(new Uri("https://ca/ari"), directory.RenewalInfo);
        Assert.Equal(new Uri("https://ca/tos"), directory.TermsOfService);
        Assert.True(directory.ExternalAccountRequired);
    }

    [Fact]
    public void ADirectoryWithoutNewOrderIsAProtocolError()
    {
        using var json = JsonDocument.Parse("""{"newNonce":"https://ca/n","newAccount":"https://ca/a"}""");
        var e = Assert.Throws<AcmeProtocolException>(() => AcmeDirectory.Parse(json.RootElement));
        Assert.Contains("newOrder", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void RenewalCertificateId_MatchesRfc9773Example()
    {
        // RFC 9773 §4.1: AKI keyIdentifier 69:88:5B:6B:87:46:40:41:E1:B3:7B:84:7B:A0:AE:2C:DE:01:C8:D4 and
        // serial 00:87:65:43:21 give "aYhba4dGQEHhs3uEe6CuLN4ByNQ.AIdlQyE".
        byte[] keyIdentifier = Convert.FromHexString("69885B6B87464041E1B37B847BA0AE2CDE01C8D4");
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=ari.example", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromSubjectKeyIdentifier(keyIdentifier));
        using var issuerKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var issuerRequest = new CertificateRequest("CN=issuer", issuerKey, HashAlgorithmName.SHA256);
        issuerRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        var now = DateTimeOffset.UtcNow;
        using var issuer = issuerRequest.CreateSelfSigned(now.AddDays(-1), now.AddDays(10));
        using var certificate = request.Create(issuer, now.AddDays(-1), now.AddDays(5), Convert.FromHexString("0087654321"));

        Assert.Equal("aYhba4dGQEHhs3uEe6CuLN4ByNQ.AIdlQyE", AcmeClient.RenewalCertificateId(certificate));
    }

    [Fact]
    public void WithoutAri_RenewalIsWhenAThirdOfTheLifetimeRemains()
    {
        var notBefore = new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
        var renewal = RenewalPolicy.Default.RenewalTime(notBefore, notBefore.AddDays(90));
        Assert.Equal(notBefore.AddDays(60), renewal, TimeSpan.FromSeconds(1));
        Assert.Equal(notBefore.AddDays(9), new RenewalPolicy(0.9).RenewalTime(notBefore, notBefore.AddDays(90)), TimeSpan.FromSeconds(1));
    }

    [Fact]
    public void WithAri_RenewalIsInsideTheWindow()
    {
        var notBefore = new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
        var window = new AcmeRenewalInfo(notBefore.AddDays(10), notBefore.AddDays(11), null, null);
        var random = new Random(7);
        for (int i = 0; i < 100; i++)
        {
            var renewal = RenewalPolicy.Default.RenewalTime(notBefore, notBefore.AddDays(90), window, random);
            Assert.InRange(renewal, window.WindowStart, window.WindowEnd);
        }
    }

    [Fact]
    public void ARenewalWindowThatEndsBeforeItStartsIsRefused()
    {
        // RFC 9773 §4.2.
        using var json = JsonDocument.Parse("""{"suggestedWindow":{"start":"2026-02-03T00:00:00Z","end":"2026-02-02T00:00:00Z"}}""");
        Assert.Throws<AcmeProtocolException>(() => AcmeRenewalInfo.Parse(json.RootElement, null));
    }

    [Fact]
    public void TheCsrNamesEveryNameAndHasTheRequestedKeyType()
    {
        using var ec = CertificateSigningRequest.Create(["mail.example.test", "mta-sts.example.test"], CertificateKeyAlgorithm.EcdsaP256);
        var parsed = CertificateRequest.LoadSigningRequest(ec.Der, HashAlgorithmName.SHA256, CertificateRequestLoadOptions.UnsafeLoadCertificateExtensions);
        var san = new X509SubjectAlternativeNameExtension(parsed.CertificateExtensions.Single(e => e.Oid!.Value == "2.5.29.17").RawData);
        Assert.Equal(["mail.example.test", "mta-sts.example.test"], san.EnumerateDnsNames());
        Assert.Equal("CN=mail.example.test", parsed.SubjectName.Name);
        Assert.Contains("BEGIN PRIVATE KEY", ec.PrivateKeyPem, StringComparison.Ordinal);

        using var rsa = CertificateSigningRequest.Create(["mail.example.test"], CertificateKeyAlgorithm.Rsa2048);
        var rsaRequest = CertificateRequest.LoadSigningRequest(rsa.Der, HashAlgorithmName.SHA256, CertificateRequestLoadOptions.UnsafeLoadCertificateExtensions);
        Assert.Equal(2048, rsaRequest.PublicKey.GetRSAPublicKey()!.KeySize);
    }
}
