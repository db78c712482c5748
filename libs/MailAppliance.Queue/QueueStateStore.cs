using System.Text.Json;
using MailAppliance.Spool;

namespace MailAppliance.Queue;

/// <summary>
/// Reads and writes <c>&lt;id&gt;.state</c> beside each spool file. A state file is replaced by rename, so a
/// crash leaves the old or the new one, never half of one. It is not fsynced: after a power loss an older state
/// can only cause a repeated attempt, never a lost message (the spool file itself was synced before 250).
/// </summary>
public sealed class QueueStateStore
{
    /// <summary>Extension of the state files.</summary>
    public const string Extension = ".state";

    /// <summary>Opens the state files of the spool in <paramref name="directory"/>.</summary>
    public QueueStateStore(string directory) => Directory = Path.GetFullPath(directory);

    /// <summary>The queue directory.</summary>
    public string Directory { get; }

    /// <summary>Path of the state file of <paramref name="id"/>.</summary>
    public string PathOf(string id) => Path.Combine(Directory, id + Extension);

    /// <summary>The saved state of a message, or null when none was saved yet (or it is unreadable).</summary>
    public QueueItemState? Load(string id)
    {
        try
        {
            byte[] json = File.ReadAllBytes(PathOf(id));
            var state = JsonSerializer.Deserialize(json, QueueJsonContext.Default.QueueItemState);
            return state is not null && state.Id == id ? state : null;
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException or JsonException)
        {
            return null;
        }
    }

    /// <summary>The initial state of a message: every envelope recipient pending, due now.</summary>
    public static QueueItemState Initial(Envelope envelope, DateTimeOffset now) => new()
    {
        Id = envelope.Id,
        NextAttempt = now,
        Recipients = [.. envelope.Recipients.Select(r => new RecipientState
        {
            Address = r.Address, Notify = r.Notify, OriginalRecipient = r.OriginalRecipient,
        })],
    };

    /// <summary>Replaces the state file (write to a temporary name, then rename).</summary>
    public void Save(QueueItemState state)
    {
        string path = PathOf(state.Id);
        string temp = path + ".tmp";
        byte[] json = JsonSerializer.SerializeToUtf8Bytes(state, QueueJsonContext.Default.QueueItemState);
        File.WriteAllBytes(temp, json);
        File.Move(temp, path, overwrite: true);
    }

    /// <summary>Removes the state file of a finished message.</summary>
    public void Delete(string id) => File.Delete(PathOf(id));

    /// <summary>State files whose spool file is gone (a crash between the two deletes); removed at start.</summary>
    public int RemoveOrphans(Func<string, bool> messageExists)
    {
        int removed = 0;
        foreach (string path in System.IO.Directory.EnumerateFiles(Directory, "*" + Extension + "*"))
        {
            string name = Path.GetFileName(path);
            string id = name[..name.IndexOf('.', StringComparison.Ordinal)];
            if (name.EndsWith(".tmp", StringComparison.Ordinal) || !messageExists(id))
            {
                File.Delete(path);
                removed++;
            }
        }

        return removed;
    }
}
