using System.Text;

namespace MailAppliance.Core;

/// <summary>
/// Atomic, durable file writes: write a temporary file beside the target, fsync it, rename it over the target,
/// fsync the directory. A reader sees the old content or the new, never half of either (DESIGN.md §3).
/// </summary>
public static class SafeFile
{
    /// <summary>Mode for secrets (private keys, password hashes).</summary>
    public const UnixFileMode Secret = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    /// <summary>Mode for public files.</summary>
    public const UnixFileMode Public = Secret | UnixFileMode.GroupRead | UnixFileMode.OtherRead;

    /// <summary>Writes text atomically.</summary>
    public static void WriteAllText(string path, string content, UnixFileMode mode = Public) =>
        WriteAllBytes(path, Encoding.UTF8.GetBytes(content), mode);

    /// <summary>Writes bytes atomically with the given Unix mode.</summary>
    public static void WriteAllBytes(string path, ReadOnlySpan<byte> content, UnixFileMode mode = Public)
    {
        string directory = Path.GetDirectoryName(Path.GetFullPath(path))!;
        Directory.CreateDirectory(directory);
        string temp = Path.Combine(directory, $".{Path.GetFileName(path)}.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp");
        try
        {
            var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
            if (!OperatingSystem.IsWindows())
            {
                options.UnixCreateMode = mode;
            }

            using (var stream = new FileStream(temp, options))
            {
                stream.Write(content);
                stream.Flush(flushToDisk: true);
            }

            File.Move(temp, path, overwrite: true);
            SyncDirectory(directory);
        }
        catch
        {
            File.Delete(temp);
            throw;
        }
    }

    /// <summary>Makes a rename or create inside <paramref name="directory"/> durable (fsync of the directory).</summary>
    public static void SyncDirectory(string directory)
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        int fd = Native.Open(directory, Native.ORdOnly | Native.ODirectory);
        if (fd < 0)
        {
            return;
        }

        try
        {
            _ = Native.Fsync(fd);
        }
        finally
        {
            _ = Native.Close(fd);
        }
    }
}
