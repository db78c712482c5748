namespace MailAppliance.Spool;

/// <summary>How the spool makes messages durable before the 250 reply.</summary>
public enum SyncMode
{
    /// <summary>
    /// Group commit with syncfs(2): every message written since the last commit is made durable by one call,
    /// so many concurrent sessions share one journal commit. Linux only. The default.
    /// </summary>
    Syncfs,

    /// <summary>fsync(2) of each message file, then one fsync of the queue directory per batch. Portable.</summary>
    Fsync,

    /// <summary>No sync at all. Loses acknowledged mail on a crash: for benchmarks of everything else only.</summary>
    None,
}

/// <summary>Settings of the <c>Spool</c> section.</summary>
public sealed class SpoolOptions
{
    /// <summary>The configuration section.</summary>
    public const string Section = "Spool";

    /// <summary>How messages are made durable. Default <see cref="SyncMode.Syncfs"/> on Linux.</summary>
    public SyncMode Sync { get; set; } = OperatingSystem.IsLinux() ? SyncMode.Syncfs : SyncMode.Fsync;
}
