using MailAppliance.Core;

namespace MailAppliance.Accounts;

/// <summary>
/// Keeps a current <see cref="DomainDirectory"/> for a running service: loads it once, then reloads when anything
/// under <c>config/domains</c> changes (a file system watcher, with a short debounce so that an editor's burst of
/// writes is read once), on every <see cref="Reload"/>, and every poll interval as a safety net (file system
/// events can be lost, and the directory may not exist yet). A new snapshot is swapped in atomically; a broken
/// file leaves the last good snapshot in place and is reported, so a typo never takes the service down.
/// </summary>
public sealed class DomainDirectoryWatcher : IDisposable
{
    /// <summary>How long to wait after a change before reloading, unless told otherwise.</summary>
    public static readonly TimeSpan DefaultDebounce = TimeSpan.FromMilliseconds(250);

    /// <summary>How often to reload even without a change event, unless told otherwise (chasquid reloads every 30 s).</summary>
    public static readonly TimeSpan DefaultPollInterval = TimeSpan.FromSeconds(30);

    private readonly string domainsDirectory;
    private readonly AddressNormalization normalization;
    private readonly Action<Exception> onReloadFailed;
    private readonly TimeSpan debounce;
    private readonly Lock reloadLock = new();
    private readonly Timer debounceTimer;
    private readonly Timer pollTimer;
    private DomainDirectory current;
    private FileSystemWatcher? watcher;
    private string? lastReportedFailure;
    private bool disposed;

    /// <summary>Loads the domains once and starts watching.</summary>
    /// <param name="domainsDirectory">The <c>config/domains</c> directory.</param>
    /// <param name="normalization">How recipient local parts are normalized.</param>
    /// <param name="onReloadFailed">
    /// Told about a background reload that failed (once per distinct failure until a reload succeeds); the last
    /// good snapshot stays current. Log it: this is how an operator learns that an edit was not taken.
    /// </param>
    /// <param name="debounce">Delay between a change and the reload; <see cref="DefaultDebounce"/> when null.</param>
    /// <param name="pollInterval">Interval of unconditional reloads; <see cref="DefaultPollInterval"/> when null.</param>
    /// <exception cref="ConfigurationFileException">A file is broken: start-up must stop, naming the file and line.</exception>
    public DomainDirectoryWatcher(
        string domainsDirectory, AddressNormalization normalization, Action<Exception> onReloadFailed,
        TimeSpan? debounce = null, TimeSpan? pollInterval = null)
    {
        this.domainsDirectory = domainsDirectory;
        this.normalization = normalization;
        this.onReloadFailed = onReloadFailed;
        this.debounce = debounce ?? DefaultDebounce;
        current = DomainDirectory.Load(domainsDirectory, normalization);

        debounceTimer = new Timer(_ => ReloadInBackground());
        var interval = pollInterval ?? DefaultPollInterval;
        pollTimer = new Timer(_ => Poll(), null, interval, interval);
        StartWatcherIfPossible();
    }

    /// <summary>Raised after a new snapshot has been swapped in, with that snapshot.</summary>
    public event Action<DomainDirectory>? Reloaded;

    /// <summary>The latest snapshot that loaded without errors.</summary>
    public DomainDirectory Current => Volatile.Read(ref current);

    /// <summary>Reloads now and returns the new snapshot (an admin "reload" request, a test).</summary>
    /// <exception cref="ConfigurationFileException">A file is broken; <see cref="Current"/> keeps the last good snapshot.</exception>
    public DomainDirectory Reload()
    {
        DomainDirectory next;
        lock (reloadLock)
        {
            ObjectDisposedException.ThrowIf(disposed, this);
            next = DomainDirectory.Load(domainsDirectory, normalization);
            Volatile.Write(ref current, next);
            lastReportedFailure = null;
        }

        Reloaded?.Invoke(next);
        return next;
    }

    /// <summary>Stops watching.</summary>
    public void Dispose()
    {
        lock (reloadLock)
        {
            if (disposed)
            {
                return;
            }

            disposed = true;
            watcher?.Dispose();
            watcher = null;
        }

        debounceTimer.Dispose();
        pollTimer.Dispose();
    }

    private void Poll()
    {
        StartWatcherIfPossible();
        ReloadInBackground();
    }

    private void ReloadInBackground()
    {
        if (Volatile.Read(ref disposed))
        {
            return;
        }

        try
        {
            Reload();
        }
        catch (ObjectDisposedException)
        {
            // Disposed while the timer fired: nothing left to reload for.
        }
        catch (Exception e)
        {
            ReportOnce(e);
        }
    }

    private void ReportOnce(Exception e)
    {
        lock (reloadLock)
        {
            // The poll reloads every interval; telling the same failure every 30 s would only bury it.
            if (e.Message == lastReportedFailure)
            {
                return;
            }

            lastReportedFailure = e.Message;
        }

        onReloadFailed(e);
    }

    private void ScheduleReload()
    {
        try
        {
            debounceTimer.Change(debounce, Timeout.InfiniteTimeSpan);
        }
        catch (ObjectDisposedException)
        {
            // An event raced with Dispose.
        }
    }

    private void StartWatcherIfPossible()
    {
        lock (reloadLock)
        {
            if (disposed || watcher is not null || !Directory.Exists(domainsDirectory))
            {
                return;
            }

            var fileSystemWatcher = new FileSystemWatcher(domainsDirectory)
            {
                IncludeSubdirectories = true,
                NotifyFilter = NotifyFilters.FileName | NotifyFilters.DirectoryName | NotifyFilters.LastWrite | NotifyFilters.Size,
            };
            fileSystemWatcher.Changed += (_, _) => ScheduleReload();
            fileSystemWatcher.Created += (_, _) => ScheduleReload();
            fileSystemWatcher.Deleted += (_, _) => ScheduleReload();
            fileSystemWatcher.Renamed += (_, _) => ScheduleReload();

            // A lost event (buffer overflow) or a removed directory: reload anyway, and let the poll start a new
            // watcher if the directory came back.
            fileSystemWatcher.Error += (_, _) =>
            {
                lock (reloadLock)
                {
                    watcher?.Dispose();
                    watcher = null;
                }

                ScheduleReload();
            };
            fileSystemWatcher.EnableRaisingEvents = true;
            watcher = fileSystemWatcher;
        }
    }
}
