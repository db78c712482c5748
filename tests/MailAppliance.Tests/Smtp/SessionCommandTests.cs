using MailAppliance.Tests.Smtp.Harness;

namespace MailAppliance.Tests.Smtp;

/// <summary>Greeting, EHLO/HELO, the simple commands, sequence and syntax errors (RFC 5321 §4.1, §4.3.2).</summary>
public class SessionCommandTests
{
    [Fact]
    public async Task Greeting_names_the_host_without_an_enhanced_code()
    {
        await using var server = SmtpTestServer.Start();
        await using var dialog = await server.RunAsync("""
            S: 220 mail.example.test ESMTP
            C: QUIT
            S: 221 2.0.0
            CLOSED
            """);

        Assert.Equal(string.Empty, dialog.Replies[0].Enhanced);
        Assert.StartsWith("mail.example.test ", dialog.Replies[0].Text);
    }

    [Fact]
    public async Task Ehlo_without_tls_configured_offers_neither_starttls_nor_auth()
    {
        await using var server = SmtpTestServer.Start(tls: false);
        await server.RunAndCloseAsync("""
            S: 220
            C: EHLO client.test
            S: 250 mail.example.test Hello client.test [127.0.0.1]
            S+ PIPELINING
            S+ SIZE 52428800
            S+ 8BITMIME
            S+ SMTPUTF8
            S+ ENHANCEDSTATUSCODES
            S+ CHUNKING
            S+ DSN
            S+ HELP
            S- STARTTLS
            S- AUTH
            C: STARTTLS
            S: 454 4.7.0
            C: QUIT
            S: 221 2.0.0
            """);
    }

    [Fact]
    public async Task Auth_is_advertised_only_after_tls_and_not_after_authentication()
    {
        await using var server = SmtpTestServer.Start();
        await using var dialog = await server.RunAsync("""
            S: 220
            C: EHLO client.test
            S: 250
            S+ STARTTLS
            S- AUTH
            C: STARTTLS
            S: 220 2.0.0
            TLS
            C: EHLO client.test
            S: 250
            S- STARTTLS
            S+ AUTH PLAIN LOGIN
            C: AUTH PLAIN {b64:\0user@example.test\0secret}
            S: 235 2.7.0
            C: EHLO client.test
            S: 250
            S- AUTH
            S- STARTTLS
            """, "submission");

        Assert.Equal(string.Empty, dialog.Replies[1].Enhanced); // RFC 2034 §3: no enhanced code on EHLO lines.
    }

    [Fact]
    public async Task Implicit_tls_listener_offers_auth_at_once()
    {
        await using var server = SmtpTestServer.Start();
        await using var dialog = await server.RunAsync("""
            S: 220 mail.example.test
            C: EHLO client.test
            S: 250
            S+ AUTH PLAIN LOGIN
            S- STARTTLS
            C: STARTTLS
            S: 503 5.5.1
            """, "submissions");

        Assert.NotNull(dialog.Tls);
    }

    [Fact]
    public async Task Helo_is_accepted_and_needs_a_name()
    {
        await using var server = SmtpTestServer.Start();
        await server.RunAndCloseAsync("""
            S: 220
            C: HELO
            S: 501 5.5.4
            C: HELO client.test
            S: 250 2.0.0 mail.example.test Hello client.test
            C: MAIL FROM:<someone@outside.test>
            S: 250 2.1.0
            C: RCPT TO:<user@example.test>
            S: 250 2.1.5
            C: RSET
            S: 250 2.0.0
            C: EHLO
            S: 501 5.5.4
            C: EHLO two words
            S: 501 5.5.4
            C: EHLO [127.0.0.1]
            S: 250
            """);
    }

    [Fact]
    public async Task Simple_commands_answer_with_their_codes()
    {
        await using var server = SmtpTestServer.Start();
        await server.RunAndCloseAsync("""
            S: 220
            C: NOOP
            S: 250 2.0.0
            C: noop with an argument
            S: 250 2.0.0
            C: RSET
            S: 250 2.0.0
            C: VRFY user@example.test
            S: 252 2.5.0
            C: VRFY nobody
            S: 252 2.5.0
            C: EXPN staff
            S: 502 5.5.1
            C: HELP
            S: 214 2.0.0
            C: Help me
            S: 214 2.0.0
            C: QUIT
            S: 221 2.0.0 Bye
            CLOSED
            """);
    }

    [Fact]
    public async Task Commands_are_case_insensitive()
    {
        await using var server = SmtpTestServer.Start();
        await server.RunAndCloseAsync("""
            S: 220
            C: ehlo client.test
            S: 250
            C: mail from:<someone@outside.test>
            S: 250 2.1.0
            C: rcpt to:<USER@EXAMPLE.TEST>
            S: 250 2.1.5
            C: rset
            S: 250 2.0.0
            C: quit
            S: 221 2.0.0
            """);
    }

    [Fact]
    public async Task Sequence_errors_are_503()
    {
        await using var server = SmtpTestServer.Start();
        await server.RunAndCloseAsync("""
            S: 220
            # MAIL before EHLO
            C: MAIL FROM:<someone@outside.test>
            S: 503 5.5.1
            C: EHLO client.test
            S: 250
            # RCPT before MAIL
            C: RCPT TO:<user@example.test>
            S: 503 5.5.1
            # DATA before MAIL
            C: DATA
            S: 503 5.5.1
            C: MAIL FROM:<someone@outside.test>
            S: 250 2.1.0
            # nested MAIL
            C: MAIL FROM:<other@outside.test>
            S: 503 5.5.1
            # DATA before any accepted RCPT: "no valid recipients" (RFC 5321 §3.3 allows 503 or 554)
            C: DATA
            S: 554 5.5.1
            C: RCPT TO:<user@example.test>
            S: 250 2.1.5
            C: DATA
            S: 354
            C: Subject: sequence
            C:
            C: body
            C: .
            S: 250 2.0.0 queued as
            # the transaction is over: RCPT needs a new MAIL
            C: RCPT TO:<user@example.test>
            S: 503 5.5.1
            C: QUIT
            S: 221
            """);
        Assert.Single(server.Messages);
    }

    [Fact]
    public async Task Bdat_then_data_is_a_sequence_error_and_bdat_can_still_finish()
    {
        await using var server = SmtpTestServer.Start();
        await using var dialog = await server.RunAsync("""
            S: 220
            C: EHLO client.test
            S: 250
            C: MAIL FROM:<someone@outside.test>
            S: 250 2.1.0
            C: RCPT TO:<user@example.test>
            S: 250 2.1.5
            R: BDAT 9\r\nSubject:\x20
            S: 250 2.0.0 9 octets received
            C: DATA
            S: 503 5.5.1
            C: MAIL FROM:<x@outside.test>
            S: 503 5.5.1
            C: NOOP
            S: 250 2.0.0
            R: BDAT 11 LAST\r\nx\r\n\r\nbody\r\n
            S: 250 2.0.0 queued as
            """);

        var message = server.Read(Assert.Single(dialog.QueuedIds));
        Assert.Equal("Subject: x\r\n\r\nbody\r\n", message.ContentText);
    }

    [Fact]
    public async Task Ehlo_and_helo_reset_the_transaction()
    {
        await using var server = SmtpTestServer.Start();
        await server.RunAndCloseAsync("""
            S: 220
            C: EHLO client.test
            S: 250
            C: MAIL FROM:<someone@outside.test>
            S: 250 2.1.0
            C: EHLO client.test
            S: 250
            C: RCPT TO:<user@example.test>
            S: 503 5.5.1
            C: MAIL FROM:<someone@outside.test>
            S: 250 2.1.0
            C: HELO client.test
            S: 250
            C: RCPT TO:<user@example.test>
            S: 503 5.5.1
            C: MAIL FROM:<someone@outside.test>
            S: 250 2.1.0
            C: RSET
            S: 250 2.0.0
            C: RCPT TO:<user@example.test>
            S: 503 5.5.1
            """);
    }

    [Fact]
    public async Task Unknown_commands_are_500_5_5_2()
    {
        await using var server = SmtpTestServer.Start();
        await server.RunAndCloseAsync("""
            S: 220
            C: WHATISTHIS
            S: 500 5.5.2
            C: EHLOX client.test
            S: 500 5.5.2
            C:
            S: 500 5.5.2
            C: NOOP
            S: 250 2.0.0
            """);
    }

    [Fact]
    public async Task Syntax_errors_are_501()
    {
        await using var server = SmtpTestServer.Start(o => o.MaxErrors = 100);
        await server.RunAndCloseAsync("""
            S: 220
            C: EHLO client.test
            S: 250
            C: MAIL TO:<someone@outside.test>
            S: 501 5.5.4
            C: MAIL FROM:<someone@outside.test
            S: 501 5.1.7
            C: MAIL FROM:<nodomain>
            S: 501 5.1.7
            C: MAIL FROM:<a..b@outside.test>
            S: 501 5.1.7
            C: MAIL FROM:<someone@-bad-.test>
            S: 501 5.1.7
            C: MAIL FROM:<someone@outside.test> SIZE=big
            S: 501 5.5.4
            C: MAIL FROM:<someone@outside.test> BODY=9BIT
            S: 501 5.5.4
            C: MAIL FROM:<someone@outside.test> =x
            S: 501 5.5.4
            C: MAIL FROM:<someone@outside.test>
            S: 250 2.1.0
            C: RCPT TO:<>
            S: 501 5.1.7
            C: RCPT FROM:<user@example.test>
            S: 501 5.5.4
            C: DATA now
            S: 501 5.5.4
            C: STARTTLS please
            S: 501 5.5.4
            C: RSET
            S: 250 2.0.0
            """);
    }

    [Fact]
    public async Task Invalid_utf8_in_a_command_is_a_syntax_error()
    {
        await using var server = SmtpTestServer.Start();
        await server.RunAndCloseAsync("""
            S: 220
            R: EHLO \xff\xfe\r\n
            S: 501 5.5.4 UTF-8
            C: NOOP
            S: 250 2.0.0
            """);
    }

    [Fact]
    public async Task Null_sender_and_loose_path_forms_are_accepted()
    {
        await using var server = SmtpTestServer.Start();
        await server.RunAndCloseAsync("""
            S: 220
            C: EHLO client.test
            S: 250
            C: MAIL FROM:<>
            S: 250 2.1.0
            C: RSET
            S: 250 2.0.0
            # "MAIL FROM: <a@b>" with a space, and a path without brackets, as old clients send them
            C: MAIL FROM: <someone@outside.test>
            S: 250 2.1.0
            C: RCPT TO: user@example.test
            S: 250 2.1.5
            C: RCPT TO:<postmaster@example.test>
            S: 250 2.1.5
            """);
    }
}
