using System.Text;

namespace MailAppliance.AuthResults;

/// <summary>Where one header field is in a raw header section: byte offset and length, its CRLF included.</summary>
/// <param name="Start">The offset of the field's first byte (the field name).</param>
/// <param name="Length">The bytes of the field, continuation lines and the final CRLF included.</param>
public readonly record struct HeaderFieldRange(int Start, int Length)
{
    /// <summary>The offset just after the field.</summary>
    public int End => Start + Length;
}

/// <summary>
/// Finds Authentication-Results fields that claim this host's authserv-id in a message as it arrived. Such fields
/// are forged (or left from a loop): RFC 8601 §5 says a border MTA MUST remove or rename them before adding its own,
/// so that what downstream readers trust was written by us. Works on raw bytes so the rest of the message stays
/// byte-exact (DESIGN.md §3 "Byte-exact relay").
/// </summary>
public static class ForgedAuthenticationResults
{
    /// <summary>
    /// The fields of the header section (the bytes up to the empty line; a whole message may be given) named
    /// Authentication-Results whose authserv-id equals <paramref name="authservId"/> (case-insensitive, RFC 8601 §2.5;
    /// a trailing dot ignored), in order.
    /// </summary>
    public static IReadOnlyList<HeaderFieldRange> Find(ReadOnlySpan<byte> message, string authservId)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(authservId);
        string ours = authservId.TrimEnd('.');
        var found = new List<HeaderFieldRange>();
        foreach (var field in Fields(message))
        {
            var bytes = message.Slice(field.Start, field.Length);
            int colon = bytes.IndexOf((byte)':');
            if (colon <= 0)
            {
                continue;
            }

            string name = Encoding.ASCII.GetString(bytes[..colon]).TrimEnd(' ', '\t');
            if (!name.Equals(AuthenticationResultsBuilder.FieldName, StringComparison.OrdinalIgnoreCase))
            {
                continue;
            }

            string? id = AuthservIdOf(Encoding.UTF8.GetString(bytes[(colon + 1)..]));
            if (id is not null && string.Equals(id.TrimEnd('.'), ours, StringComparison.OrdinalIgnoreCase))
            {
                found.Add(field);
            }
        }

        return found;
    }

    /// <summary>The message without the given fields (the ranges from <see cref="Find"/>); everything else byte for byte.</summary>
    public static byte[] Remove(ReadOnlySpan<byte> message, IReadOnlyList<HeaderFieldRange> fields)
    {
        ArgumentNullException.ThrowIfNull(fields);
        var output = new byte[message.Length - fields.Sum(f => f.Length)];
        int written = 0, position = 0;
        foreach (var field in fields.OrderBy(f => f.Start))
        {
            message[position..field.Start].CopyTo(output.AsSpan(written));
            written += field.Start - position;
            position = field.End;
        }

        message[position..].CopyTo(output.AsSpan(written));
        return output;
    }

    /// <summary>
    /// The authserv-id of a field value (§2.2: <c>[CFWS] authserv-id [CFWS authres-version] ...</c>): the first
    /// token or quoted-string after any comments and white space; null when there is none.
    /// </summary>
    internal static string? AuthservIdOf(string value)
    {
        int i = SkipCfws(value, 0);
        if (i >= value.Length)
        {
            return null;
        }

        if (value[i] == '"')
        {
            var quoted = new StringBuilder();
            for (i++; i < value.Length && value[i] != '"'; i++)
            {
                if (value[i] == '\\' && i + 1 < value.Length)
                {
                    i++;
                }

                quoted.Append(value[i]);
            }

            return quoted.ToString();
        }

        int start = i;
        while (i < value.Length && value[i] is > ' ' and not ';' and not '(' and not '"')
        {
            i++;
        }

        return i > start ? value[start..i] : null;
    }

    private static int SkipCfws(string value, int i)
    {
        int depth = 0;
        for (; i < value.Length; i++)
        {
            char c = value[i];
            if (depth > 0)
            {
                if (c == '\\')
                {
                    i++;
                }
                else if (c == '(')
                {
                    depth++;
                }
                else if (c == ')')
                {
                    depth--;
                }

                continue;
            }

            if (c == '(')
            {
                depth++;
            }
            else if (c is not (' ' or '\t' or '\r' or '\n'))
            {
                return i;
            }
        }

        return i;
    }

    /// <summary>The fields of the header section: each starts at a line not beginning with SP/HTAB.</summary>
    private static List<HeaderFieldRange> Fields(ReadOnlySpan<byte> message)
    {
        var fields = new List<HeaderFieldRange>();
        int position = 0;
        int fieldStart = -1;
        while (position < message.Length)
        {
            int lineFeed = message[position..].IndexOf((byte)'\n');
            int lineEnd = lineFeed < 0 ? message.Length : position + lineFeed + 1;
            var line = message[position..lineEnd];
            bool empty = line.Length == 0 || line[0] == (byte)'\n' || (line.Length >= 2 && line[0] == (byte)'\r' && line[1] == (byte)'\n');
            bool continuation = !empty && line[0] is (byte)' ' or (byte)'\t';
            if (!continuation)
            {
                if (fieldStart >= 0)
                {
                    fields.Add(new HeaderFieldRange(fieldStart, position - fieldStart));
                    fieldStart = -1;
                }

                if (empty)
                {
                    // The empty line ends the header section (RFC 5322 §2.1).
                    return fields;
                }

                fieldStart = position;
            }

            position = lineEnd;
        }

        if (fieldStart >= 0)
        {
            fields.Add(new HeaderFieldRange(fieldStart, position - fieldStart));
        }

        return fields;
    }
}
