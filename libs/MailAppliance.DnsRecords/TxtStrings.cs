using System.Text;

namespace MailAppliance.DnsRecords;

/// <summary>TXT character-strings (RFC 1035 §3.3.14): a length octet, then at most 255 octets each.</summary>
public static class TxtStrings
{
    /// <summary>The most octets one character-string holds (RFC 1035 §3.3.14).</summary>
    public const int MaxLength = 255;

    /// <summary>
    /// Cuts <paramref name="text"/> into strings of at most 255 octets (UTF-8), never inside a character. Receivers of
    /// SPF (RFC 7208 §3.3), DKIM (RFC 6376 §3.6.2.2) and DMARC join them without separator.
    /// </summary>
    public static IReadOnlyList<string> Split(string text)
    {
        var strings = new List<string>();
        var current = new StringBuilder();
        int octets = 0;
        foreach (var rune in text.EnumerateRunes())
        {
            int length = rune.Utf8SequenceLength;
            if (octets + length > MaxLength)
            {
                strings.Add(current.ToString());
                current.Clear();
                octets = 0;
            }

            current.Append(rune.ToString());
            octets += length;
        }

        if (current.Length > 0 || strings.Count == 0)
        {
            strings.Add(current.ToString());
        }

        return strings;
    }

    /// <summary>A character-string in zone-file form: quoted, with backslash and quote escaped (RFC 1035 §5.1).</summary>
    public static string Quote(string text) => "\"" + text.Replace("\\", "\\\\").Replace("\"", "\\\"") + "\"";
}
