using System.Text;
using MailAppliance.Queue;
using MimeKit;

namespace MailAppliance.Tests.Queue;

public sealed class DsnWriterTests : IDisposable
{
    private readonly TempSpool _spool = new();

    public void Dispose() => _spool.Dispose();

    private static RecipientState Failed(string address) => new()
    {
        Address = address, Status = RecipientStatus.Failed, LastResult = "RCPT TO: 550 5.1.1 unknown", RemoteReply = "550 5.1.1 unknown",
        RemoteMta = "mx.one.test [198.51.100.3]", LastAttempt = DateTimeOffset.UtcNow, OriginalRecipient = "rfc822;" + address,
    };

    [Fact]
    public async Task A_failure_report_is_a_multipart_report_with_the_original_headers_only()
    {
        string id = await _spool.PutAsync("a@src.test", "x@one.test");
        var message = _spool.Store.Find(id)!;

        byte[] dsn = new DsnWriter("mail.example.test").Write(message, DsnAction.Failed, [new DsnRecipient(Failed("x@one.test"), "5.1.1")], DateTimeOffset.UtcNow);

        var parsed = MimeMessage.Load(new MemoryStream(dsn));
        var report = Assert.IsType<MultipartReport>(parsed.Body);
        Assert.Equal("delivery-status", report.ReportType);
        Assert.Equal(3, report.Count);
        Assert.Equal("text/rfc822-headers", report[2].ContentType.MimeType);
        string text = Encoding.UTF8.GetString(dsn);
        Assert.Contains("Subject: queue test", text, StringComparison.Ordinal);
        Assert.DoesNotContain("body line", text, StringComparison.Ordinal);
        Assert.Contains("Reporting-MTA: dns; mail.example.test", text, StringComparison.Ordinal);
        Assert.Contains("Remote-MTA: dns; mx.one.test\r\n", text, StringComparison.Ordinal);
        Assert.Contains("Original-Recipient: rfc822;x@one.test", text, StringComparison.Ordinal);
        Assert.Equal("MAILER-DAEMON@mail.example.test", parsed.From.Mailboxes.Single().Address);
        Assert.DoesNotContain("\n", text.Replace("\r\n", "", StringComparison.Ordinal), StringComparison.Ordinal); // CRLF only
    }

    [Fact]
    public async Task Ret_full_attaches_the_whole_message()
    {
        string id = await _spool.PutAsync("a@src.test", [new MailAppliance.Spool.EnvelopeRecipient { Address = "x@one.test" }], ret: "FULL");
        var message = _spool.Store.Find(id)!;

        byte[] dsn = new DsnWriter("mail.example.test").Write(message, DsnAction.Failed, [new DsnRecipient(Failed("x@one.test"), "5.1.1")], DateTimeOffset.UtcNow);

        var parsed = MimeMessage.Load(new MemoryStream(dsn));
        var attached = Assert.IsType<MessagePart>(Assert.IsType<MultipartReport>(parsed.Body)[2]);
        Assert.Equal("queue test", attached.Message?.Subject);
        Assert.Contains("body line", Encoding.UTF8.GetString(dsn), StringComparison.Ordinal);
    }

    [Fact]
    public void The_header_section_stops_at_the_empty_line()
    {
        byte[] headers = DsnWriter.ReadHeaderSection(new MemoryStream("A: 1\r\nB: 2\r\n\r\nbody\r\n"u8.ToArray()));
        Assert.Equal("A: 1\r\nB: 2\r\n\r\n", Encoding.ASCII.GetString(headers));
    }
}
