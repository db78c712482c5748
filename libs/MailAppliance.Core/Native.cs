using System.Runtime.InteropServices;

namespace MailAppliance.Core;

/// <summary>The few libc calls .NET does not expose: directory fsync and syncfs (group commit).</summary>
public static partial class Native
{
    /// <summary>O_RDONLY.</summary>
    public const int ORdOnly = 0;

    /// <summary>O_DIRECTORY (Linux).</summary>
    public const int ODirectory = 0x10000;

    /// <summary>open(2).</summary>
    [LibraryImport("libc", EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int Open(string path, int flags);

    /// <summary>fsync(2).</summary>
    [LibraryImport("libc", EntryPoint = "fsync", SetLastError = true)]
    public static partial int Fsync(int fd);

    /// <summary>syncfs(2): commits every dirty page and metadata change of the file system holding fd.</summary>
    [LibraryImport("libc", EntryPoint = "syncfs", SetLastError = true)]
    public static partial int Syncfs(int fd);

    /// <summary>close(2).</summary>
    [LibraryImport("libc", EntryPoint = "close", SetLastError = true)]
    public static partial int Close(int fd);

    /// <summary>geteuid(2).</summary>
    [LibraryImport("libc", EntryPoint = "geteuid")]
    public static partial uint GetEuid();
}
