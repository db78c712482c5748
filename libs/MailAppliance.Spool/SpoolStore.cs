using System.Text.Json;

namespace MailAppliance.Spool;

/// <summary>
/// The durable spool under <c>state/queue/</c>. Incoming messages are written to <c>tmp/</c>, renamed to
/// <c>&lt;id&gt;.msg</c> when complete, and acknowledged only after a group commit made them durable.
/// </summary>
public sealed class SpoolStore : IDisposable
{
    private readonly string _tempDirectory;
    private readonly string _invalidDirectory;
    private readonly SpoolReader _reader;

    /// <summary>Opens (creating if needed) the spool in <paramref name="directory"/>.</summary>
    public SpoolStore(string directory, SpoolOptions? options = null)
    {
        Directory = System.IO.Path.GetFullPath(directory);
        Options = options ?? new SpoolOptions();
        _tempDirectory = System.IO.Path.Combine(Directory, "tmp");
        _invalidDirectory = System.IO.Path.Combine(Directory, "invalid");
        _reader = new SpoolReader(Directory);
        System.IO.Directory.CreateDirectory(Directory);
        System.IO.Directory.CreateDirectory(_tempDirectory);
        Committer = new GroupCommitter(Directory, Options.Sync);
    }

    /// <summary>The queue directory.</summary>
    public string Directory { get; }

    /// <summary>The settings in force.</summary>
    public SpoolOptions Options { get; }

    /// <summary>Number of syncs done so far (a group commit counts once).</summary>
    public long Syncs => Committer.Syncs;

    internal GroupCommitter Committer { get; }

    /// <summary>Raised after a message became durable (the queue picks it up at once). Handlers must not block.</summary>
    public event Action<SpooledMessage>? Committed;

    internal void OnCommitted(SpooledMessage message) => Committed?.Invoke(message);

    /// <summary>Removes a delivered (or bounced) message's file.</summary>
    public void Delete(string id)
    {
        if (!QueueId.IsValid(id))
        {
            throw new ArgumentException($"not a queue id: {id}", nameof(id));
        }

        File.Delete(PathOf(id));
    }

    /// <summary>Starts writing a new message under a fresh queue id.</summary>
    public SpoolWriter Create()
    {
        string id = QueueId.New();
        return new SpoolWriter(this, id, System.IO.Path.Combine(_tempDirectory, id));
    }

    /// <summary>Path of the committed file of a message.</summary>
    public string PathOf(string id) => _reader.PathOf(id);

    /// <summary>
    /// Cleans up after a crash: partial writes in <c>tmp/</c> were never acknowledged and are deleted; a queue
    /// file whose footer does not add up (a crash between rename and sync) was never acknowledged either and
    /// is moved to <c>invalid/</c> for inspection rather than delivered.
    /// </summary>
    public RecoveryReport Recover()
    {
        int removed = 0;
        foreach (string temp in System.IO.Directory.EnumerateFiles(_tempDirectory))
        {
            File.Delete(temp);
            removed++;
        }

        int invalid = 0;
        int valid = 0;
        foreach (string path in System.IO.Directory.EnumerateFiles(Directory, "*" + SpoolFileFormat.Extension))
        {
            if (TryRead(path, out _))
            {
                valid++;
                continue;
            }

            System.IO.Directory.CreateDirectory(_invalidDirectory);
            File.Move(path, System.IO.Path.Combine(_invalidDirectory, System.IO.Path.GetFileName(path)), overwrite: true);
            invalid++;
        }

        return new RecoveryReport(valid, removed, invalid);
    }

    /// <summary>Every committed message, oldest first.</summary>
    public IEnumerable<SpooledMessage> List() => _reader.List();

    /// <summary>One committed message, or null.</summary>
    public SpooledMessage? Find(string id) => _reader.Find(id);

    /// <summary>Reads the footer and envelope of a spool file; false when the file is incomplete or unreadable.</summary>
    public static bool TryRead(string path, out SpooledMessage message)
    {
        message = null!;
        try
        {
            using var file = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            long length = RandomAccess.GetLength(file);
            if (length < SpoolFileFormat.MagicLength + SpoolFileFormat.FooterLength)
            {
                return false;
            }

            Span<byte> footer = stackalloc byte[SpoolFileFormat.FooterLength];
            Span<byte> magic = stackalloc byte[SpoolFileFormat.MagicLength];
            if (RandomAccess.Read(file, footer, length - SpoolFileFormat.FooterLength) != footer.Length
                || RandomAccess.Read(file, magic, 0) != magic.Length
                || !magic.SequenceEqual(SpoolFileFormat.Magic)
                || !SpoolFileFormat.TryParseFooter(footer, out long content, out long prefix, out long envelopeLength)
                || SpoolFileFormat.MagicLength + content + prefix + envelopeLength + SpoolFileFormat.FooterLength != length)
            {
                return false;
            }

            byte[] json = new byte[envelopeLength];
            RandomAccess.Read(file, json, length - SpoolFileFormat.FooterLength - envelopeLength);
            var envelope = JsonSerializer.Deserialize(json, SpoolJsonContext.Default.Envelope);
            if (envelope is null)
            {
                return false;
            }

            message = new SpooledMessage(envelope, path, content, prefix);
            return true;
        }
        catch (Exception e) when (e is IOException or JsonException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    /// <inheritdoc />
    public void Dispose() => Committer.Dispose();
}

/// <summary>What <see cref="SpoolStore.Recover"/> found.</summary>
public sealed record RecoveryReport(int Messages, int PartialWritesRemoved, int InvalidFilesSetAside);
