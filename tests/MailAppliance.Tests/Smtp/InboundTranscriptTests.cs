using MailAppliance.Arc;
using MailAppliance.Dkim;
using MailAppliance.Dmarc;
using MailAppliance.Dns;
using MailAppliance.Inbound;
using MailAppliance.Spf;
using MailAppliance.Tests.Smtp.Harness;

namespace MailAppliance.Tests.Smtp;

/// <summary>
/// Inbound authentication at the end of DATA of a session from outside: DMARC p=reject failures are refused with
/// 550 5.7.1, accepted mail gets our Authentication-Results below our Received field, forged ones claiming our host
/// name are dropped, and submissions are not judged at all.
/// </summary>
public sealed class InboundTranscriptTests
{
    private static InboundAuthenticator Authenticator()
    {
        // 127.0.0.1 (the test client) may send for allowed.test, not for strict.test; both publish p=reject.
        var dns = new FakeDnsResolver()
            .AddTxt("allowed.test", "v=spf1 ip4:127.0.0.1 -all")
            .AddTxt("_dmarc.allowed.test", "v=DMARC1; p=reject")
            .AddTxt("strict.test", "v=spf1 -all")
            .AddTxt("_dmarc.strict.test", "v=DMARC1; p=reject");
        var keys = new DnsDkimKeyLocator(dns);
        return new InboundAuthenticator(new SpfEvaluator(dns), new DkimVerifier(keys), new ArcVerifier(keys),
            new DmarcEvaluator(dns, PublicSuffixList.FromRules("test"), () => 0), new InboundOptions { AuthservId = SmtpTestServer.Hostname });
    }

    private static string Dialog(string from, string headers, string expected) => $$"""
        S: 220
        C: EHLO client.test
        S: 250
        C: MAIL FROM:<{{from}}>
        S: 250 2.1.0
        C: RCPT TO:<user@example.test>
        S: 250 2.1.5
        C: DATA
        S: 354
        {{headers}}C: Subject: inbound
        C:
        C: body
        C: .
        S: {{expected}}
        C: QUIT
        S: 221
        """;

    [Fact]
    public async Task A_dmarc_p_reject_failure_is_refused_at_the_end_of_data_and_not_spooled()
    {
        await using var server = SmtpTestServer.Start(inbound: Authenticator());

        await server.RunAndCloseAsync(Dialog("boss@strict.test", "C: From: <boss@strict.test>\n", "550 5.7.1"));

        Assert.Empty(server.Messages);
        Assert.Empty(server.TemporaryFiles);
    }

    [Fact]
    public async Task Accepted_mail_carries_our_results_below_our_received_field_and_in_its_envelope()
    {
        await using var server = SmtpTestServer.Start(inbound: Authenticator());

        await server.RunAndCloseAsync(Dialog("alice@allowed.test", "C: From: <alice@allowed.test>\n", "250 2.0.0"));

        var stored = server.Single();
        Assert.StartsWith("Received: ", stored.Prefix, StringComparison.Ordinal);
        int results = stored.Prefix.IndexOf("Authentication-Results: " + SmtpTestServer.Hostname + ";", StringComparison.Ordinal);
        Assert.True(results > 0, stored.Prefix);
        Assert.Contains("spf=pass", stored.Prefix[results..], StringComparison.Ordinal);
        Assert.Contains("dmarc=pass", stored.Prefix[results..], StringComparison.Ordinal);
        Assert.NotNull(stored.Envelope.Authentication);
        Assert.Equal("none", stored.Envelope.Authentication!.ArcStatus);
        Assert.Contains("dmarc=pass", stored.Envelope.Authentication.Results, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_authentication_results_field_claiming_our_host_name_is_removed_and_others_kept()
    {
        await using var server = SmtpTestServer.Start(inbound: Authenticator());
        string headers = $"C: Authentication-Results: {SmtpTestServer.Hostname}; dmarc=pass header.from=bank.test\n" +
                         "C: Authentication-Results: other.test; spf=none\nC: From: <alice@allowed.test>\n";

        await server.RunAndCloseAsync(Dialog("alice@allowed.test", headers, "250 2.0.0"));

        var stored = server.Single();
        string content = System.Text.Encoding.ASCII.GetString(stored.Content);
        Assert.DoesNotContain("bank.test", content, StringComparison.Ordinal);
        Assert.StartsWith("Authentication-Results: other.test; spf=none\r\nFrom: <alice@allowed.test>\r\nSubject: inbound\r\n", content, StringComparison.Ordinal);
        Assert.Equal(stored.Content.Length, stored.Envelope.Size);
        Assert.Empty(server.TemporaryFiles);
    }

    [Fact]
    public async Task When_dns_does_not_answer_in_time_the_message_gets_a_temporary_failure_not_a_hang()
    {
        var dns = new SilentDnsResolver();
        var keys = new DnsDkimKeyLocator(dns);
        var inbound = new InboundAuthenticator(new SpfEvaluator(dns), new DkimVerifier(keys), new ArcVerifier(keys),
            new DmarcEvaluator(dns, PublicSuffixList.FromRules("test"), () => 0),
            new InboundOptions { AuthservId = SmtpTestServer.Hostname, CheckTimeout = TimeSpan.FromMilliseconds(300) });
        await using var server = SmtpTestServer.Start(inbound: inbound);

        await server.RunAndCloseAsync(Dialog("alice@allowed.test", "C: From: <alice@allowed.test>\n", "451 4.4.3"));

        Assert.Empty(server.Messages);
        Assert.Empty(server.TemporaryFiles);
    }

    [Fact]
    public async Task Authenticated_submissions_are_not_judged()
    {
        await using var server = SmtpTestServer.Start(inbound: Authenticator());
        string plain = Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes($"\0{SmtpTestServer.User}\0{SmtpTestServer.UserPassword}"));

        await server.RunAndCloseAsync($$"""
            S: 220
            C: EHLO client.test
            S: 250
            C: STARTTLS
            S: 220
            TLS
            C: EHLO client.test
            S: 250
            C: AUTH PLAIN {{plain}}
            S: 235
            C: MAIL FROM:<user@example.test>
            S: 250 2.1.0
            C: RCPT TO:<someone@strict.test>
            S: 250 2.1.5
            C: DATA
            S: 354
            C: From: <user@example.test>
            C:
            C: body
            C: .
            S: 250 2.0.0
            C: QUIT
            S: 221
            """, "submission");

        var stored = server.Single();
        Assert.DoesNotContain("Authentication-Results", stored.Prefix, StringComparison.Ordinal);
        Assert.Null(stored.Envelope.Authentication);
    }
}

/// <summary>A resolver that never answers (until cancelled): a DNS server that has gone quiet.</summary>
internal sealed class SilentDnsResolver : IDnsResolver
{
    public Task<DnsResult<MxRecord>> LookupMxAsync(string domain, CancellationToken cancellationToken = default) => Silence<MxRecord>(cancellationToken);

    public Task<DnsResult<System.Net.IPAddress>> LookupAAsync(string name, CancellationToken cancellationToken = default) => Silence<System.Net.IPAddress>(cancellationToken);

    public Task<DnsResult<System.Net.IPAddress>> LookupAaaaAsync(string name, CancellationToken cancellationToken = default) => Silence<System.Net.IPAddress>(cancellationToken);

    public Task<DnsResult<TxtRecord>> LookupTxtAsync(string name, CancellationToken cancellationToken = default) => Silence<TxtRecord>(cancellationToken);

    public Task<DnsResult<string>> LookupPtrAsync(System.Net.IPAddress address, CancellationToken cancellationToken = default) => Silence<string>(cancellationToken);

    public Task<DnsResult<string>> LookupCnameAsync(string name, CancellationToken cancellationToken = default) => Silence<string>(cancellationToken);

    public Task<DnsResult<TlsaRecord>> LookupTlsaAsync(string name, CancellationToken cancellationToken = default) => Silence<TlsaRecord>(cancellationToken);

    public Task<DnsResult<CaaRecord>> LookupCaaAsync(string name, CancellationToken cancellationToken = default) => Silence<CaaRecord>(cancellationToken);

    private static async Task<DnsResult<T>> Silence<T>(CancellationToken cancellationToken)
    {
        await Task.Delay(Timeout.Infinite, cancellationToken);
        throw new InvalidOperationException("unreachable");
    }
}
