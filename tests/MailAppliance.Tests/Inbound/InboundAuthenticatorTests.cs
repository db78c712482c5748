using System.Net;
using System.Text;
using MailAppliance.Arc;
using MailAppliance.Dkim;
using MailAppliance.Dmarc;
using MailAppliance.Dns;
using MailAppliance.Inbound;
using MailAppliance.Spf;

namespace MailAppliance.Tests.Inbound;

/// <summary>
/// The inbound verdict over a fake resolver: SPF, DKIM (signed here with our signer), ARC and DMARC combined into one
/// Authentication-Results field and one action.
/// </summary>
public sealed class InboundAuthenticatorTests
{
    private const string Ours = "mx.ours.test";
    private static readonly IPAddress Listed = IPAddress.Parse("198.51.100.7");
    private static readonly IPAddress Unlisted = IPAddress.Parse("203.0.113.9");
    private static readonly Lazy<DkimPrivateKey> RsaKey = new(() => DkimKeyGenerator.Generate(DkimKeyType.Rsa));

    private static string Message(string from = "Alice <alice@sender.test>", string extraFields = "") =>
        extraFields +
        $"From: {from}\r\nTo: bob@ours.test\r\nSubject: inbound\r\nDate: Fri, 27 Nov 2026 12:00:00 +0000\r\n" +
        "Message-ID: <inbound@sender.test>\r\n\r\nHello Bob.\r\n";

    [Fact]
    public async Task A_signed_message_from_a_listed_address_passes_everything()
    {
        var (authenticator, signer) = Setup("p=reject");
        byte[] message = Signed(signer, Encoding.ASCII.GetBytes(Message()));

        var verdict = await authenticator.AuthenticateAsync(new InboundEnvelope(Listed, "mail.sender.test", "bounce@sender.test"), message);

        Assert.Equal(InboundAction.Accept, verdict.Action);
        Assert.Null(verdict.RejectReply);
        Assert.Equal(SpfResult.Pass, verdict.Spf.Result);
        var signature = Assert.Single(verdict.Dkim);
        Assert.True(signature.Result == DkimResult.Pass, signature.ToString());
        Assert.Equal(DmarcResult.Pass, verdict.Dmarc!.Result);
        Assert.Equal(ArcChainStatus.None, verdict.Arc.Status);
        Assert.StartsWith("Authentication-Results: mx.ours.test;", verdict.AuthenticationResultsField, StringComparison.Ordinal);
        foreach (string expected in new[] { "spf=pass", "dkim=pass", "dmarc=pass", "arc=none", "smtp.mailfrom=bounce@sender.test", "header.d=sender.test" })
        {
            Assert.Contains(expected, verdict.AuthenticationResults, StringComparison.Ordinal);
        }

        Assert.Equal("accept", verdict.LogFields["action"]);
        Assert.Equal("sender.test", verdict.LogFields["from_domain"]);
    }

    [Fact]
    public async Task An_unsigned_message_from_an_unlisted_address_under_p_reject_is_refused_with_550_5_7_1()
    {
        var (authenticator, _) = Setup("p=reject");

        var verdict = await authenticator.AuthenticateAsync(
            new InboundEnvelope(Unlisted, "spoofer.example", "bounce@sender.test"), Encoding.ASCII.GetBytes(Message()));

        Assert.Equal(InboundAction.Reject, verdict.Action);
        Assert.Equal((550, "5.7.1"), (verdict.RejectReply!.Code, verdict.RejectReply.EnhancedCode));
        Assert.Contains("sender.test", verdict.RejectReply.Text, StringComparison.Ordinal);
        Assert.Contains("DMARC", verdict.RejectReply.Text, StringComparison.Ordinal);
        Assert.Null(verdict.QuarantineField);
        Assert.Contains("spf=fail", verdict.AuthenticationResults, StringComparison.Ordinal);
        Assert.Contains("dkim=none", verdict.AuthenticationResults, StringComparison.Ordinal);
        Assert.Contains("dmarc=fail", verdict.AuthenticationResults, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Reject_handling_quarantine_accepts_and_marks()
    {
        var (authenticator, _) = Setup("p=reject", new InboundOptions { AuthservId = Ours, RejectHandling = DmarcRejectHandling.Quarantine });
        byte[] message = Encoding.ASCII.GetBytes(Message());

        var verdict = await authenticator.AuthenticateAsync(new InboundEnvelope(Unlisted, "spoofer.example", "bounce@sender.test"), message);

        Assert.Equal(InboundAction.Quarantine, verdict.Action);
        Assert.Null(verdict.RejectReply);
        Assert.Equal("X-MailAppliance-Quarantine: dmarc\r\n", verdict.QuarantineField);
        string stored = Encoding.ASCII.GetString(verdict.Apply(message));
        Assert.StartsWith("X-MailAppliance-Quarantine: dmarc\r\nAuthentication-Results: mx.ours.test;", stored, StringComparison.Ordinal);
        Assert.EndsWith(Message(), stored, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_p_quarantine_fail_is_quarantined()
    {
        var (authenticator, _) = Setup("p=quarantine");

        var verdict = await authenticator.AuthenticateAsync(
            new InboundEnvelope(Unlisted, "spoofer.example", "bounce@sender.test"), Encoding.ASCII.GetBytes(Message()));

        Assert.Equal(InboundAction.Quarantine, verdict.Action);
        Assert.NotNull(verdict.QuarantineField);
    }

    [Fact]
    public async Task Without_enforcement_a_fail_is_only_recorded()
    {
        var (authenticator, _) = Setup("p=reject", new InboundOptions { AuthservId = Ours, EnforceDmarc = false });

        var verdict = await authenticator.AuthenticateAsync(
            new InboundEnvelope(Unlisted, "spoofer.example", "bounce@sender.test"), Encoding.ASCII.GetBytes(Message()));

        Assert.Equal(InboundAction.Accept, verdict.Action);
        Assert.Equal(DmarcResult.Fail, verdict.Dmarc!.Result);
        Assert.Contains("dmarc=fail", verdict.AuthenticationResults, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Forged_results_claiming_our_host_are_found_and_dropped_others_kept()
    {
        var (authenticator, signer) = Setup("p=none");
        string forged = "Authentication-Results: MX.OURS.TEST; spf=pass smtp.mailfrom=sender.test\r\n";
        string foreign = "Authentication-Results: mx.elsewhere.test; spf=fail\r\n";
        byte[] message = Signed(signer, Encoding.ASCII.GetBytes(Message(extraFields: forged + foreign)));

        var verdict = await authenticator.AuthenticateAsync(new InboundEnvelope(Listed, "mail.sender.test", "bounce@sender.test"), message);

        var range = Assert.Single(verdict.ForgedFields);
        Assert.Equal(forged, Encoding.ASCII.GetString(message, range.Start, range.Length));
        string stored = Encoding.ASCII.GetString(verdict.Apply(message));
        Assert.DoesNotContain(forged, stored, StringComparison.Ordinal);
        Assert.Contains(foreign, stored, StringComparison.Ordinal);
        Assert.Equal(1, CountOf(stored, "Authentication-Results: mx.ours.test;"));
        Assert.Equal(DkimResult.Pass, Assert.Single(verdict.Dkim).Result);
    }

    [Fact]
    public async Task The_stream_overload_agrees_with_the_memory_one()
    {
        var (authenticator, signer) = Setup("p=reject");
        byte[] message = Signed(signer, Encoding.ASCII.GetBytes(Message(extraFields: "Authentication-Results: mx.ours.test; dkim=pass\r\n")));
        var envelope = new InboundEnvelope(Listed, "mail.sender.test", "bounce@sender.test");

        var fromMemory = await authenticator.AuthenticateAsync(envelope, message);
        using var stream = new MemoryStream(message);
        var fromStream = await authenticator.AuthenticateAsync(envelope, stream);

        Assert.Equal(fromMemory.AuthenticationResults, fromStream.AuthenticationResults);
        Assert.Equal(fromMemory.ForgedFields, fromStream.ForgedFields);
        Assert.Equal(fromMemory.Action, fromStream.Action);
    }

    [Fact]
    public async Task The_null_sender_is_checked_by_its_helo_name()
    {
        var (authenticator, _) = Setup("p=none");

        var verdict = await authenticator.AuthenticateAsync(new InboundEnvelope(Listed, "sender.test", string.Empty), Encoding.ASCII.GetBytes(Message()));

        Assert.Equal(SpfResult.Pass, verdict.Spf.Result);
        Assert.Equal("sender.test", verdict.Spf.Domain);
        Assert.Contains("smtp.helo=sender.test", verdict.AuthenticationResults, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_helo_name_is_checked_on_its_own_beside_mail_from()
    {
        var (authenticator, _) = Setup("p=none");

        var verdict = await authenticator.AuthenticateAsync(new InboundEnvelope(Listed, "sender.test", "bounce@sender.test"), Encoding.ASCII.GetBytes(Message()));
        var literal = await authenticator.AuthenticateAsync(new InboundEnvelope(Listed, "[198.51.100.7]", "bounce@sender.test"), Encoding.ASCII.GetBytes(Message()));

        // RFC 7208 §2.3: two results, one per identity; DMARC still uses MAIL FROM only.
        Assert.Equal((SpfResult.Pass, "sender.test"), (verdict.Spf.Result, verdict.Spf.Domain));
        Assert.Equal(SpfResult.Pass, verdict.HeloSpf!.Result);
        Assert.Contains("spf=pass (sender.test: ip4:198.51.100.7) smtp.mailfrom=bounce@sender.test;", verdict.AuthenticationResults, StringComparison.Ordinal);
        Assert.Contains("smtp.helo=sender.test", verdict.AuthenticationResults, StringComparison.Ordinal);
        Assert.Equal("pass", verdict.LogFields["spf_helo"]);
        Assert.Null(literal.HeloSpf);
        Assert.Equal("not_checked", literal.LogFields["spf_helo"]);
    }

    [Fact]
    public async Task An_early_spf_check_is_reused()
    {
        var (authenticator, _) = Setup("p=reject");
        var early = await authenticator.CheckSpfAsync(Unlisted, "bounce@sender.test", "spoofer.example");
        Assert.Equal(SpfResult.Fail, early.Result);

        // A pass handed in (as if SPF had been checked with other facts) is what DMARC and the field use.
        var pass = new SpfCheck(SpfResult.Pass, "sender.test", "ip4", null, null, 1, 0);
        var verdict = await authenticator.AuthenticateAsync(
            new InboundEnvelope(Unlisted, "spoofer.example", "bounce@sender.test"), Encoding.ASCII.GetBytes(Message()), pass);

        Assert.Same(pass, verdict.Spf);
        Assert.Equal(InboundAction.Accept, verdict.Action);
    }

    [Theory]
    [InlineData("a@sender.test, b@other.test")]
    [InlineData("undisclosed-recipients:;")]
    public async Task Without_a_single_from_domain_dmarc_is_not_evaluated(string from)
    {
        var (authenticator, _) = Setup("p=reject");

        var verdict = await authenticator.AuthenticateAsync(
            new InboundEnvelope(Unlisted, "spoofer.example", "bounce@sender.test"), Encoding.ASCII.GetBytes(Message(from)));

        Assert.Null(verdict.Dmarc);
        Assert.Equal(InboundAction.Accept, verdict.Action);
        Assert.DoesNotContain("dmarc=", verdict.AuthenticationResults, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Alice <alice@Sender.Test>", "sender.test")]
    [InlineData("alice@sender.test (Alice)", "sender.test")]
    [InlineData("\"Smith, Alice (x@evil.test)\" <alice@sender.test>", "sender.test")]
    [InlineData("=?utf-8?q?Alice?= <alice@sub.sender.test>", "sub.sender.test")]
    public void The_from_domain_is_the_address_domain(string from, string domain)
    {
        var fields = DkimHeaderSection.Parse(Encoding.ASCII.GetBytes($"From: {from}\r\nTo: x@y.test\r\n"));

        Assert.Equal(domain, FromDomain.Find(fields));
    }

    private static int CountOf(string text, string part) =>
        (text.Length - text.Replace(part, string.Empty, StringComparison.Ordinal).Length) / part.Length;

    /// <summary>The signer returns the DKIM-Signature field(s) to prepend, not the message.</summary>
    private static byte[] Signed(DkimSigner signer, byte[] message) => [.. signer.SignMessage(message), .. message];

    private static (InboundAuthenticator Authenticator, DkimSigner Signer) Setup(string policy, InboundOptions? options = null)
    {
        var key = new DkimSigningKey("sender.test", "sel", RsaKey.Value);
        var dns = new FakeDnsResolver()
            .AddTxt("sender.test", "v=spf1 ip4:198.51.100.7 -all")
            .AddTxt("sel._domainkey.sender.test", key.Record().ToString())
            .AddTxt("_dmarc.sender.test", $"v=DMARC1; {policy}");
        var locator = new DnsDkimKeyLocator(dns);
        var authenticator = new InboundAuthenticator(
            new SpfEvaluator(dns), new DkimVerifier(locator), new ArcVerifier(locator),
            new DmarcEvaluator(dns, PublicSuffixList.FromRules("test"), () => 0),
            options ?? new InboundOptions { AuthservId = Ours });
        return (authenticator, new DkimSigner([key]));
    }
}
