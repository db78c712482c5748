namespace MailAppliance.Delivery;

/// <summary>
/// Writes message content for the DATA command: a period at the start of a line is doubled (RFC 5321
/// §4.5.2), every other octet is passed as is (no line-end or charset rewriting: DESIGN.md §3 "Byte-exact relay"),
/// and <see cref="CompleteAsync"/> ends the data with CRLF "." CRLF (RFC 5321 §4.1.1.4), adding a CRLF first when
/// the content does not end with one.
/// </summary>
public sealed class DotStuffingWriter
{
    private readonly Stream _output;
    private byte _previous = (byte)'\n';
    private byte _beforePrevious = (byte)'\r';
    private byte[] _buffer = [];

    /// <summary>Writes to <paramref name="output"/>.</summary>
    public DotStuffingWriter(Stream output)
    {
        ArgumentNullException.ThrowIfNull(output);
        _output = output;
    }

    /// <summary>Stuffs <paramref name="input"/> into <paramref name="output"/> (at least twice as long as the input).</summary>
    /// <param name="input">Content octets.</param>
    /// <param name="output">Destination.</param>
    /// <param name="atLineStart">In: whether the input starts a line; out: whether the next input does.</param>
    /// <returns>The number of octets written.</returns>
    public static int Stuff(ReadOnlySpan<byte> input, Span<byte> output, ref bool atLineStart)
    {
        int n = 0;
        foreach (byte b in input)
        {
            // RFC 5321 §4.5.2: "Before sending a line of mail text, the SMTP client checks the first character of
            // the line. If it is a period, one additional period is inserted at the beginning of the line."
            // A bare LF is treated as a line end too, so a receiver that accepts bare LF never sees an end marker.
            if (atLineStart && b == (byte)'.')
            {
                output[n++] = (byte)'.';
            }

            output[n++] = b;
            atLineStart = b == (byte)'\n';
        }

        return n;
    }

    /// <summary>Stuffs a whole message into a new array, with the terminating "." line.</summary>
    public static byte[] StuffMessage(ReadOnlySpan<byte> content)
    {
        using var memory = new MemoryStream();
        var writer = new DotStuffingWriter(memory);
        writer.WriteAsync(content.ToArray()).AsTask().GetAwaiter().GetResult();
        writer.CompleteAsync().AsTask().GetAwaiter().GetResult();
        return memory.ToArray();
    }

    /// <summary>Writes content octets, stuffed.</summary>
    public async ValueTask WriteAsync(ReadOnlyMemory<byte> content, CancellationToken cancellationToken = default)
    {
        if (content.IsEmpty)
        {
            return;
        }

        if (_buffer.Length < content.Length * 2)
        {
            _buffer = new byte[content.Length * 2];
        }

        bool atLineStart = _previous == (byte)'\n';
        int n = Stuff(content.Span, _buffer, ref atLineStart);
        _beforePrevious = content.Length > 1 ? content.Span[^2] : _previous;
        _previous = content.Span[^1];
        await _output.WriteAsync(_buffer.AsMemory(0, n), cancellationToken);
    }

    /// <summary>Ends the data: CRLF if the content did not end with one, then "." CRLF.</summary>
    public async ValueTask CompleteAsync(CancellationToken cancellationToken = default)
    {
        byte[] end = _previous == (byte)'\n' && _beforePrevious == (byte)'\r' ? ".\r\n"u8.ToArray() : "\r\n.\r\n"u8.ToArray();
        await _output.WriteAsync(end, cancellationToken);
    }
}
