using System.Text;
using MailAppliance.Smtp.Session;
using MailAppliance.Tests.Smtp.Harness;

namespace MailAppliance.Tests.Smtp;

/// <summary>The header scan (RFC 5322 §2.2) that decides whether a submission needs Message-ID and Date.</summary>
public class HeaderScannerTests
{
    private static HeaderScanner Scan(string text, int piece = int.MaxValue)
    {
        byte[] data = SmtpDialog.Unescape(text);
        var scanner = new HeaderScanner();
        for (int offset = 0; offset < data.Length; offset += piece)
        {
            scanner.Scan(data.AsSpan(offset, Math.Min(piece, data.Length - offset)));
        }

        return scanner;
    }

    public static TheoryData<string, bool, bool, int, bool> Cases => new()
    {
        { @"Message-ID: <a@b>\r\nDate: Fri, 27 Nov 2026 20:19:00 +0000\r\n\r\nbody\r\n", true, true, 0, true },
        { @"Subject: none\r\n\r\nMessage-ID: <in@body>\r\nDate: x\r\n", false, false, 0, true },
        { @"message-id: <a@b>\r\nDATE: x\r\n\r\n", true, true, 0, true },
        { @"Message-ID : <a@b>\r\nDate\t: x\r\n\r\n", true, true, 0, true },
        { @"Received: a\r\nReceived: b\r\n\tReceived: folded\r\nX-Received: c\r\n\r\nReceived: body\r\n", false, false, 2, true },
        { @"Subject: folded\r\n Message-ID: <not@a.field>\r\n\tDate: no\r\n\r\n", false, false, 0, true },
        { @"X-Message-ID: a\r\nResent-Date: b\r\n\r\n", false, false, 0, true },
        { @"Subject: x\r\nMessage-ID: <a@b>\r\n", true, false, 0, false },
        { @"\r\nMessage-ID: <body@only>\r\n", false, false, 0, true },
        { @"Subject: no colon at the end", false, false, 0, false },
        { @"Subject:x\r\nDate:y\r\n\r\n", false, true, 0, true },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Fields_are_noted_until_the_empty_line(string text, bool messageId, bool date, int received, bool done)
    {
        foreach (int piece in new[] { int.MaxValue, 1, 2, 3, 7 })
        {
            var scanner = Scan(text, piece);
            Assert.Equal(messageId, scanner.HasMessageId);
            Assert.Equal(date, scanner.HasDate);
            Assert.Equal(received, scanner.ReceivedCount);
            Assert.Equal(done, scanner.Done);
        }
    }

    [Fact]
    public void A_very_long_field_name_is_not_mistaken_for_a_known_one()
    {
        string name = "Date" + new string('x', 200);
        var scanner = Scan(name + ": y\r\n" + "Message-ID: <a@b>\r\n\r\n");
        Assert.False(scanner.HasDate);
        Assert.True(scanner.HasMessageId);
    }

    [Fact]
    public void The_body_costs_nothing_once_the_header_section_ended()
    {
        var scanner = new HeaderScanner();
        scanner.Scan("Subject: x\r\n\r\n"u8);
        Assert.True(scanner.Done);
        scanner.Scan(Encoding.ASCII.GetBytes(string.Concat(Enumerable.Repeat("Message-ID: <x@y>\r\nReceived: z\r\n", 1000))));
        Assert.False(scanner.HasMessageId);
        Assert.Equal(0, scanner.ReceivedCount);
    }
}
