using System.Buffers;

namespace MailAppliance.Dkim;

/// <summary>
/// Streaming body canonicalization (RFC 6376 §3.4.3 simple, §3.4.4 relaxed): feed the body in chunks of any size,
/// split anywhere (even between CR and LF), and the canonical octets come out in order. Trailing empty lines are
/// held back as a count, never buffered, so a body of any length uses constant memory.
/// </summary>
public sealed class DkimBodyCanonicalizer
{
    private const int BufferSize = 16 * 1024;

    private readonly DkimCanonicalizationAlgorithm algorithm;
    private readonly Action<ReadOnlySpan<byte>> output;
    private readonly byte[] buffer = new byte[BufferSize];
    private int buffered;
    private long pendingLineEnds;
    private bool pendingCarriageReturn;
    private bool pendingWhitespace;
    private bool anyContent;
    private bool completed;

    /// <summary>Creates a canonicalizer that hands its output to <paramref name="output"/>.</summary>
    public DkimBodyCanonicalizer(DkimCanonicalizationAlgorithm algorithm, Action<ReadOnlySpan<byte>> output)
    {
        this.algorithm = algorithm;
        this.output = output;
    }

    /// <summary>Canonicalizes a whole body at once.</summary>
    public static byte[] Canonicalize(ReadOnlySpan<byte> body, DkimCanonicalizationAlgorithm algorithm)
    {
        var result = new ArrayBufferWriter<byte>(body.Length + 2);
        var canonicalizer = new DkimBodyCanonicalizer(algorithm, chunk => result.Write(chunk));
        canonicalizer.Append(body);
        canonicalizer.Complete();
        return result.WrittenSpan.ToArray();
    }

    /// <summary>Feeds the next octets of the body.</summary>
    public void Append(ReadOnlySpan<byte> body)
    {
        ObjectDisposedException.ThrowIf(completed, this);
        bool relaxed = algorithm == DkimCanonicalizationAlgorithm.Relaxed;
        foreach (byte b in body)
        {
            if (pendingCarriageReturn)
            {
                pendingCarriageReturn = false;
                if (b == (byte)'\n')
                {
                    EndOfLine();
                    continue;
                }

                // A CR not followed by LF is an ordinary octet.
                Content((byte)'\r');
            }

            if (b == (byte)'\r')
            {
                pendingCarriageReturn = true;
            }
            else if (relaxed && b is (byte)' ' or (byte)'\t')
            {
                // RFC 6376 §3.4.4 (a): a WSP run becomes one SP, written only if something follows on the line.
                pendingWhitespace = true;
            }
            else
            {
                Content(b);
            }
        }
    }

    /// <summary>Ends the body: writes the final CRLF the algorithm calls for and flushes the output.</summary>
    public void Complete()
    {
        ObjectDisposedException.ThrowIf(completed, this);
        if (pendingCarriageReturn)
        {
            pendingCarriageReturn = false;
            Content((byte)'\r');
        }

        // Whitespace at the end of the last line is dropped in relaxed (§3.4.4 a); trailing empty lines are dropped
        // in both (§3.4.3, §3.4.4 b). What remains: one CRLF ending the last line.
        // simple: "If there is no body or no trailing CRLF on the message body, a CRLF is added" (§3.4.3).
        // relaxed: "If the body is non-empty but does not end with a CRLF, a CRLF is added" (§3.4.4 b); an empty
        // body stays empty.
        if (algorithm == DkimCanonicalizationAlgorithm.Simple || anyContent)
        {
            Write((byte)'\r');
            Write((byte)'\n');
        }

        Flush();
        completed = true;
    }

    private void EndOfLine()
    {
        // Relaxed: "Ignore all whitespace at the end of lines" (§3.4.4 a).
        pendingWhitespace = false;
        pendingLineEnds++;
    }

    private void Content(byte b)
    {
        // Line ends held back were not trailing after all: they are part of the body.
        for (; pendingLineEnds > 0; pendingLineEnds--)
        {
            Write((byte)'\r');
            Write((byte)'\n');
        }

        if (pendingWhitespace)
        {
            pendingWhitespace = false;
            Write((byte)' ');
        }

        anyContent = true;
        Write(b);
    }

    private void Write(byte b)
    {
        if (buffered == buffer.Length)
        {
            Flush();
        }

        buffer[buffered++] = b;
    }

    private void Flush()
    {
        if (buffered > 0)
        {
            output(buffer.AsSpan(0, buffered));
            buffered = 0;
        }
    }
}
