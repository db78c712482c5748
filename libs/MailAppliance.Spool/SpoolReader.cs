namespace MailAppliance.Spool;

/// <summary>
/// Read-only access to a spool directory, for tools (mailctl) and the admin API: lists committed messages
/// without opening the spool for writing.
/// </summary>
public sealed class SpoolReader
{
    /// <summary>Reads the spool in <paramref name="directory"/> (which need not exist).</summary>
    public SpoolReader(string directory) => Directory = Path.GetFullPath(directory);

    /// <summary>The queue directory.</summary>
    public string Directory { get; }

    /// <summary>Path of the committed file of a message.</summary>
    public string PathOf(string id) => Path.Combine(Directory, id + SpoolFileFormat.Extension);

    /// <summary>Every committed message, oldest first (queue ids sort by arrival).</summary>
    public IEnumerable<SpooledMessage> List()
    {
        if (!System.IO.Directory.Exists(Directory))
        {
            yield break;
        }

        foreach (string path in System.IO.Directory.EnumerateFiles(Directory, "*" + SpoolFileFormat.Extension).Order(StringComparer.Ordinal))
        {
            if (SpoolStore.TryRead(path, out var message))
            {
                yield return message;
            }
        }
    }

    /// <summary>One committed message, or null.</summary>
    public SpooledMessage? Find(string id) =>
        QueueId.IsValid(id) && SpoolStore.TryRead(PathOf(id), out var message) ? message : null;
}
