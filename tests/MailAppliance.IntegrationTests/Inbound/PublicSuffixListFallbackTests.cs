using System.Net;
using MailAppliance.IntegrationTests.Infrastructure;

namespace MailAppliance.IntegrationTests.Inbound;

/// <summary>
/// A fresh machine may lack Debian's publicsuffix package: the relay still starts (README's first command must work),
/// says what is missing, and still takes mail from outside.
/// </summary>
public sealed class PublicSuffixListFallbackTests
{
    [Fact]
    public async Task The_relay_starts_without_the_public_suffix_list_warns_and_accepts_mail_from_outside()
    {
        var setup = new RelaySetup().WithAlias("example.test", "*: someone@example.test");
        setup.Settings["Dmarc__PublicSuffixListPath"] = "/nonexistent/public_suffix_list.dat";
        await using var relay = await RelayProcess.StartAsync(setup);

        await relay.WaitForOutputAsync("Public Suffix List /nonexistent/public_suffix_list.dat not found");
        await using var client = await RawSmtpClient.ConnectAsync(IPAddress.Loopback, relay.MxPort);
        await client.ExpectAsync("EHLO client.outside.test", 250);
        await client.ExpectAsync("MAIL FROM:<bob@outside.test>", 250);
        await client.ExpectAsync("RCPT TO:<anyone@example.test>", 250);
        var reply = await client.DataAsync("From: bob@outside.test\r\nTo: anyone@example.test\r\nSubject: no PSL\r\n\r\nhello\r\n");
        Assert.True(reply.Code == 250, reply + "\n" + relay.Output);
    }
}
