using MailAppliance.Smtp.Policy;
using MailAppliance.Tests.Smtp.Harness;

namespace MailAppliance.Tests.Smtp;

/// <summary>
/// The MX listener with the real <c>RelayPolicy</c> and <c>DomainDirectory</c>: no open relay (DESIGN.md §3), local
/// users, aliases, catch-all and normalization, SMTPUTF8 (RFC 6531) and DSN parameters (RFC 3461).
/// </summary>
public class RelayPolicyTranscriptTests
{
    private const string Greeted = """
        S: 220
        C: EHLO client.test
        S: 250
        C: MAIL FROM:<someone@outside.test>
        S: 250 2.1.0
        """;

    [Fact]
    public async Task An_unauthenticated_client_cannot_relay_to_an_outside_domain()
    {
        await using var server = SmtpTestServer.Start();
        await server.RunAndCloseAsync(Greeted + """

            C: RCPT TO:<friend@outside.test>
            S: 554 5.7.1
            C: RCPT TO:<user@example.test.outside.test>
            S: 554 5.7.1
            C: RCPT TO:<user@sub.example.test>
            S: 554 5.7.1
            C: RCPT TO:<user@example.test>
            S: 250 2.1.5
            """);
    }

    [Fact]
    public async Task With_local_mailboxes_off_a_user_without_forwarding_is_refused_and_aliases_still_work()
    {
        await using var server = SmtpTestServer.Start(policy: new RelayPolicyOptions { LocalMailboxes = false });
        await server.RunAndCloseAsync(Greeted + """

            C: RCPT TO:<user@example.test>
            S: 550 5.1.1 No mailbox here
            C: RCPT TO:<postmaster@example.test>
            S: 250 2.1.5
            C: RCPT TO:<anything@catchall.test>
            S: 250 2.1.5
            """);
    }

    [Fact]
    public async Task A_client_in_the_trusted_networks_may_relay_without_auth_and_others_may_not()
    {
        await using (var trusted = SmtpTestServer.Start(policy: new RelayPolicyOptions { TrustedNetworks = "10.0.0.0/8, 127.0.0.1" }))
        {
            await trusted.RunAndCloseAsync(Greeted + """

                C: RCPT TO:<friend@outside.test>
                S: 250 2.1.5
                """);
        }

        await using var other = SmtpTestServer.Start(policy: new RelayPolicyOptions { TrustedNetworks = "10.0.0.0/8, ::2" });
        await other.RunAndCloseAsync(Greeted + """

            C: RCPT TO:<friend@outside.test>
            S: 554 5.7.1
            """);
    }

    [Fact]
    public void A_trusted_network_that_does_not_parse_is_a_clear_error()
    {
        var e = Assert.Throws<FormatException>(() => MailAppliance.Smtp.Policy.RelayPolicy.ParseNetworks("127.0.0.1/32, everyone"));
        Assert.Contains("'everyone'", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Tls_alone_does_not_allow_relaying()
    {
        await using var server = SmtpTestServer.Start();
        await server.RunAndCloseAsync("""
            S: 220
            C: EHLO client.test
            S: 250
            C: STARTTLS
            S: 220 2.0.0
            TLS
            C: EHLO client.test
            S: 250
            C: MAIL FROM:<user@example.test>
            S: 250 2.1.0
            C: RCPT TO:<friend@outside.test>
            S: 554 5.7.1
            """);
    }

    [Theory]
    [InlineData("<user%outside.test@example.test>", "550 5.1.1")] // the percent hack: just a local part here, and unknown
    [InlineData("<@example.test:user@outside.test>", "554 5.7.1")] // a source route is ignored: judged by user@outside.test
    [InlineData("<@example.test,@mail.example.test:user@outside.test>", "554 5.7.1")]
    [InlineData("<\"user@outside.test\"@example.test>", "550 5.1.1")] // a quoted local part stays local
    [InlineData("<user@outside.test@example.test>", "501 5.1.7")]
    [InlineData("<user@[127.0.0.1]>", "554 5.7.1")] // an address literal is never local
    [InlineData("<user@[IPv6:::1]>", "554 5.7.1")]
    [InlineData("<outside.test!user@example.test>", "550 5.1.1")] // a bang path is a local part too
    [InlineData("<user@example.test.>", "501 5.1.7")]
    [InlineData("<user@example.test>>", "501 5.5.4")]
    [InlineData("<@example.test:>", "501 5.1.7")]
    [InlineData("<user@outside.test> <user@example.test>", "501 5.5.4")] // the second path is a malformed parameter
    public async Task Open_relay_tricks_are_refused_or_kept_local(string path, string expected)
    {
        await using var server = SmtpTestServer.Start();
        await server.RunAndCloseAsync(Greeted + $$"""

            C: RCPT TO:{{path}}
            S: {{expected}}
            C: NOOP
            S: 250 2.0.0
            """);
    }

    [Fact]
    public async Task Tricks_under_a_catch_all_are_delivered_locally()
    {
        await using var server = SmtpTestServer.Start();
        await using var dialog = await server.RunAsync(Greeted + """

            C: RCPT TO:<user%outside.test@catchall.test>
            S: 250 2.1.5
            C: RCPT TO:<"user@outside.test"@catchall.test>
            S: 250 2.1.5
            C: RCPT TO:<@catchall.test:user@outside.test>
            S: 554 5.7.1
            C: DATA
            S: 354
            C: Subject: local
            C:
            C: .
            S: 250 2.0.0
            """);

        Assert.Equal(["user%outside.test@catchall.test", "\"user@outside.test\"@catchall.test"],
            server.Single().Envelope.Recipients.Select(r => r.Address));
    }

    [Fact]
    public async Task Local_recipients_users_aliases_catch_all_and_normalization()
    {
        await using var server = SmtpTestServer.Start();
        await using var dialog = await server.RunAsync(Greeted + """

            C: RCPT TO:<nobody@example.test>
            S: 550 5.1.1
            C: RCPT TO:<user@example.test>
            S: 250 2.1.5
            C: RCPT TO:<U.S.E.R+news@Example.TEST>
            S: 250 2.1.5
            C: RCPT TO:<alice+@example.test>
            S: 250 2.1.5
            C: RCPT TO:<Postmaster@example.test>
            S: 250 2.1.5
            C: RCPT TO:<info+list@example.test>
            S: 250 2.1.5
            C: RCPT TO:<anything.at.all+x@catchall.test>
            S: 250 2.1.5
            C: RCPT TO:<nobody+user@example.test>
            S: 550 5.1.1
            C: RCPT TO:<+user@example.test>
            S: 550 5.1.1
            C: DATA
            S: 354
            C: Subject: many
            C:
            C: .
            S: 250 2.0.0
            """);

        // Recipients are kept as given (the local part's case too); normalization is for lookups only.
        Assert.Equal(
            ["user@example.test", "U.S.E.R+news@example.test", "alice+@example.test", "Postmaster@example.test", "info+list@example.test", "anything.at.all+x@catchall.test"],
            server.Single().Envelope.Recipients.Select(r => r.Address));
    }

    [Fact]
    public async Task Smtputf8_addresses_need_the_smtputf8_parameter()
    {
        await using var server = SmtpTestServer.Start();
        await using var dialog = await server.RunAsync("""
            S: 220
            C: EHLO client.test
            S: 250
            S+ SMTPUTF8
            C: MAIL FROM:<josé@outside.test>
            S: 553 5.6.7
            C: MAIL FROM:<jose@bücher.test>
            S: 553 5.6.7
            C: MAIL FROM:<someone@outside.test>
            S: 250 2.1.0
            C: RCPT TO:<ñandú@catchall.test>
            S: 553 5.6.7
            C: RSET
            S: 250 2.0.0
            C: MAIL FROM:<josé@outside.test> SMTPUTF8
            S: 250 2.1.0
            C: RCPT TO:<ñandú@catchall.test>
            S: 250 2.1.5
            C: RCPT TO:<user@ejemplo-ñ.test>
            S: 554 5.7.1
            C: DATA
            S: 354
            C: Subject: ñandú
            C:
            C: .
            S: 250 2.0.0
            C: MAIL FROM:<someone@outside.test> SMTPUTF8=yes
            S: 501 5.5.4
            """);

        var stored = server.Single();
        Assert.True(stored.Envelope.SmtpUtf8);
        Assert.Equal("josé@outside.test", stored.Envelope.MailFrom);
        Assert.Equal(["ñandú@catchall.test"], stored.Envelope.Recipients.Select(r => r.Address));
        Assert.Contains(" with UTF8SMTP id ", stored.Prefix); // RFC 6531 §3.7.4
        Assert.Equal("Subject: ñandú\r\n\r\n", stored.ContentText);
    }

    [Fact]
    public async Task Dsn_parameters_are_kept_in_the_envelope()
    {
        await using var server = SmtpTestServer.Start();
        await using var dialog = await server.RunAsync("""
            S: 220
            C: EHLO client.test
            S: 250
            S+ DSN
            C: MAIL FROM:<someone@outside.test> RET=HDRS ENVID=QQ314159+2Bx BODY=7BIT SIZE=40 AUTH=<>
            S: 250 2.1.0
            C: RCPT TO:<user@example.test> NOTIFY=SUCCESS,FAILURE ORCPT=rfc822;user+2Bnews@example.test
            S: 250 2.1.5
            C: RCPT TO:<alice@example.test> notify=never
            S: 250 2.1.5
            C: RCPT TO:<info@example.test>
            S: 250 2.1.5
            C: DATA
            S: 354
            C: Subject: dsn
            C:
            C: .
            S: 250 2.0.0
            """);

        var envelope = server.Single().Envelope;
        Assert.Equal("HDRS", envelope.Ret);
        Assert.Equal("QQ314159+2Bx", envelope.EnvId);
        Assert.Equal("7BIT", envelope.Body);
        Assert.Equal("SUCCESS,FAILURE", envelope.Recipients[0].Notify);
        Assert.Equal("rfc822;user+2Bnews@example.test", envelope.Recipients[0].OriginalRecipient);
        Assert.Equal("NEVER", envelope.Recipients[1].Notify);
        Assert.Null(envelope.Recipients[1].OriginalRecipient);
        Assert.Null(envelope.Recipients[2].Notify);
    }

    [Theory]
    [InlineData("MAIL FROM:<someone@outside.test> RET=BOGUS")]
    [InlineData("MAIL FROM:<someone@outside.test> RET=FULL RET=HDRS")]
    [InlineData("MAIL FROM:<someone@outside.test> RET")]
    [InlineData("MAIL FROM:<someone@outside.test> ENVID=has=equals")]
    [InlineData("MAIL FROM:<someone@outside.test> ENVID=bad+zz")]
    [InlineData("MAIL FROM:<someone@outside.test> ENVID=")]
    [InlineData("MAIL FROM:<someone@outside.test> ENVID=a ENVID=b")]
    [InlineData("MAIL FROM:<someone@outside.test> SIZE=-1")]
    [InlineData("MAIL FROM:<someone@outside.test> SIZE=1 SIZE=2")]
    [InlineData("MAIL FROM:<someone@outside.test> BODY=7BIT BODY=8BITMIME")]
    [InlineData("MAIL FROM:<someone@outside.test> AUTH")]
    [InlineData("RCPT TO:<user@example.test> NOTIFY=NEVER,SUCCESS")]
    [InlineData("RCPT TO:<user@example.test> NOTIFY=SUCCESS,SUCCESS")]
    [InlineData("RCPT TO:<user@example.test> NOTIFY=SOMETIMES")]
    [InlineData("RCPT TO:<user@example.test> NOTIFY=")]
    [InlineData("RCPT TO:<user@example.test> NOTIFY=DELAY NOTIFY=DELAY")]
    [InlineData("RCPT TO:<user@example.test> ORCPT=user@example.test")]
    [InlineData("RCPT TO:<user@example.test> ORCPT=;user@example.test")]
    [InlineData("RCPT TO:<user@example.test> ORCPT=rfc822;")]
    [InlineData("RCPT TO:<user@example.test> ORCPT=rfc822;a=b")]
    public async Task Invalid_dsn_parameters_are_501(string command)
    {
        await using var server = SmtpTestServer.Start();
        string before = command.StartsWith("RCPT", StringComparison.Ordinal) ? "C: MAIL FROM:<someone@outside.test>\nS: 250 2.1.0" : string.Empty;
        await server.RunAndCloseAsync($$"""
            S: 220
            C: EHLO client.test
            S: 250
            {{before}}
            C: {{command}}
            S: 501 5.5.4
            """);
    }

    [Theory]
    [InlineData("MAIL FROM:<someone@outside.test> FOO=bar")]
    [InlineData("MAIL FROM:<someone@outside.test> NOTIFY=NEVER")]
    [InlineData("MAIL FROM:<someone@outside.test> X-UNKNOWN")]
    [InlineData("RCPT TO:<user@example.test> RET=FULL")]
    [InlineData("RCPT TO:<user@example.test> SMTPUTF8")]
    public async Task Unknown_parameters_are_555(string command)
    {
        await using var server = SmtpTestServer.Start();
        string before = command.StartsWith("RCPT", StringComparison.Ordinal) ? "C: MAIL FROM:<someone@outside.test>\nS: 250 2.1.0" : string.Empty;
        await server.RunAndCloseAsync($$"""
            S: 220
            C: EHLO client.test
            S: 250
            {{before}}
            C: {{command}}
            S: 555 5.5.4
            """);
    }
}
