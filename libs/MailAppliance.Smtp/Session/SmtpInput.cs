using System.Buffers;
using System.IO.Pipelines;

namespace MailAppliance.Smtp.Session;

/// <summary>Why reading stopped.</summary>
public enum InputEnd
{
    /// <summary>Data is available.</summary>
    None,

    /// <summary>The client closed the connection.</summary>
    Closed,
}

/// <summary>
/// Reads SMTP input from a pipe: bounded command lines, DATA bodies and BDAT chunks. Nothing is buffered beyond
/// the line limit (like Kestrel's start-line parsing): a client cannot make the server hold more. Replies are
/// flushed only when the input holds no further complete command, which batches the replies of a pipelined
/// group (RFC 2920 §3.2) into one write.
/// </summary>
internal sealed class SmtpInput
{
    private readonly Func<ValueTask> _beforeWait;
    private PipeReader _reader;
    private ReadOnlySequence<byte> _buffer;
    private bool _holding;
    private bool _completed;

    public SmtpInput(PipeReader reader, Func<ValueTask> beforeWait)
    {
        _reader = reader;
        _beforeWait = beforeWait;
    }

    /// <summary>Cancels the read in progress when it fires (idle, session and shutdown timeouts).</summary>
    public CancellationToken ReadToken { get; set; }

    /// <summary>Armed before each wait for input.</summary>
    public Action? ArmTimeout { get; set; }

    /// <summary>Disarmed after each wait for input.</summary>
    public Action? DisarmTimeout { get; set; }

    /// <summary>
    /// Drops everything the client has sent but we have not read. RFC 3207 §4.2 and CVE-2011-0411: commands
    /// pipelined behind STARTTLS must not be executed after the handshake.
    /// </summary>
    public void DiscardBuffered() => _buffer = _buffer.Slice(_buffer.End);

    /// <summary>Switches to a new reader (after the TLS handshake). The old one is completed.</summary>
    public async ValueTask ReplaceReaderAsync(PipeReader reader)
    {
        if (_holding)
        {
            _reader.AdvanceTo(_buffer.End);
            _holding = false;
        }

        await _reader.CompleteAsync();
        _reader = reader;
        _buffer = default;
        _completed = false;
    }

    /// <summary>Releases the pipe's buffer.</summary>
    public void Release()
    {
        if (_holding)
        {
            _reader.AdvanceTo(_buffer.End);
            _holding = false;
        }
    }

    /// <summary>
    /// Reads one line (CRLF or bare LF ends a command line; the terminator is not included).
    /// Returns null at end of input; sets <paramref name="tooLong"/> when the line exceeded <paramref name="maxLength"/>
    /// (it is then consumed entirely and discarded).
    /// </summary>
    public async ValueTask<string?> ReadLineAsync(int maxLength, Func<ReadOnlySequence<byte>, string> decode, StrongBox tooLong)
    {
        bool discarding = false;
        while (true)
        {
            if (_holding)
            {
                SequencePosition? lf = _buffer.PositionOf((byte)'\n');
                if (lf is not null)
                {
                    var line = _buffer.Slice(0, lf.Value);
                    _buffer = _buffer.Slice(_buffer.GetPosition(1, lf.Value));
                    if (discarding || line.Length + 1 > maxLength)
                    {
                        tooLong.Value = true;
                        return string.Empty;
                    }

                    if (!line.IsEmpty && EndsWithCr(line))
                    {
                        line = line.Slice(0, line.Length - 1);
                    }

                    return decode(line);
                }

                if (_buffer.Length > maxLength)
                {
                    discarding = true;
                    _buffer = _buffer.Slice(_buffer.End);
                }
            }

            if (!await FillAsync())
            {
                return null;
            }
        }
    }

    /// <summary>Feeds raw input to <paramref name="consume"/> until it reports the end; false when the client went away first.</summary>
    public async ValueTask<bool> ReadUntilAsync(Func<ReadOnlySequence<byte>, (SequencePosition Consumed, bool Done)> consume)
    {
        while (true)
        {
            if (_holding && !_buffer.IsEmpty)
            {
                var (consumed, done) = consume(_buffer);
                _buffer = _buffer.Slice(consumed);
                if (done)
                {
                    return true;
                }
            }

            if (!await FillAsync())
            {
                return false;
            }
        }
    }

    /// <summary>Reads exactly <paramref name="count"/> octets (a BDAT chunk), handing them over piece by piece.</summary>
    public async ValueTask<bool> ReadExactAsync(long count, Action<ReadOnlySequence<byte>> consume)
    {
        while (count > 0)
        {
            if (_holding && !_buffer.IsEmpty)
            {
                long take = Math.Min(count, _buffer.Length);
                consume(_buffer.Slice(0, take));
                _buffer = _buffer.Slice(take);
                count -= take;
                continue;
            }

            if (!await FillAsync())
            {
                return false;
            }
        }

        return true;
    }

    private static bool EndsWithCr(ReadOnlySequence<byte> line)
    {
        var last = line.Slice(line.Length - 1);
        return last.FirstSpan[0] == (byte)'\r';
    }

    private async ValueTask<bool> FillAsync()
    {
        if (_holding)
        {
            // Keep what is unconsumed, and wait for more than what has been examined.
            _reader.AdvanceTo(_buffer.Start, _buffer.End);
            _holding = false;
        }

        if (_completed)
        {
            return false;
        }

        await _beforeWait();
        ArmTimeout?.Invoke();
        ReadResult result;
        try
        {
            result = await _reader.ReadAsync(ReadToken);
        }
        finally
        {
            DisarmTimeout?.Invoke();
        }

        _buffer = result.Buffer;
        _holding = true;
        _completed = result.IsCompleted || result.IsCanceled;
        return !_buffer.IsEmpty || !_completed;
    }
}

/// <summary>A mutable flag passed into async methods (which cannot take ref parameters).</summary>
internal sealed class StrongBox
{
    public bool Value { get; set; }
}
