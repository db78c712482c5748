using MailAppliance.Tests.Smtp.Harness;

namespace MailAppliance.Tests.Smtp;

/// <summary>RFC 5321 §6.3: a message that already went through too many hops is a loop and is refused, not spooled.</summary>
public class MailLoopTests
{
    [Theory]
    [InlineData(3, "250 2.0.0")]
    [InlineData(4, "554 5.4.6")]
    public async Task More_received_fields_than_the_limit_is_a_loop(int received, string expected)
    {
        await using var server = SmtpTestServer.Start(o => o.MaxReceivedHeaders = 3);
        string hops = string.Concat(Enumerable.Range(1, received).Select(i =>
            $"C: Received: from hop{i}.test by hop{i + 1}.test; Fri, 27 Nov 2026 20:00:00 +0000\n"));
        await server.RunAndCloseAsync($$"""
            S: 220
            C: EHLO client.test
            S: 250
            C: MAIL FROM:<someone@outside.test>
            S: 250 2.1.0
            C: RCPT TO:<user@example.test>
            S: 250 2.1.5
            C: DATA
            S: 354
            {{hops}}C: Subject: looping
            C:
            C: body
            C: .
            S: {{expected}}
            C: QUIT
            S: 221
            """);
        Assert.Equal(expected.StartsWith('2') ? 1 : 0, server.Messages.Count);
    }

    [Fact]
    public async Task Received_in_the_body_does_not_count()
    {
        await using var server = SmtpTestServer.Start(o => o.MaxReceivedHeaders = 0);
        await server.RunAndCloseAsync("""
            S: 220
            C: EHLO client.test
            S: 250
            C: MAIL FROM:<someone@outside.test>
            S: 250 2.1.0
            C: RCPT TO:<user@example.test>
            S: 250 2.1.5
            C: DATA
            S: 354
            C: Subject: quoting a header
            C:
            C: Received: from elsewhere.test
            C: .
            S: 250 2.0.0
            C: QUIT
            S: 221
            """);
        Assert.Single(server.Messages);
    }
}
