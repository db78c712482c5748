using System.Text.Json;

namespace MailAppliance.Spool;

/// <summary>
/// Streams one incoming message into the spool. Content goes straight to a temporary file as it arrives (a
/// message is never held whole in memory); <see cref="CommitAsync"/> finishes the file, moves it into the queue
/// and returns once it is durable. Until then nothing is acknowledged, and <see cref="DisposeAsync"/> without a
/// commit removes every trace.
/// </summary>
public sealed class SpoolWriter : IAsyncDisposable
{
    private readonly SpoolStore _store;
    private readonly string _tempPath;
    private FileStream? _file;
    private bool _committed;

    internal SpoolWriter(SpoolStore store, string id, string tempPath)
    {
        _store = store;
        Id = id;
        _tempPath = tempPath;
        _file = new FileStream(tempPath, new FileStreamOptions
        {
            Mode = FileMode.CreateNew,
            Access = FileAccess.Write,
            BufferSize = 16 * 1024,
            UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite,
        });
        _file.Write(SpoolFileFormat.Magic);
    }

    /// <summary>The queue id of the message being written.</summary>
    public string Id { get; }

    /// <summary>Content octets written so far.</summary>
    public long ContentLength { get; private set; }

    /// <summary>Appends message content.</summary>
    public void Write(ReadOnlySpan<byte> content)
    {
        ObjectDisposedException.ThrowIf(_file is null, this);
        _file.Write(content);
        ContentLength += content.Length;
    }

    /// <summary>Appends up to <paramref name="count"/> octets read from <paramref name="source"/> (all of it by default).</summary>
    public async Task CopyFromAsync(Stream source, long count = long.MaxValue, CancellationToken cancellationToken = default)
    {
        byte[] buffer = System.Buffers.ArrayPool<byte>.Shared.Rent(64 * 1024);
        try
        {
            while (count > 0)
            {
                int read = await source.ReadAsync(buffer.AsMemory(0, (int)Math.Min(buffer.Length, count)), cancellationToken);
                if (read == 0)
                {
                    return;
                }

                Write(buffer.AsSpan(0, read));
                count -= read;
            }
        }
        finally
        {
            System.Buffers.ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>
    /// Reads back the content written so far (for signing before the commit). The writer's buffer is flushed to
    /// the kernel first; nothing is synced.
    /// </summary>
    public Stream OpenContent()
    {
        ObjectDisposedException.ThrowIf(_file is null, this);
        _file.Flush(flushToDisk: false);
        var reader = new FileStream(_tempPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, 16 * 1024);
        return new SpoolMessageStream(reader, SpoolFileFormat.MagicLength, ContentLength, prefixLength: 0);
    }

    /// <summary>
    /// Writes the prepended header fields and the envelope, makes the file durable and moves it into the queue.
    /// Returns only when the message would survive a crash: the caller may then answer 250.
    /// </summary>
    public async Task CommitAsync(ReadOnlyMemory<byte> prefix, Envelope envelope)
    {
        ObjectDisposedException.ThrowIf(_file is null, this);
        var committed = envelope with { Id = Id, Size = ContentLength };
        byte[] json = JsonSerializer.SerializeToUtf8Bytes(committed, SpoolJsonContext.Default.Envelope);
        _file.Write(prefix.Span);
        _file.Write(json);
        _file.Write(SpoolFileFormat.Footer(ContentLength, prefix.Length, json.Length));
        _file.Flush(flushToDisk: _store.Options.Sync == SyncMode.Fsync);
        await _file.DisposeAsync();
        _file = null;
        File.Move(_tempPath, _store.PathOf(Id));
        _committed = true;
        await _store.Committer.WaitDurableAsync();
        _store.OnCommitted(new SpooledMessage(committed, _store.PathOf(Id), ContentLength, prefix.Length));
    }

    /// <summary>Closes the writer; without a commit the partial file is deleted.</summary>
    public async ValueTask DisposeAsync()
    {
        if (_file is not null)
        {
            await _file.DisposeAsync();
            _file = null;
        }

        if (!_committed)
        {
            File.Delete(_tempPath);
        }
    }
}
