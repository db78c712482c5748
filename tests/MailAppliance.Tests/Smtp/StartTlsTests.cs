using System.Security.Cryptography.X509Certificates;
using MailAppliance.Tests.Smtp.Harness;

namespace MailAppliance.Tests.Smtp;

/// <summary>STARTTLS (RFC 3207), including the command-injection case of CVE-2011-0411.</summary>
public class StartTlsTests
{
    [Fact]
    public async Task Commands_pipelined_behind_starttls_are_discarded()
    {
        await using var server = SmtpTestServer.Start();
        await server.RunAndCloseAsync("""
            S: 220
            C: EHLO client.test
            S: 250
            S+ STARTTLS
            P: STARTTLS
            P: RSET
            S: 220 2.0.0
            TLS
            # Had the RSET been run, its 250 would be read here. The session is back to "not greeted" (RFC 3207 §4.2).
            C: MAIL FROM:<someone@outside.test>
            S: 503 5.5.1
            C: EHLO client.test
            S: 250
            S- STARTTLS
            C: NOOP
            S: 250 2.0.0
            """);
    }

    [Fact]
    public async Task An_injected_transaction_behind_starttls_is_not_run()
    {
        await using var server = SmtpTestServer.Start();
        await server.RunAndCloseAsync("""
            S: 220
            C: EHLO client.test
            S: 250
            R: STARTTLS\r\nMAIL FROM:<evil@outside.test>\r\nRCPT TO:<user@example.test>\r\nDATA\r\nSubject: injected\r\n\r\n.\r\n
            S: 220 2.0.0
            TLS
            C: EHLO client.test
            S: 250
            C: RCPT TO:<user@example.test>
            S: 503 5.5.1
            C: QUIT
            S: 221
            """);

        Assert.Empty(server.Messages);
    }

    [Fact]
    public async Task Starttls_forgets_the_transaction_and_the_greeting()
    {
        await using var server = SmtpTestServer.Start();
        await server.RunAndCloseAsync("""
            S: 220
            C: EHLO client.test
            S: 250
            C: MAIL FROM:<someone@outside.test>
            S: 250 2.1.0
            C: STARTTLS
            S: 220 2.0.0
            TLS
            C: RCPT TO:<user@example.test>
            S: 503 5.5.1
            C: EHLO client.test
            S: 250
            C: RCPT TO:<user@example.test>
            S: 503 5.5.1
            """);
    }

    [Fact]
    public async Task Starttls_twice_is_503()
    {
        await using var server = SmtpTestServer.Start();
        await server.RunAndCloseAsync("""
            S: 220
            C: EHLO client.test
            S: 250
            C: STARTTLS
            S: 220 2.0.0
            TLS
            C: STARTTLS
            S: 503 5.5.1
            C: EHLO client.test
            S: 250
            C: STARTTLS
            S: 503 5.5.1
            C: NOOP
            S: 250 2.0.0
            """);
    }

    [Fact]
    public async Task A_message_over_tls_records_the_protocol()
    {
        await using var server = SmtpTestServer.Start();
        await using var dialog = await server.RunAsync("""
            S: 220
            C: EHLO client.test
            S: 250
            C: STARTTLS
            S: 220 2.0.0
            TLS
            C: EHLO client.test
            S: 250
            C: MAIL FROM:<someone@outside.test>
            S: 250 2.1.0
            C: RCPT TO:<user@example.test>
            S: 250 2.1.5
            C: DATA
            S: 354
            C: Subject: secret
            C:
            C: .
            S: 250 2.0.0 queued as
            """);

        var stored = server.Single();
        Assert.StartsWith("TLSv1.", stored.Envelope.Tls);
        Assert.Contains(" with ESMTPS id ", stored.Prefix);
        Assert.Contains("\r\n\t(" + stored.Envelope.Tls + ")", stored.Prefix);

        // The certificate served is the store's self-signed fallback for the host name.
        var served = new X509Certificate2(dialog.Tls!.RemoteCertificate!);
        Assert.Equal(server.Certificates!.Default.Serial, served.SerialNumber);
        Assert.True(served.MatchesHostname(SmtpTestServer.Hostname));
    }

    [Fact]
    public async Task A_failed_handshake_closes_that_session_only()
    {
        await using var server = SmtpTestServer.Start();
        await server.RunAndCloseAsync("""
            S: 220
            C: EHLO client.test
            S: 250
            C: STARTTLS
            S: 220 2.0.0
            C: this is not a TLS client hello
            CLOSED
            """);

        await server.RunAndCloseAsync("""
            S: 220
            C: EHLO client.test
            S: 250
            C: QUIT
            S: 221
            """);
        Assert.Empty(server.Logger.Errors);
    }

    [Fact]
    public async Task Sni_for_an_unknown_name_still_gets_the_default_certificate()
    {
        await using var server = SmtpTestServer.Start();
        await using var dialog = await server.RunAsync("""
            S: 220
            C: EHLO client.test
            S: 250
            C: STARTTLS
            S: 220 2.0.0
            TLS unknown.example.test
            C: EHLO client.test
            S: 250
            S+ AUTH
            """);

        Assert.Equal(server.Certificates!.Default.Serial, new X509Certificate2(dialog.Tls!.RemoteCertificate!).SerialNumber);
    }

    [Fact]
    public async Task A_client_that_never_starts_the_handshake_is_dropped_after_the_tls_timeout()
    {
        await using var server = SmtpTestServer.Start(o => o.TlsHandshakeTimeout = TimeSpan.FromMilliseconds(300));
        await using (var silent = await SmtpDialog.ConnectAsync(server.EndpointOf("submissions")))
        {
            var started = DateTime.UtcNow;
            await silent.ExpectClosedAsync();
            Assert.InRange(DateTime.UtcNow - started, TimeSpan.Zero, TimeSpan.FromSeconds(5));
        }

        await using (var stalled = await server.RunAsync("""
            S: 220
            C: STARTTLS
            S: 220 2.0.0
            """))
        {
            await stalled.ExpectClosedAsync();
        }

        Assert.Empty(server.Logger.Errors);
    }
}
