using System.Buffers.Text;
using System.Globalization;
using System.Text;

namespace MailAppliance.Spool;

/// <summary>
/// Layout of one spool file, <c>queue/&lt;id&gt;.msg</c>:
/// <code>
/// MAILAPPLIANCE-SPOOL 1\n          magic (20 octets)
/// content                          the message exactly as received (dot-unstuffed, CRLF line ends)
/// prefix                           header fields this hop prepends (Received, Message-ID, DKIM-Signature, ...)
/// envelope                         UTF-8 JSON of <see cref="Envelope"/>
/// \nMAEND cccccccccccccccc pppppppppppppppp eeeeeeeeeeeeeeee\n   footer: lengths in hex (58 octets)
/// </code>
/// The prefix and envelope are written last because they are complete only at the end of DATA; the footer is
/// written last of all, so a file whose footer is missing or does not add up was never acknowledged.
/// On the wire the message is prefix + content: the content is never re-serialized (DESIGN.md §3, byte-exact).
/// </summary>
public static class SpoolFileFormat
{
    /// <summary>The first line of every spool file.</summary>
    public static ReadOnlySpan<byte> Magic => "MAILAPPLIANCE-SPOOL 1\n"u8;

    /// <summary>Length of <see cref="Magic"/>.</summary>
    public const int MagicLength = 22;

    /// <summary>Length of the footer.</summary>
    public const int FooterLength = 58;

    /// <summary>Suffix of a committed spool file.</summary>
    public const string Extension = ".msg";

    /// <summary>Writes the footer for the given section lengths.</summary>
    public static byte[] Footer(long contentLength, long prefixLength, long envelopeLength) =>
        Encoding.ASCII.GetBytes(string.Create(CultureInfo.InvariantCulture,
            $"\nMAEND {contentLength:x16} {prefixLength:x16} {envelopeLength:x16}\n"));

    /// <summary>Parses a footer; false when it is not one.</summary>
    public static bool TryParseFooter(ReadOnlySpan<byte> footer, out long contentLength, out long prefixLength, out long envelopeLength)
    {
        contentLength = prefixLength = envelopeLength = 0;
        if (footer.Length != FooterLength || !footer.StartsWith("\nMAEND "u8) || footer[^1] != (byte)'\n'
            || footer[23] != (byte)' ' || footer[40] != (byte)' ')
        {
            return false;
        }

        return Utf8Parser.TryParse(footer.Slice(7, 16), out contentLength, out int a, 'x') && a == 16
            && Utf8Parser.TryParse(footer.Slice(24, 16), out prefixLength, out int b, 'x') && b == 16
            && Utf8Parser.TryParse(footer.Slice(41, 16), out envelopeLength, out int c, 'x') && c == 16;
    }
}
