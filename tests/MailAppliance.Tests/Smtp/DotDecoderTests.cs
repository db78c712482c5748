using System.Text;
using MailAppliance.Tests.Smtp.Harness;

namespace MailAppliance.Tests.Smtp;

/// <summary>
/// The DATA decoder (RFC 5321 §4.5.2): however the input is split, it finds the same end and yields the same octets
/// as fed whole, and only CRLF "." CRLF ends the message.
/// </summary>
public sealed class DotDecoderTests : IDisposable
{
    private readonly ContentCapture _capture = new();

    public void Dispose() => _capture.Dispose();

    [Theory]
    [InlineData(@".\r\n", "", "")]
    [InlineData(@".\r\nQUIT\r\n", "", @"QUIT\r\n")]
    [InlineData(@"a\r\n.\r\n", @"a\r\n", "")]
    [InlineData(@"..x\r\n.\r\n", @".x\r\n", "")]
    [InlineData(@"..\r\n.\r\n", @".\r\n", "")]
    [InlineData(@"...\r\n.\r\n", @"..\r\n", "")]
    [InlineData(@"a.\r\n.b\r\n.\r\n", @"a.\r\nb\r\n", "")]
    [InlineData(@"\r\n\r\n.\r\n", @"\r\n\r\n", "")]
    [InlineData(@"a\n.\nb\r\n.\r\nX", @"a\n.\nb\r\n", "X")]
    [InlineData(@"a\r.\rb\r\n.\r\n", @"a\r.\rb\r\n", "")]
    [InlineData(@"a\n.\r\nb\r\n.\r\n", @"a\n.\r\nb\r\n", "")]
    [InlineData(@"a\r\n.\nb\r\n.\r\n", @"a\r\n\nb\r\n", "")]
    [InlineData(@"a\r\n.\rb\r\n.\r\n", @"a\r\n\rb\r\n", "")]
    [InlineData(@".\rx\r\n.\r\n", @"\rx\r\n", "")]
    [InlineData(@"a\r\r\n.\r\n", @"a\r\r\n", "")]
    [InlineData(@".\r\r\n.\r\n", @"\r\r\n", "")]
    [InlineData(@"a\r\n.\r\n.\r\n", @"a\r\n", @".\r\n")]
    public async Task Known_inputs(string input, string content, string leftover)
    {
        byte[] bytes = SmtpDialog.Unescape(input);
        byte[] expectedContent = SmtpDialog.Unescape(content);
        var expected = new DecodeResult(expectedContent, true, SmtpDialog.Unescape(leftover), HasBareLineEnding(expectedContent));
        AssertMatches(expected, await DecodeAsync(bytes, [bytes.Length]), "whole");
        AssertMatches(expected, await DecodeAsync(bytes, Enumerable.Repeat(1, bytes.Length).ToArray()), "byte by byte");
        for (int cut = 0; cut <= bytes.Length; cut++)
        {
            AssertMatches(expected, await DecodeAsync(bytes, [cut]), $"cut at {cut}");
            AssertMatches(expected, await DecodeSegmentedAsync(bytes, [cut]), $"segments cut at {cut}");
        }
    }

    [Theory]
    [InlineData(@"")]
    [InlineData(@"a")]
    [InlineData(@"a\r\n.")]
    [InlineData(@"a\r\n.\r")]
    [InlineData(@"a\n.\n")]
    [InlineData(@"a\r.\r")]
    [InlineData(@"a\n.\r\n")]
    [InlineData(@"a\r\n.\n")]
    [InlineData(@"\r\n.\rX")]
    public async Task Inputs_without_the_end_marker_never_end(string input)
    {
        byte[] bytes = SmtpDialog.Unescape(input);
        Assert.False((await DecodeAsync(bytes, [bytes.Length])).Done);
        Assert.False((await DecodeAsync(bytes, Enumerable.Repeat(1, bytes.Length).ToArray())).Done);
        Assert.False((await DecodeSegmentedAsync(bytes, Enumerable.Repeat(1, bytes.Length).ToArray())).Done);
    }

    [Fact]
    public async Task Random_inputs_decode_the_same_whole_byte_by_byte_and_in_random_splits()
    {
        var random = new Random(20261127);
        byte[] alphabet = "..\r\r\n\nab"u8.ToArray();
        for (int round = 0; round < 250; round++)
        {
            var body = new byte[random.Next(0, 40)];
            for (int i = 0; i < body.Length; i++)
            {
                body[i] = alphabet[random.Next(alphabet.Length)];
            }

            byte[] input = [.. body, .. "\r\n.\r\nTAIL"u8];
            var expected = Reference(input);
            string shown = Encoding.ASCII.GetString(input).Replace("\r", "\\r").Replace("\n", "\\n");
            AssertMatches(expected, await DecodeAsync(input, [input.Length]), $"whole, input '{shown}'");
            AssertMatches(expected, await DecodeAsync(input, Enumerable.Repeat(1, input.Length).ToArray()), $"byte by byte, input '{shown}'");
            int[] cuts = RandomPieces(random, input.Length);
            AssertMatches(expected, await DecodeAsync(input, cuts), $"pieces {string.Join(',', cuts)}, input '{shown}'");
            AssertMatches(expected, await DecodeSegmentedAsync(input, cuts), $"segments {string.Join(',', cuts)}, input '{shown}'");
        }
    }

    /// <summary>
    /// An independent statement of RFC 5321 §4.5.2: split at CRLF; a line "." ends; a leading dot is removed.
    /// Bare CR and LF stay inside lines as content.
    /// </summary>
    private static DecodeResult Reference(byte[] input)
    {
        var content = new List<byte>();
        int position = 0;
        while (true)
        {
            int end = input.AsSpan(position).IndexOf("\r\n"u8);
            if (end < 0)
            {
                throw new InvalidOperationException("reference inputs always hold the end marker");
            }

            var line = input.AsSpan(position, end);
            position += end + 2;
            if (line.SequenceEqual("."u8))
            {
                bool bare = content.Count > 0 && HasBareLineEnding([.. content]);
                return new DecodeResult([.. content], true, input[position..], bare);
            }

            content.AddRange(line.StartsWith("."u8) ? line[1..].ToArray() : line.ToArray());
            content.AddRange("\r\n"u8.ToArray());
        }
    }

    /// <summary>A CR not followed by LF or an LF not preceded by CR.</summary>
    internal static bool HasBareLineEnding(byte[] data)
    {
        for (int i = 0; i < data.Length; i++)
        {
            if (data[i] == '\r' && (i + 1 == data.Length || data[i + 1] != '\n'))
            {
                return true;
            }

            if (data[i] == '\n' && (i == 0 || data[i - 1] != '\r'))
            {
                return true;
            }
        }

        return false;
    }

    internal static int[] RandomPieces(Random random, int length)
    {
        var pieces = new List<int>();
        for (int left = length; left > 0;)
        {
            int piece = Math.Min(left, random.Next(0, 6));
            pieces.Add(piece);
            left -= piece;
        }

        return [.. pieces];
    }

    private Task<DecodeResult> DecodeAsync(byte[] input, int[] pieces) => _capture.DecodeAsync(input, pieces);

    private Task<DecodeResult> DecodeSegmentedAsync(byte[] input, int[] pieces) => _capture.DecodeSegmentedAsync(input, pieces);

    /// <summary>
    /// Same end, same leftover, same verdict on line endings, same octets. Once a bare CR or LF is seen the sink stops
    /// storing (the message will be refused), so for such content only a prefix of the decoded octets is stored.
    /// </summary>
    private static void AssertMatches(DecodeResult expected, DecodeResult actual, string because)
    {
        Assert.True(expected.Done == actual.Done, $"end found: expected {expected.Done}, {because}");
        Assert.True(expected.Leftover.AsSpan().SequenceEqual(actual.Leftover), $"leftover differs, {because}");
        Assert.True(expected.BareLineEnding == actual.BareLineEnding, $"bare line ending: expected {expected.BareLineEnding}, {because}");
        Assert.True(
            expected.BareLineEnding ? expected.Content.AsSpan().StartsWith(actual.Content) : expected.Content.AsSpan().SequenceEqual(actual.Content),
            $"content '{Encoding.ASCII.GetString(actual.Content)}' vs expected '{Encoding.ASCII.GetString(expected.Content)}', {because}");
    }
}
