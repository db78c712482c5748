using System.Buffers;

namespace MailAppliance.Smtp.Session;

/// <summary>
/// Decodes a DATA body (RFC 5321 §4.1.1.4, §4.5.2): removes dot-stuffing and finds the end marker.
/// The message ends only at CRLF "." CRLF: a bare LF or bare CR never starts a line, so "\n.\n", "\r.\r" and
/// friends cannot end the message (SMTP smuggling). They are passed on as content, where
/// <see cref="ContentSink"/> finds and rejects them.
/// </summary>
internal sealed class DotDecoder
{
    private enum State
    {
        LineStart,
        Dot,
        DotCr,
        Middle,
        Cr,
    }

    // DATA starts at the beginning of a line (right after the "354" reply).
    private State _state = State.LineStart;

    /// <summary>Decodes as much input as possible; returns how far it consumed and whether the end was found.</summary>
    public (SequencePosition Consumed, bool Done) Decode(ReadOnlySequence<byte> input, ContentSink sink)
    {
        long consumed = 0;
        foreach (var memory in input)
        {
            var span = memory.Span;
            int i = 0;
            while (i < span.Length)
            {
                switch (_state)
                {
                    case State.Middle:
                    {
                        int stop = span[i..].IndexOfAny((byte)'\r', (byte)'\n');
                        if (stop < 0)
                        {
                            sink.Write(span[i..]);
                            i = span.Length;
                            break;
                        }

                        if (span[i + stop] == (byte)'\r')
                        {
                            sink.Write(span.Slice(i, stop));
                            _state = State.Cr;
                        }
                        else
                        {
                            // Bare LF: content, not a line end.
                            sink.Write(span.Slice(i, stop + 1));
                        }

                        i += stop + 1;
                        break;
                    }

                    case State.Cr:
                        if (span[i] == (byte)'\n')
                        {
                            sink.Write("\r\n"u8);
                            _state = State.LineStart;
                            i++;
                        }
                        else
                        {
                            // Bare CR: content; the next octet is read as part of the same line.
                            sink.Write("\r"u8);
                            _state = State.Middle;
                        }

                        break;

                    case State.LineStart:
                        if (span[i] == (byte)'.')
                        {
                            _state = State.Dot;
                            i++;
                        }
                        else
                        {
                            _state = State.Middle;
                        }

                        break;

                    case State.Dot:
                        if (span[i] == (byte)'\r')
                        {
                            _state = State.DotCr;
                            i++;
                        }
                        else
                        {
                            // A leading dot is removed (RFC 5321 §4.5.2); what follows is line content.
                            _state = State.Middle;
                        }

                        break;

                    case State.DotCr:
                        if (span[i] == (byte)'\n')
                        {
                            return (input.GetPosition(consumed + i + 1), true);
                        }

                        // ".\r" then not LF: the dot was stuffing, the CR is bare content.
                        sink.Write("\r"u8);
                        _state = State.Middle;
                        break;
                }
            }

            consumed += span.Length;
        }

        return (input.End, false);
    }
}
