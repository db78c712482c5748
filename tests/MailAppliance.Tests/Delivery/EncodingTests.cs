using System.Text;
using MailAppliance.Delivery;
using MailAppliance.Spool;

namespace MailAppliance.Tests.Delivery;

public sealed class EncodingTests
{
    private static string Stuff(string content) => Encoding.UTF8.GetString(DotStuffingWriter.StuffMessage(Encoding.UTF8.GetBytes(content)));

    [Theory]
    [InlineData("a\r\n", "a\r\n.\r\n")]
    [InlineData(".a\r\n", "..a\r\n.\r\n")]
    [InlineData("a\r\n.\r\nb\r\n", "a\r\n..\r\nb\r\n.\r\n")]
    [InlineData("a\r\n..b\r\n", "a\r\n...b\r\n.\r\n")]
    [InlineData("a.b\r\n", "a.b\r\n.\r\n")]
    [InlineData("no end", "no end\r\n.\r\n")]
    [InlineData("", ".\r\n")]
    [InlineData("a\n.b\n", "a\n..b\n\r\n.\r\n")]
    public void DotStuffing(string content, string expected) => Assert.Equal(expected, Stuff(content));

    [Fact]
    public async Task DotStuffingAcrossWrites()
    {
        using var memory = new MemoryStream();
        var writer = new DotStuffingWriter(memory);
        await writer.WriteAsync("a\r"u8.ToArray());
        await writer.WriteAsync("\n"u8.ToArray());
        await writer.WriteAsync(".x\r\n"u8.ToArray());
        await writer.CompleteAsync();

        Assert.Equal("a\r\n..x\r\n.\r\n", Encoding.ASCII.GetString(memory.ToArray()));
    }

    [Fact]
    public void EightBitOctetsPassUnchanged()
    {
        byte[] content = [0xC3, 0xA9, 0x0D, 0x0A, 0xFF, 0x00, 0x0D, 0x0A];
        Assert.Equal([.. content, .. ".\r\n"u8.ToArray()], DotStuffingWriter.StuffMessage(content));
    }

    [Fact]
    public void ReplyWithEnhancedCode()
    {
        var reply = SmtpReply.Parse(["550-5.1.1 no such", "550 5.1.1 user"]);

        Assert.Equal(550, reply.Code);
        Assert.Equal("5.1.1", reply.EnhancedCode);
        Assert.Equal("no such user", reply.Text);
        Assert.Equal("550 5.1.1 no such user", reply.ToString());
        Assert.True(reply.IsPermanent);
    }

    [Fact]
    public void ReplyWithoutEnhancedCode()
    {
        var reply = SmtpReply.Parse(["451 try 4.0 later"]);

        Assert.Null(reply.EnhancedCode);
        Assert.Equal("try 4.0 later", reply.Text);
        Assert.True(reply.IsTransient);
    }

    [Fact]
    public void EnhancedCodeClassMustMatchReply() => Assert.Null(SmtpReply.Parse(["250 5.1.1 odd"]).EnhancedCode);

    [Theory]
    [InlineData("hello")]
    [InlineData("25 x")]
    [InlineData("250x")]
    public void BadReplyLines(string line) => Assert.Throws<FormatException>(() => SmtpReply.Parse([line]));

    [Fact]
    public void SmtpUtf8IsNeededForNonAsciiAddresses()
    {
        var envelope = new Envelope { Id = "q", MailFrom = "a@b.test", Recipients = [], ReceivedAt = DateTimeOffset.UnixEpoch };

        Assert.False(SmtpCourierClient.NeedsSmtpUtf8(envelope, [new EnvelopeRecipient { Address = "x@y.test" }]));
        Assert.True(SmtpCourierClient.NeedsSmtpUtf8(envelope, [new EnvelopeRecipient { Address = "jö@y.test" }]));
        Assert.True(SmtpCourierClient.NeedsSmtpUtf8(envelope with { SmtpUtf8 = true }, []));
    }
}
