using System.Net;
using MailAppliance.IntegrationTests.Infrastructure;

namespace MailAppliance.IntegrationTests.Relay;

/// <summary>
/// example.test has a user and an alias but no catch-all, so an unknown local part is refused there;
/// catchall.test takes anything.
/// </summary>
public sealed class OpenRelayRelay : RelayFixture
{
    public const string User = "alice@example.test";
    public const string Password = "secret-password";

    protected override RelaySetup CreateSetup() => new RelaySetup()
        .WithUser(User, Password)
        .WithAlias("example.test", "postmaster: alice@example.test")
        .WithAlias("catchall.test", "*: someone@elsewhere.test");
}

/// <summary>
/// DESIGN.md §3 "No open relay": without authentication the relay takes mail for its own domains only, however
/// the recipient is disguised (percent hack, source route, quoted local part, address literal). Every probe is
/// followed, in the same transaction, by a local recipient that is accepted and a message that is spooled, so
/// the test proves the refusal was about that one address, and that what reached the spool is local only.
/// </summary>
public sealed class OpenRelayTests(OpenRelayRelay fixture) : IClassFixture<OpenRelayRelay>
{
    private static readonly string[] LocalDomains = ["example.test", "catchall.test"];
    private readonly RelayProcess _relay = fixture.Relay;

    [Theory]
    [InlineData("<bob@outside.test>", 554, "5.7.1")]
    [InlineData("<BOB@OUTSIDE.TEST>", 554, "5.7.1")]
    [InlineData("<user%outside.test@example.test>", 550, "5.1.1")] // Percent hack: a local part like any other, unknown here.
    [InlineData("<@example.test:user@outside.test>", 554, "5.7.1")] // Source route: judged by the final mailbox.
    [InlineData("<@example.test,@catchall.test:user@outside.test>", 554, "5.7.1")]
    [InlineData("<\"user@outside.test\"@example.test>", 550, "5.1.1")] // Quoted local part: local, unknown.
    [InlineData("<user@[127.0.0.1]>", 554, "5.7.1")] // Address literal: never local.
    [InlineData("<user@[IPv6:::1]>", 554, "5.7.1")]
    [InlineData("<postmaster@example.test.outside.test>", 554, "5.7.1")]
    public async Task Unauthenticated_OnMx_DisguisedRecipient_IsRefused_AndOnlyLocalMailIsSpooled(string path, int code, string enhanced)
    {
        string marker = RealClientTests.Marker();
        await using var smtp = await RawSmtpClient.ConnectAsync(IPAddress.Loopback, _relay.MxPort);
        await smtp.ExpectAsync("EHLO client.example.test", 250);
        await smtp.ExpectAsync("MAIL FROM:<sender@remote.test>", 250);

        var refused = await smtp.CommandAsync("RCPT TO:" + path);
        Assert.True(refused.Code == code && refused.Enhanced == enhanced,
            $"RCPT TO:{path} got {refused}, expected {code} {enhanced}. Transcript:\n{smtp.Transcript}");

        await smtp.ExpectAsync("RCPT TO:<alice@example.test>", 250);
        var accepted = await smtp.DataAsync($"Subject: probe\r\n\r\n{marker}\r\n");
        Assert.Equal(250, accepted.Code);
        await smtp.ExpectAsync("QUIT", 221);

        var message = SpoolFiles.Read(_relay.Queue, SpoolFiles.QueueIdIn(accepted.Text));
        Assert.Equal(["alice@example.test"], message.Envelope.Recipients.Select(r => r.Address));
        AssertNoOutsideRecipientSpooled();
    }

    [Fact]
    public async Task Unauthenticated_OnMx_PercentHack_ToCatchAllDomain_StaysLocal()
    {
        // With a catch-all the percent-hack address is accepted, but as a local address of catchall.test:
        // nothing is routed to outside.test.
        await using var smtp = await RawSmtpClient.ConnectAsync(IPAddress.Loopback, _relay.MxPort);
        await smtp.ExpectAsync("EHLO client.example.test", 250);
        await smtp.ExpectAsync("MAIL FROM:<sender@remote.test>", 250);
        await smtp.ExpectAsync("RCPT TO:<user%outside.test@catchall.test>", 250);
        var accepted = await smtp.DataAsync("Subject: percent\r\n\r\nbody\r\n");
        Assert.Equal(250, accepted.Code);

        var message = SpoolFiles.Read(_relay.Queue, SpoolFiles.QueueIdIn(accepted.Text));
        Assert.Equal(["user%outside.test@catchall.test"], message.Envelope.Recipients.Select(r => r.Address));
        AssertNoOutsideRecipientSpooled();
    }

    [Fact]
    public async Task Swaks_Unauthenticated_OnMx_ToOutsideDomain_Is554_AndNothingIsSpooled()
    {
        string marker = RealClientTests.Marker();
        var result = await MailTools.SwaksAsync("127.0.0.1", _relay.MxPort, "--from", "sender@remote.test", "--to", "bob@outside.test", "--body", marker);

        Assert.True(result.ExitCode != 0, result.ToString());
        Assert.Contains("554 5.7.1", result.Output);
        Assert.Empty(SpoolFiles.WithMarker(_relay.Queue, marker));
        AssertNoOutsideRecipientSpooled();
    }

    [Fact]
    public async Task Swaks_Unauthenticated_OnMx_WithStartTls_ToOutsideDomain_Is554()
    {
        // TLS alone is not authentication.
        string marker = RealClientTests.Marker();
        var result = await MailTools.SwaksAsync("127.0.0.1", _relay.MxPort, "-tls", "--from", "alice@example.test", "--to", "bob@outside.test", "--body", marker);

        Assert.True(result.ExitCode != 0, result.ToString());
        Assert.Contains("554 5.7.1", result.Output);
        Assert.Empty(SpoolFiles.WithMarker(_relay.Queue, marker));
    }

    [Fact]
    public async Task Submission_WithoutStartTls_RefusesMailAndAuth()
    {
        await using var smtp = await RawSmtpClient.ConnectAsync(IPAddress.Loopback, _relay.SubmissionPort);
        var ehlo = await smtp.ExpectAsync("EHLO client.example.test", 250);
        Assert.Contains("STARTTLS", ehlo.Lines);
        Assert.DoesNotContain(ehlo.Lines, l => l.StartsWith("AUTH", StringComparison.Ordinal)); // Never offered in the clear.

        var mail = await smtp.CommandAsync("MAIL FROM:<alice@example.test>");
        Assert.Equal((530, "5.7.0"), (mail.Code, mail.Enhanced));
        var auth = await smtp.AuthPlainAsync(OpenRelayRelay.User, OpenRelayRelay.Password);
        Assert.Equal((538, "5.7.11"), (auth.Code, auth.Enhanced));
        var rcpt = await smtp.CommandAsync("RCPT TO:<bob@outside.test>");
        Assert.Equal(503, rcpt.Code);
    }

    [Fact]
    public async Task Submission_AfterStartTls_WithoutAuth_MailIs530()
    {
        await using var smtp = await RawSmtpClient.ConnectAsync(IPAddress.Loopback, _relay.SubmissionPort);
        var ehlo = await smtp.StartTlsAsync();
        Assert.Contains("AUTH PLAIN LOGIN", ehlo.Lines);

        var mail = await smtp.CommandAsync("MAIL FROM:<alice@example.test>");
        Assert.Equal((530, "5.7.0"), (mail.Code, mail.Enhanced));
        Assert.Contains("Authentication required", mail.Text);

        // A local recipient does not open the door either: submission needs AUTH for everything.
        await smtp.ExpectAsync("RCPT TO:<alice@example.test>", 503);

        // Positive control: the same session, once authenticated, may relay.
        Assert.Equal(235, (await smtp.AuthPlainAsync(OpenRelayRelay.User, OpenRelayRelay.Password)).Code);
        await smtp.ExpectAsync("MAIL FROM:<alice@example.test>", 250);
        await smtp.ExpectAsync("RCPT TO:<bob@outside.test>", 250);
        await smtp.ExpectAsync("RSET", 250);
    }

    [Fact]
    public async Task Submissions_WithoutAuth_MailIs530()
    {
        await using var smtp = await RawSmtpClient.ConnectAsync(IPAddress.Loopback, _relay.SubmissionsPort, implicitTls: true);
        Assert.Equal(220, smtp.Greeting.Code);
        await smtp.ExpectAsync("EHLO client.example.test", 250);
        var mail = await smtp.CommandAsync("MAIL FROM:<alice@example.test>");
        Assert.Equal((530, "5.7.0"), (mail.Code, mail.Enhanced));
    }

    [Fact]
    public async Task StartTls_IgnoresCommandsPipelinedBeforeTheHandshake()
    {
        // Plaintext injected after STARTTLS (CVE-2011-0411 style) must not be executed inside the TLS session,
        // where it would pass for something the client said under encryption.
        await using var smtp = await RawSmtpClient.ConnectAsync(IPAddress.Loopback, _relay.SubmissionPort);
        await smtp.ExpectAsync("EHLO client.example.test", 250);
        await smtp.SendRawAsync("STARTTLS\r\nAUTH PLAIN " + Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes($"\0{OpenRelayRelay.User}\0{OpenRelayRelay.Password}")) + "\r\n");
        Assert.Equal(220, (await smtp.ReadResponseAsync()).Code);
        await smtp.HandshakeAsync();

        var noop = await smtp.CommandAsync("NOOP");
        Assert.True(noop.Code == 250 && noop.Text.Contains("OK", StringComparison.Ordinal), $"NOOP got {noop}. Transcript:\n{smtp.Transcript}");
        await smtp.ExpectAsync("EHLO client.example.test", 250);
        var mail = await smtp.CommandAsync($"MAIL FROM:<{OpenRelayRelay.User}>");
        Assert.True(mail.Code == 530, $"the AUTH sent before the handshake was honoured: {mail}. Transcript:\n{smtp.Transcript}");
    }

    /// <summary>Whatever the tests did, no spooled envelope has a recipient outside the local domains.</summary>
    private void AssertNoOutsideRecipientSpooled()
    {
        foreach (var message in SpoolFiles.ReadAll(_relay.Queue))
        {
            if (message.Envelope.AuthenticatedAs is not null)
            {
                continue; // An authenticated session may relay.
            }

            foreach (var recipient in message.Envelope.Recipients)
            {
                string domain = recipient.Address[(recipient.Address.LastIndexOf('@') + 1)..];
                Assert.True(LocalDomains.Contains(domain), $"{message.Id} was spooled for {recipient.Address} from an unauthenticated session");
            }
        }
    }
}
