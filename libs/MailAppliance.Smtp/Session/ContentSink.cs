using System.Buffers;
using MailAppliance.Spool;

namespace MailAppliance.Smtp.Session;

/// <summary>
/// Where decoded message content goes: size limit, line-ending check and header scan, then the spool file.
/// Once the message is known to be refused, content is still read (the client must be allowed to finish)
/// but no longer written.
/// </summary>
internal sealed class ContentSink
{
    private readonly SpoolWriter? _writer;
    private readonly long _maxSize;
    private bool _previousWasCr;

    public ContentSink(SpoolWriter? writer, long maxSize)
    {
        _writer = writer;
        _maxSize = maxSize;
    }

    /// <summary>Octets of content seen.</summary>
    public long Size { get; private set; }

    /// <summary>The message exceeded the size limit.</summary>
    public bool TooBig { get; private set; }

    /// <summary>The message holds a CR not followed by LF, or an LF not preceded by CR (RFC 5321 §2.3.8).</summary>
    public bool BareLineEnding { get; private set; }

    /// <summary>What the header section holds.</summary>
    public HeaderScanner Headers { get; } = new();

    /// <summary>True when content is being discarded.</summary>
    public bool Discarding => _writer is null || TooBig || BareLineEnding;

    public void Write(ReadOnlySpan<byte> data)
    {
        if (data.IsEmpty)
        {
            return;
        }

        Size += data.Length;
        if (Size > _maxSize)
        {
            TooBig = true;
        }

        if (!BareLineEnding)
        {
            CheckLineEndings(data);
        }

        if (Discarding)
        {
            return;
        }

        if (!Headers.Done)
        {
            Headers.Scan(data);
        }

        _writer!.Write(data);
    }

    /// <summary>
    /// Marks the end of the content: a CR as its very last octet is bare as well (only BDAT can end that way;
    /// DATA content always ends with the CRLF before the final dot).
    /// </summary>
    public void Complete()
    {
        if (_previousWasCr)
        {
            BareLineEnding = true;
        }
    }

    public void Write(ReadOnlySequence<byte> data)
    {
        foreach (var segment in data)
        {
            Write(segment.Span);
        }
    }

    private void CheckLineEndings(ReadOnlySpan<byte> data)
    {
        int i = 0;
        if (_previousWasCr && data[0] != (byte)'\n')
        {
            BareLineEnding = true;
            return;
        }

        while (true)
        {
            int next = data[i..].IndexOfAny((byte)'\r', (byte)'\n');
            if (next < 0)
            {
                _previousWasCr = false;
                return;
            }

            i += next;
            if (data[i] == (byte)'\n')
            {
                bool crBefore = i > 0 ? data[i - 1] == (byte)'\r' : _previousWasCr;
                if (!crBefore)
                {
                    BareLineEnding = true;
                    return;
                }
            }
            else if (i + 1 < data.Length && data[i + 1] != (byte)'\n')
            {
                BareLineEnding = true;
                return;
            }

            i++;
            if (i >= data.Length)
            {
                _previousWasCr = data[^1] == (byte)'\r';
                return;
            }
        }
    }
}
