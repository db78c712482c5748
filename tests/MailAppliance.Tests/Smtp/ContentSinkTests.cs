using MailAppliance.Smtp.Session;
using MailAppliance.Tests.Smtp.Harness;

namespace MailAppliance.Tests.Smtp;

/// <summary>The content sink: bare CR/LF detection (RFC 5321 §2.3.8) wherever the chunks split, the size limit.</summary>
public class ContentSinkTests
{
    private static ContentSink Feed(byte[] data, IEnumerable<int> pieces, long maxSize = long.MaxValue)
    {
        var sink = new ContentSink(null, maxSize);
        int offset = 0;
        foreach (int piece in pieces)
        {
            int take = Math.Min(piece, data.Length - offset);
            sink.Write(data.AsSpan(offset, take));
            offset += take;
        }

        sink.Write(data.AsSpan(offset));
        sink.Complete();
        return sink;
    }

    [Theory]
    [InlineData(@"a\r\nb\r\n", false)]
    [InlineData(@"\r\n", false)]
    [InlineData(@"", false)]
    [InlineData(@"a\nb", true)]
    [InlineData(@"\n", true)]
    [InlineData(@"a\rb", true)]
    [InlineData(@"a\r", true)]
    [InlineData(@"\r", true)]
    [InlineData(@"a\r\r\n", true)]
    [InlineData(@"a\r\n\n", true)]
    [InlineData(@"a\n\r", true)]
    [InlineData(@"\r\n\r\n\r\n", false)]
    public void Bare_line_endings_are_found_however_the_content_is_split(string text, bool bare)
    {
        byte[] data = SmtpDialog.Unescape(text);
        Assert.Equal(bare, Feed(data, []).BareLineEnding);
        Assert.Equal(bare, Feed(data, Enumerable.Repeat(1, data.Length)).BareLineEnding);
        for (int cut = 0; cut <= data.Length; cut++)
        {
            Assert.Equal(bare, Feed(data, [cut]).BareLineEnding);
            Assert.Equal(bare, Feed(data, [cut, 0, 1]).BareLineEnding);
        }
    }

    [Fact]
    public void A_crlf_split_across_chunks_is_not_bare_and_a_split_cr_then_other_is()
    {
        var sink = new ContentSink(null, long.MaxValue);
        sink.Write("Subject: x\r"u8);
        sink.Write(ReadOnlySpan<byte>.Empty);
        sink.Write("\n\r"u8);
        sink.Write("\nbody\r"u8);
        Assert.False(sink.BareLineEnding);
        sink.Write("\n"u8);
        sink.Complete();
        Assert.False(sink.BareLineEnding);

        var bare = new ContentSink(null, long.MaxValue);
        bare.Write("line\r"u8);
        Assert.False(bare.BareLineEnding); // Not yet known: the next chunk may start with LF.
        bare.Write("x"u8);
        Assert.True(bare.BareLineEnding);
        Assert.True(bare.Discarding);
    }

    [Fact]
    public void Random_content_in_random_pieces_matches_a_plain_scan()
    {
        var random = new Random(4242);
        byte[] alphabet = "\r\n\r\nab"u8.ToArray();
        for (int round = 0; round < 2000; round++)
        {
            var data = new byte[random.Next(0, 24)];
            for (int i = 0; i < data.Length; i++)
            {
                data[i] = alphabet[random.Next(alphabet.Length)];
            }

            bool expected = DotDecoderTests.HasBareLineEnding(data);
            Assert.Equal(expected, Feed(data, DotDecoderTests.RandomPieces(random, data.Length)).BareLineEnding);
        }
    }

    [Fact]
    public void The_size_limit_is_enforced_while_writing()
    {
        var sink = new ContentSink(null, 10);
        sink.Write("12345"u8);
        sink.Write("67890"u8);
        Assert.False(sink.TooBig);
        Assert.Equal(10, sink.Size);
        sink.Write("1"u8);
        Assert.True(sink.TooBig);
        Assert.True(sink.Discarding);
        sink.Write("more"u8);
        Assert.Equal(15, sink.Size); // Still counted, never stored.
    }

    [Fact]
    public async Task Content_goes_to_the_spool_writer_and_the_header_scanner()
    {
        using var capture = new ContentCapture();
        var (content, sink) = await capture.CaptureAsync(sink =>
        {
            sink.Write("Message-"u8);
            sink.Write("ID: <a@b>\r\nDa"u8);
            sink.Write("te: now\r\n\r\nReceived: body\r\n"u8);
        });

        Assert.Equal("Message-ID: <a@b>\r\nDate: now\r\n\r\nReceived: body\r\n"u8.ToArray(), content);
        Assert.False(sink.Discarding);
        Assert.True(sink.Headers.Done);
        Assert.True(sink.Headers.HasMessageId);
        Assert.True(sink.Headers.HasDate);
        Assert.Equal(0, sink.Headers.ReceivedCount);
    }

    [Fact]
    public async Task Content_after_the_limit_is_not_stored()
    {
        using var capture = new ContentCapture();
        var (content, sink) = await capture.CaptureAsync(sink =>
        {
            sink.Write("0123456789"u8);
            sink.Write("abc"u8);
            sink.Write("def"u8);
        }, maxSize: 12);

        Assert.True(sink.TooBig);
        Assert.Equal("0123456789"u8.ToArray(), content);
    }
}
