namespace MailAppliance.Dkim;

/// <summary>Splits a header section into its fields, keeping every octet (RFC 5322 §2.2, §3.6).</summary>
public static class DkimHeaderSection
{
    /// <summary>
    /// Parses a header section: the octets before the empty line that starts the body (CRLF line ends, as on the
    /// wire and in the spool). A trailing empty line, if given, ends the section.
    /// </summary>
    /// <exception cref="DkimFormatException">The section starts with a continuation line, or a line has no colon.</exception>
    public static IReadOnlyList<DkimHeaderField> Parse(ReadOnlyMemory<byte> section)
    {
        var fields = new List<DkimHeaderField>();
        var span = section.Span;
        int fieldStart = -1;
        int colon = -1;
        string name = string.Empty;
        int position = 0;
        while (position < span.Length)
        {
            int newline = span[position..].IndexOf((byte)'\n');
            int lineEnd = newline < 0 ? span.Length : position + newline + 1;
            var line = span[position..lineEnd];
            if (line.SequenceEqual("\r\n"u8))
            {
                // The empty line: end of the header section.
                break;
            }

            if (line[0] is (byte)' ' or (byte)'\t')
            {
                // RFC 5322 §2.2.3: a line starting with WSP continues the field above it.
                if (fieldStart < 0)
                {
                    throw new DkimFormatException("the header section starts with a continuation line");
                }
            }
            else
            {
                if (fieldStart >= 0)
                {
                    fields.Add(new DkimHeaderField(name, section[fieldStart..position], colon));
                }

                int lineColon = line.IndexOf((byte)':');
                if (lineColon <= 0)
                {
                    throw new DkimFormatException($"the header line '{Printable(line)}' has no field name and colon");
                }

                // RFC 5322 §4.5 (obsolete syntax) allows WSP before the colon (RFC 6376 §3.4.5 example "B : Y").
                name = System.Text.Encoding.Latin1.GetString(line[..lineColon]).TrimEnd(' ', '\t');
                if (name.Length == 0 || name.Any(c => c <= ' ' || c > '~'))
                {
                    throw new DkimFormatException($"the header line '{Printable(line)}' has an invalid field name");
                }

                fieldStart = position;
                colon = lineColon;
            }

            position = lineEnd;
        }

        if (fieldStart >= 0)
        {
            fields.Add(new DkimHeaderField(name, section[fieldStart..position], colon));
        }

        return fields;
    }

    private static string Printable(ReadOnlySpan<byte> line)
    {
        string text = System.Text.Encoding.Latin1.GetString(line[..Math.Min(line.Length, 60)]);
        return string.Concat(text.Where(c => c >= ' ' && c <= '~'));
    }
}
