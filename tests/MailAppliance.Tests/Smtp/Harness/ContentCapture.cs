using System.Buffers;
using MailAppliance.Smtp.Session;
using MailAppliance.Spool;

namespace MailAppliance.Tests.Smtp.Harness;

/// <summary>
/// Runs a <see cref="ContentSink"/> over a real spool writer (no sync) and reads back what it wrote, so decoder
/// tests see the octets exactly as a message would be stored.
/// </summary>
internal sealed class ContentCapture : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("mailappliance-sink-").FullName;
    private readonly SpoolStore _spool;

    public ContentCapture() => _spool = new SpoolStore(Path.Combine(_root, "queue"), new SpoolOptions { Sync = SyncMode.None });

    /// <summary>Feeds a sink, commits, returns the stored content and the sink for inspection.</summary>
    public async Task<(byte[] Content, ContentSink Sink)> CaptureAsync(Action<ContentSink> feed, long maxSize = long.MaxValue)
    {
        await using var writer = _spool.Create();
        var sink = new ContentSink(writer, maxSize);
        feed(sink);
        sink.Complete();
        await writer.CommitAsync(ReadOnlyMemory<byte>.Empty, new Envelope
        {
            Id = writer.Id,
            MailFrom = string.Empty,
            Recipients = [],
            ReceivedAt = DateTimeOffset.UnixEpoch,
        });
        var message = _spool.Find(writer.Id) ?? throw new InvalidOperationException("not committed");
        using var stream = message.OpenMessage();
        using var copy = new MemoryStream();
        await stream.CopyToAsync(copy);
        File.Delete(message.Path);
        return (copy.ToArray(), sink);
    }

    /// <summary>
    /// Decodes a DATA body handed over in pieces the way <c>SmtpInput</c> does: unconsumed input is handed again
    /// with the next piece. Returns the content, whether the end marker was found and what followed it.
    /// </summary>
    public async Task<DecodeResult> DecodeAsync(byte[] input, IReadOnlyList<int> pieceLengths)
    {
        bool done = false;
        byte[] leftover = [];
        var (content, sink) = await CaptureAsync(sink =>
        {
            var decoder = new DotDecoder();
            byte[] pending = [];
            int offset = 0;
            foreach (int length in pieceLengths.Append(int.MaxValue))
            {
                int take = Math.Min(length, input.Length - offset);
                byte[] buffer = [.. pending, .. input.AsSpan(offset, take)];
                offset += take;
                var sequence = new ReadOnlySequence<byte>(buffer);
                var (consumed, finished) = decoder.Decode(sequence, sink);
                int used = (int)sequence.Slice(0, consumed).Length;
                if (finished)
                {
                    done = true;
                    leftover = [.. buffer.AsSpan(used), .. input.AsSpan(offset)];
                    return;
                }

                pending = buffer[used..];
                if (offset >= input.Length)
                {
                    return;
                }
            }
        });
        return new DecodeResult(content, done, leftover, sink.BareLineEnding);
    }

    /// <summary>Decodes one multi-segment sequence made of the given pieces, in a single call.</summary>
    public async Task<DecodeResult> DecodeSegmentedAsync(byte[] input, IReadOnlyList<int> pieceLengths)
    {
        var sequence = Segments.Create(input, pieceLengths);
        bool done = false;
        byte[] leftover = [];
        var (content, sink) = await CaptureAsync(sink =>
        {
            var (consumed, finished) = new DotDecoder().Decode(sequence, sink);
            done = finished;
            leftover = sequence.Slice(consumed).ToArray();
        });
        return new DecodeResult(content, done, done ? leftover : [], sink.BareLineEnding);
    }

    public void Dispose()
    {
        _spool.Dispose();
        Directory.Delete(_root, recursive: true);
    }
}

internal sealed record DecodeResult(byte[] Content, bool Done, byte[] Leftover, bool BareLineEnding);

/// <summary>Builds multi-segment sequences, as a pipe hands them over.</summary>
internal sealed class Segments : ReadOnlySequenceSegment<byte>
{
    private Segments(ReadOnlyMemory<byte> memory, long runningIndex)
    {
        Memory = memory;
        RunningIndex = runningIndex;
    }

    public static ReadOnlySequence<byte> Create(byte[] input, IReadOnlyList<int> pieceLengths)
    {
        var pieces = new List<ReadOnlyMemory<byte>>();
        int offset = 0;
        foreach (int length in pieceLengths)
        {
            int take = Math.Min(length, input.Length - offset);
            if (take > 0)
            {
                pieces.Add(input.AsMemory(offset, take));
                offset += take;
            }
        }

        if (offset < input.Length || pieces.Count == 0)
        {
            pieces.Add(input.AsMemory(offset));
        }

        var first = new Segments(pieces[0], 0);
        var last = first;
        foreach (var piece in pieces.Skip(1))
        {
            var next = new Segments(piece, last.RunningIndex + last.Memory.Length);
            last.Next = next;
            last = next;
        }

        return new ReadOnlySequence<byte>(first, 0, last, last.Memory.Length);
    }
}
