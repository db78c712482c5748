using MailAppliance.Tests.Smtp.Harness;
using Xunit.Sdk;

namespace MailAppliance.Tests.Smtp;

/// <summary>The transcript harness itself: a wrong expectation must fail, with the transcript in the message.</summary>
public class SmtpDialogTests
{
    [Theory]
    [InlineData("S: 220\nC: NOOP\nS: 251")]
    [InlineData("S: 220\nC: NOOP\nS: 250 2.0.1")]
    [InlineData("S: 220\nC: NOOP\nS: 250 2.0.0 not in the text")]
    [InlineData("S: 220\nC: EHLO client.test\nS: 250\nS+ XCLIENT")]
    [InlineData("S: 220\nC: EHLO client.test\nS: 250\nS- PIPELINING")]
    [InlineData("S: 220\nC: NOOP\nCLOSED")]
    public async Task Wrong_expectations_fail_with_the_transcript(string script)
    {
        await using var server = SmtpTestServer.Start();
        var failure = await Assert.ThrowsAsync<FailException>(() => server.RunAndCloseAsync(script));
        Assert.Contains("--- transcript ---", failure.Message);
        Assert.Contains("S: 220 mail.example.test", failure.Message);
    }

    [Fact]
    public async Task A_missing_reply_fails_after_the_timeout_instead_of_hanging()
    {
        await using var server = SmtpTestServer.Start();
        await using var dialog = await server.ConnectAsync();
        await dialog.ExpectAsync(220);
        dialog.ReplyTimeout = TimeSpan.FromMilliseconds(500);
        var started = DateTime.UtcNow;
        var failure = await Assert.ThrowsAsync<FailException>(() => dialog.ExpectAsync(250));
        Assert.Contains("no reply within", failure.Message);
        Assert.InRange(DateTime.UtcNow - started, TimeSpan.FromMilliseconds(400), TimeSpan.FromSeconds(5));
    }

    [Fact]
    public void Escapes_and_macros_expand_to_octets()
    {
        Assert.Equal(new byte[] { (byte)'a', 13, 10, 9, 0, (byte)'\\', 0xc3, 0xa9 }, SmtpDialog.Unescape(@"a\r\n\t\0\\é"));
        Assert.Equal(new byte[] { 0xff, 0x41 }, SmtpDialog.Unescape(@"\xffA"));
        Assert.Equal("ñ"u8.ToArray(), SmtpDialog.Unescape("ñ"));
        Assert.Equal("😀"u8.ToArray(), SmtpDialog.Unescape("😀"));
        Assert.Throws<FormatException>(() => SmtpDialog.Unescape(@"\q"));
    }

    [Fact]
    public async Task Unknown_instructions_are_refused()
    {
        await using var server = SmtpTestServer.Start();
        await Assert.ThrowsAsync<FormatException>(() => server.RunAndCloseAsync("S: 220\nX: what"));
    }
}
