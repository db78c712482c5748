namespace MailAppliance.Dkim;

/// <summary>
/// Finds the end of the header section in a message (RFC 5322 §2.1: the first empty line). The message is CRLF
/// text, as on the wire and in the spool.
/// </summary>
public static class DkimMessageReader
{
    /// <summary>The largest header section read by default (1 MiB): far above real mail, small enough to hold.</summary>
    public const int DefaultMaxHeaderLength = 1024 * 1024;

    /// <summary>Splits a message held in memory.</summary>
    public static DkimMessageStart Split(ReadOnlyMemory<byte> message)
    {
        int end = HeaderEnd(message.Span);
        return end < 0
            ? new DkimMessageStart(message, ReadOnlyMemory<byte>.Empty)
            : new DkimMessageStart(message[..end], message[Math.Min(message.Length, end + 2)..]);
    }

    /// <summary>
    /// Reads a message stream up to the end of its header section. The stream is left just after the octets
    /// returned in <see cref="DkimMessageStart.BodyStart"/>: the body is that, then the rest of the stream.
    /// </summary>
    /// <exception cref="DkimFormatException">The header section is longer than <paramref name="maxHeaderLength"/>.</exception>
    public static async Task<DkimMessageStart> ReadHeaderSectionAsync(
        Stream message, int maxHeaderLength = DefaultMaxHeaderLength, CancellationToken cancellationToken = default)
    {
        byte[] buffer = new byte[Math.Min(maxHeaderLength + 4, 64 * 1024)];
        int length = 0;
        while (true)
        {
            if (length == buffer.Length)
            {
                if (buffer.Length >= maxHeaderLength + 4)
                {
                    throw new DkimFormatException($"the header section is longer than {maxHeaderLength} octets");
                }

                Array.Resize(ref buffer, Math.Min(buffer.Length * 2, maxHeaderLength + 4));
            }

            int read = await message.ReadAsync(buffer.AsMemory(length), cancellationToken);
            int searchFrom = Math.Max(0, length - 3);
            length += read;
            int end = HeaderEnd(buffer.AsSpan(0, length), searchFrom);
            if (end >= 0)
            {
                return new DkimMessageStart(buffer.AsMemory(0, end), buffer.AsMemory(end + 2, length - end - 2));
            }

            if (read == 0)
            {
                // No empty line: the whole message is a header section, the body is empty.
                return new DkimMessageStart(buffer.AsMemory(0, length), ReadOnlyMemory<byte>.Empty);
            }
        }
    }

    /// <summary>
    /// The length of the header section (its last CRLF included, the empty line excluded), or -1 when there is no
    /// empty line. A message starting with CRLF has an empty header section.
    /// </summary>
    private static int HeaderEnd(ReadOnlySpan<byte> message, int searchFrom = 0)
    {
        if (message.StartsWith("\r\n"u8))
        {
            return 0;
        }

        int found = message[searchFrom..].IndexOf("\r\n\r\n"u8);
        return found < 0 ? -1 : searchFrom + found + 2;
    }
}

/// <summary>A message split at the end of its header section.</summary>
/// <param name="HeaderSection">The header fields, each with its CRLF; without the empty line.</param>
/// <param name="BodyStart">The body octets read so far (after the empty line).</param>
public readonly record struct DkimMessageStart(ReadOnlyMemory<byte> HeaderSection, ReadOnlyMemory<byte> BodyStart);
