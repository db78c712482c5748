using System.Buffers;

namespace MailAppliance.Dkim;

/// <summary>Header field canonicalization (RFC 6376 §3.4.1, §3.4.2).</summary>
public static class DkimHeaderCanonicalizer
{
    /// <summary>A field canonicalized and terminated with a single CRLF, as it enters the header hash (RFC 6376 §3.7).</summary>
    public static byte[] Canonicalize(DkimHeaderField field, DkimCanonicalizationAlgorithm algorithm)
    {
        var output = new ArrayBufferWriter<byte>(field.Raw.Length + 2);
        Write(output, field.Raw.Span[..field.Colon], field.RawValue.Span, algorithm);
        output.Write("\r\n"u8);
        return output.WrittenSpan.ToArray();
    }

    /// <summary>
    /// Writes a field's name, colon and value canonicalized, without a final CRLF.
    /// </summary>
    /// <param name="output">Where to write.</param>
    /// <param name="name">The raw octets before the colon (may end with WSP: obsolete syntax).</param>
    /// <param name="value">The raw octets after the colon, without the field's final CRLF.</param>
    /// <param name="algorithm">simple or relaxed.</param>
    public static void Write(IBufferWriter<byte> output, ReadOnlySpan<byte> name, ReadOnlySpan<byte> value, DkimCanonicalizationAlgorithm algorithm)
    {
        if (algorithm == DkimCanonicalizationAlgorithm.Simple)
        {
            // RFC 6376 §3.4.1: "Header fields MUST be presented ... exactly as they are in the message".
            output.Write(name);
            output.Write(":"u8);
            output.Write(value);
            return;
        }

        // RFC 6376 §3.4.2, in order: lowercase the name; unfold; collapse WSP runs to one SP; delete WSP at the end
        // of the value; delete WSP before and after the colon.
        name = TrimWsp(name);
        var nameBuffer = output.GetSpan(name.Length);
        for (int i = 0; i < name.Length; i++)
        {
            nameBuffer[i] = name[i] is >= (byte)'A' and <= (byte)'Z' ? (byte)(name[i] | 0x20) : name[i];
        }

        output.Advance(name.Length);
        output.Write(":"u8);

        var buffer = output.GetSpan(value.Length);
        int written = 0;
        bool pendingSpace = false;
        for (int i = 0; i < value.Length; i++)
        {
            byte b = value[i];
            if (b == (byte)'\r' && i + 1 < value.Length && value[i + 1] == (byte)'\n')
            {
                // Unfold: a CRLF inside the value is folding; the WSP after it is collapsed below.
                i++;
                continue;
            }

            if (b is (byte)' ' or (byte)'\t')
            {
                pendingSpace = true;
                continue;
            }

            if (pendingSpace && written > 0)
            {
                buffer[written++] = (byte)' ';
            }

            // WSP right after the colon is dropped: it is only written before a later non-WSP octet.
            pendingSpace = false;
            buffer[written++] = b;
        }

        output.Advance(written);
    }

    private static ReadOnlySpan<byte> TrimWsp(ReadOnlySpan<byte> span)
    {
        int start = 0;
        int end = span.Length;
        while (start < end && span[start] is (byte)' ' or (byte)'\t')
        {
            start++;
        }

        while (end > start && span[end - 1] is (byte)' ' or (byte)'\t')
        {
            end--;
        }

        return span[start..end];
    }
}
