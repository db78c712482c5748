using MailAppliance.Smtp.Policy;
using MailAppliance.Tests.Smtp.Harness;

namespace MailAppliance.Tests.Smtp;

/// <summary>AUTH (RFC 4954) with PLAIN (RFC 4616) and LOGIN, only over TLS, with throttling; submission rules (RFC 6409).</summary>
public class AuthTests
{
    /// <summary>Up to an EHLO under TLS on the submission port.</summary>
    private const string UnderTls = """
        S: 220
        C: EHLO client.test
        S: 250
        C: STARTTLS
        S: 220 2.0.0
        TLS
        C: EHLO client.test
        S: 250
        S+ AUTH PLAIN LOGIN
        """;

    [Theory]
    [InlineData("mx")]
    [InlineData("submission")]
    public async Task Auth_before_tls_is_538_5_7_11(string listener)
    {
        await using var server = SmtpTestServer.Start();
        await server.RunAndCloseAsync("""
            S: 220
            C: EHLO client.test
            S: 250
            S- AUTH
            C: AUTH PLAIN {b64:\0user@example.test\0secret}
            S: 538 5.7.11
            C: AUTH LOGIN
            S: 538 5.7.11
            """, listener);
    }

    [Fact]
    public async Task Auth_plain_with_the_right_password_is_235()
    {
        await using var server = SmtpTestServer.Start();
        await server.RunAndCloseAsync(UnderTls + """

            C: AUTH PLAIN {b64:\0user@example.test\0secret}
            S: 235 2.7.0
            C: AUTH PLAIN {b64:\0user@example.test\0secret}
            S: 503 5.5.1
            """, "submission");
    }

    [Theory]
    [InlineData(@"{b64:\0user@example.test\0wrong}")]
    [InlineData(@"{b64:\0nobody@example.test\0secret}")]
    [InlineData(@"{b64:\0user@nowhere.test\0secret}")]
    [InlineData(@"{b64:\0user@example.test\0}")]
    [InlineData(@"{b64:\0\0secret}")]
    [InlineData(@"{b64:user@example.test\0secret}")]
    [InlineData(@"{b64:\0user@example.test\0secret\0extra}")]
    [InlineData(@"{b64:alice@example.test\0user@example.test\0secret}")]
    [InlineData("=")]
    public async Task Auth_plain_with_wrong_credentials_is_535_5_7_8(string response)
    {
        await using var server = SmtpTestServer.Start();
        await server.RunAndCloseAsync(UnderTls + $$"""

            C: AUTH PLAIN {{response}}
            S: 535 5.7.8
            C: AUTH PLAIN {b64:\0user@example.test\0secret}
            S: 235 2.7.0
            """, "submission");
    }

    [Fact]
    public async Task Authzid_equal_to_authcid_is_accepted()
    {
        await using var server = SmtpTestServer.Start();
        await server.RunAndCloseAsync(UnderTls + """

            C: AUTH PLAIN {b64:user@example.test\0user@example.test\0secret}
            S: 235 2.7.0
            """, "submission");
    }

    [Fact]
    public async Task Account_names_are_case_insensitive_passwords_are_not()
    {
        await using var server = SmtpTestServer.Start();
        await server.RunAndCloseAsync(UnderTls + """

            C: AUTH PLAIN {b64:\0User@Example.TEST\0SECRET}
            S: 535 5.7.8
            C: AUTH PLAIN {b64:\0User@Example.TEST\0secret}
            S: 235 2.7.0
            C: MAIL FROM:<user@example.test>
            S: 250 2.1.0
            """, "submission");
    }

    [Theory]
    [InlineData("not base64!")]
    [InlineData("AHVzZXJAZXhhbXBsZS50ZXN0AHNlY3JldA")]
    [InlineData("//79")]
    public async Task Auth_plain_with_bad_base64_is_501_5_5_2(string response)
    {
        // The last: valid base64 of octets that are not UTF-8.
        await using var server = SmtpTestServer.Start();
        await server.RunAndCloseAsync(UnderTls + $"""

            C: AUTH PLAIN {response}
            S: 501 5.5.2
            C: AUTH PLAIN
            S: 334
            C: {response}
            S: 501 5.5.2
            C: NOOP
            S: 250 2.0.0
            """, "submission");
    }

    [Fact]
    public async Task Auth_plain_with_an_empty_initial_response_asks_with_334()
    {
        await using var server = SmtpTestServer.Start();
        await using var dialog = await server.RunAsync(UnderTls + """

            C: AUTH PLAIN
            S: 334
            C: {b64:\0user@example.test\0secret}
            S: 235 2.7.0
            """, "submission");

        // RFC 4954 §4: "334" SP [base64]; for PLAIN the challenge is empty.
        Assert.Equal(string.Empty, dialog.Replies[^2].Text);
    }

    [Fact]
    public async Task Star_cancels_the_exchange_with_501_5_7_0()
    {
        await using var server = SmtpTestServer.Start();
        await server.RunAndCloseAsync(UnderTls + """

            C: AUTH PLAIN
            S: 334
            C: *
            S: 501 5.7.0
            C: AUTH LOGIN
            S: 334 VXNlcm5hbWU6
            C: *
            S: 501 5.7.0
            C: AUTH LOGIN
            S: 334 VXNlcm5hbWU6
            C: {b64:user@example.test}
            S: 334 UGFzc3dvcmQ6
            C: *
            S: 501 5.7.0
            C: AUTH LOGIN {b64:user@example.test}
            S: 334 UGFzc3dvcmQ6
            C: {b64:secret}
            S: 235 2.7.0
            """, "submission");
    }

    [Fact]
    public async Task Auth_login_in_two_steps()
    {
        await using var server = SmtpTestServer.Start();
        await server.RunAndCloseAsync(UnderTls + """

            C: AUTH LOGIN
            S: 334 VXNlcm5hbWU6
            C: {b64:alice@example.test}
            S: 334 UGFzc3dvcmQ6
            C: {b64:wrong}
            S: 535 5.7.8
            C: auth login
            S: 334 VXNlcm5hbWU6
            C: {b64:alice@example.test}
            S: 334 UGFzc3dvcmQ6
            C: {b64:alice-pw}
            S: 235 2.7.0
            C: MAIL FROM:<alice@example.test>
            S: 250 2.1.0
            """, "submission");
    }

    [Fact]
    public async Task Auth_sequence_and_mechanism_errors()
    {
        await using var server = SmtpTestServer.Start();
        await server.RunAndCloseAsync("""
            S: 220
            C: STARTTLS
            S: 220 2.0.0
            TLS
            C: AUTH PLAIN {b64:\0user@example.test\0secret}
            S: 503 5.5.1
            C: HELO client.test
            S: 250
            C: AUTH PLAIN {b64:\0user@example.test\0secret}
            S: 503 5.5.1
            C: EHLO client.test
            S: 250
            C: AUTH
            S: 501 5.5.4
            C: AUTH CRAM-MD5
            S: 504 5.5.4
            C: MAIL FROM:<someone@outside.test>
            S: 250 2.1.0
            C: AUTH PLAIN {b64:\0user@example.test\0secret}
            S: 503 5.5.1
            C: RSET
            S: 250 2.0.0
            C: AUTH PLAIN {b64:\0user@example.test\0secret}
            S: 235 2.7.0
            """);
    }

    [Fact]
    public async Task Failures_for_one_account_throttle_it_even_with_the_right_password()
    {
        await using var server = SmtpTestServer.Start(o => o.MaxAuthFailuresPerAccount = 2);
        await server.RunAndCloseAsync(UnderTls + """

            C: AUTH PLAIN {b64:\0user@example.test\0guess1}
            S: 535 5.7.8
            C: AUTH PLAIN {b64:\0user@example.test\0guess2}
            S: 535 5.7.8
            C: AUTH PLAIN {b64:\0user@example.test\0secret}
            S: 454 4.7.0
            C: AUTH PLAIN {b64:\0alice@example.test\0alice-pw}
            S: 235 2.7.0
            """, "submission");
    }

    [Fact]
    public async Task Failures_from_one_address_throttle_every_account_and_every_session()
    {
        await using var server = SmtpTestServer.Start(o => o.MaxAuthFailuresPerIp = 3);
        await server.RunAndCloseAsync(UnderTls + """

            C: AUTH PLAIN {b64:\0a@example.test\0x}
            S: 535 5.7.8
            C: AUTH PLAIN {b64:\0b@example.test\0x}
            S: 535 5.7.8
            C: AUTH LOGIN
            S: 334 VXNlcm5hbWU6
            C: {b64:c@example.test}
            S: 334 UGFzc3dvcmQ6
            C: {b64:x}
            S: 535 5.7.8
            C: AUTH PLAIN {b64:\0user@example.test\0secret}
            S: 454 4.7.0
            C: AUTH LOGIN
            S: 454 4.7.0
            """, "submission");

        await server.RunAndCloseAsync(UnderTls + """

            C: AUTH PLAIN {b64:\0alice@example.test\0alice-pw}
            S: 454 4.7.0
            """, "submission");
    }

    [Fact]
    public async Task Submission_needs_tls_then_auth_before_mail()
    {
        await using var server = SmtpTestServer.Start();
        await server.RunAndCloseAsync("""
            S: 220
            C: EHLO client.test
            S: 250
            C: MAIL FROM:<user@example.test>
            S: 530 5.7.0 STARTTLS
            C: STARTTLS
            S: 220 2.0.0
            TLS
            C: EHLO client.test
            S: 250
            C: MAIL FROM:<user@example.test>
            S: 530 5.7.0 Authentication required
            C: RCPT TO:<user@example.test>
            S: 503 5.5.1
            """, "submission");
        await server.RunAndCloseAsync("""
            S: 220
            C: EHLO client.test
            S: 250
            C: MAIL FROM:<user@example.test>
            S: 530 5.7.0 Authentication required
            """, "submissions");
    }

    [Fact]
    public async Task An_account_sends_as_its_own_domain_only()
    {
        await using var server = SmtpTestServer.Start();
        await server.RunAndCloseAsync(UnderTls + """

            C: AUTH PLAIN {b64:\0user@example.test\0secret}
            S: 235 2.7.0
            C: MAIL FROM:<ceo@outside.test>
            S: 553 5.7.1
            C: MAIL FROM:<anyone@catchall.test>
            S: 553 5.7.1
            C: MAIL FROM:<>
            S: 553 5.7.1
            C: MAIL FROM:<someone.else@EXAMPLE.test>
            S: 250 2.1.0
            """, "submission");
    }

    [Fact]
    public async Task Send_as_rules_widen_with_the_policy_options()
    {
        var policy = new RelayPolicyOptions { SendAs = SendAsRule.AnyLocalDomain };
        policy.ExtraSenderDomains["user@example.test"] = "partner.test, other.test";
        await using var server = SmtpTestServer.Start(policy: policy);
        await server.RunAndCloseAsync(UnderTls + """

            C: AUTH PLAIN {b64:\0user@example.test\0secret}
            S: 235 2.7.0
            C: MAIL FROM:<anyone@catchall.test>
            S: 250 2.1.0
            C: RSET
            S: 250 2.0.0
            C: MAIL FROM:<someone@other.test>
            S: 250 2.1.0
            C: RSET
            S: 250 2.0.0
            C: MAIL FROM:<ceo@outside.test>
            S: 553 5.7.1
            """, "submission");
    }

    [Fact]
    public async Task An_authenticated_submission_relays_and_gets_message_id_and_date_when_missing()
    {
        await using var server = SmtpTestServer.Start();
        await using var dialog = await server.RunAsync(UnderTls + """

            C: AUTH PLAIN {b64:\0user@example.test\0secret}
            S: 235 2.7.0
            C: MAIL FROM:<user@example.test>
            S: 250 2.1.0
            C: RCPT TO:<friend@outside.test>
            S: 250 2.1.5
            C: DATA
            S: 354
            C: From: <user@example.test>
            C: To: <friend@outside.test>
            C: Subject: no id, no date
            C:
            C: hello
            C: .
            S: 250 2.0.0 queued as
            """, "submission");

        string id = Assert.Single(dialog.QueuedIds);
        var stored = server.Read(id);
        Assert.Equal("From: <user@example.test>\r\nTo: <friend@outside.test>\r\nSubject: no id, no date\r\n\r\nhello\r\n", stored.ContentText);
        Assert.Equal("user@example.test", stored.Envelope.AuthenticatedAs);
        Assert.Equal("submission", stored.Envelope.Listener);
        Assert.Equal(["friend@outside.test"], stored.Envelope.Recipients.Select(r => r.Address));
        Assert.StartsWith("Received: from client.test ([127.0.0.1])\r\n\tby mail.example.test (MailAppliance) with ESMTPSA id " + id + "\r\n", stored.Prefix);
        Assert.Contains("\r\n\t(authenticated)\r\n", stored.Prefix); // The account is not named by default.
        Assert.DoesNotContain("user@example.test)", stored.Prefix);
        Assert.Contains($"\r\nMessage-ID: <{id}@mail.example.test>\r\n", stored.Prefix);
        Assert.Matches(@"\r\nDate: [A-Z][a-z]{2}, \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} [+-]\d{4}\r\n$", stored.Prefix);
    }

    [Fact]
    public async Task An_authenticated_submission_keeps_its_own_message_id_and_date()
    {
        await using var server = SmtpTestServer.Start(o => o.ShowAuthenticatedUserInReceived = true);
        await server.RunAndCloseAsync("""
            S: 220 mail.example.test
            C: EHLO client.test
            S: 250
            C: AUTH LOGIN {b64:user@example.test}
            S: 334 UGFzc3dvcmQ6
            C: {b64:secret}
            S: 235 2.7.0
            C: MAIL FROM:<user@example.test>
            S: 250 2.1.0
            C: RCPT TO:<friend@outside.test>
            S: 250 2.1.5
            C: DATA
            S: 354
            C: message-id: <mine@client.test>
            C: DATE: Fri, 27 Nov 2026 20:19:00 +0000
            C: Subject: has both
            C:
            C: Message-ID: <in-the-body@client.test>
            C: .
            S: 250 2.0.0 queued as
            """, "submissions");

        var stored = server.Single();
        Assert.DoesNotContain("Message-ID", stored.Prefix);
        Assert.DoesNotContain("Date:", stored.Prefix);
        Assert.Contains("\r\n\t(authenticated as user@example.test)\r\n", stored.Prefix);
        Assert.Equal("submissions", stored.Envelope.Listener);
        Assert.StartsWith("message-id: <mine@client.test>\r\nDATE: Fri", stored.ContentText);
    }

    [Fact]
    public async Task A_message_id_only_in_the_body_does_not_count()
    {
        await using var server = SmtpTestServer.Start();
        await server.RunAndCloseAsync("""
            S: 220
            C: EHLO client.test
            S: 250
            C: AUTH PLAIN {b64:\0user@example.test\0secret}
            S: 235 2.7.0
            C: MAIL FROM:<user@example.test>
            S: 250 2.1.0
            C: RCPT TO:<friend@outside.test>
            S: 250 2.1.5
            C: DATA
            S: 354
            C: Subject: body only
            C:
            C: Message-ID: <in-the-body@client.test>
            C: Date: Fri, 27 Nov 2026 20:19:00 +0000
            C: .
            S: 250 2.0.0 queued as
            """, "submissions");

        var stored = server.Single();
        Assert.Contains("\r\nMessage-ID: <", stored.Prefix);
        Assert.Contains("\r\nDate: ", stored.Prefix);
    }

    [Fact]
    public async Task Auth_on_the_mx_port_allows_relaying()
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
            C: RSET
            S: 250 2.0.0
            C: AUTH PLAIN {b64:\0user@example.test\0secret}
            S: 235 2.7.0
            C: MAIL FROM:<user@example.test>
            S: 250 2.1.0
            C: RCPT TO:<friend@outside.test>
            S: 250 2.1.5
            """);
    }
}
