using MailAppliance.Core;

namespace MailAppliance.Spool;

/// <summary>
/// Group commit: sessions that finished writing a message wait here; one thread makes every waiting message
/// durable with a single syncfs(2) (or a directory fsync) and wakes them all. Whoever arrives while a sync runs
/// waits for the next one, so under load many messages share one journal commit, and none is acknowledged
/// before its own sync has completed.
/// </summary>
internal sealed class GroupCommitter : IDisposable
{
    private readonly string _directory;
    private readonly SyncMode _mode;
    private readonly object _gate = new();
    private readonly Thread _thread;
    private List<TaskCompletionSource> _waiting = new();
    private List<TaskCompletionSource> _spare = new();
    private bool _stopping;
    private int _fd = -1;

    public GroupCommitter(string directory, SyncMode mode)
    {
        _directory = directory;
        _mode = mode;
        if (mode != SyncMode.None && !OperatingSystem.IsWindows())
        {
            _fd = Native.Open(directory, Native.ORdOnly | Native.ODirectory);
            if (_fd < 0)
            {
                throw new IOException($"cannot open {directory} to sync it (errno {System.Runtime.InteropServices.Marshal.GetLastPInvokeError()})");
            }
        }

        _thread = new Thread(Run) { IsBackground = true, Name = "spool-commit" };
        _thread.Start();
    }

    /// <summary>Number of syncs done (telemetry).</summary>
    public long Syncs { get; private set; }

    /// <summary>Completes once everything written before the call is durable.</summary>
    public Task WaitDurableAsync()
    {
        if (_mode == SyncMode.None)
        {
            return Task.CompletedTask;
        }

        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_stopping, this);
            _waiting.Add(done);
            Monitor.Pulse(_gate);
        }

        return done.Task;
    }

    private void Run()
    {
        while (true)
        {
            List<TaskCompletionSource> batch;
            lock (_gate)
            {
                while (_waiting.Count == 0 && !_stopping)
                {
                    Monitor.Wait(_gate);
                }

                if (_waiting.Count == 0)
                {
                    return;
                }

                batch = _waiting;
                _waiting = _spare;
            }

            Exception? failure = Sync();
            foreach (var waiter in batch)
            {
                if (failure is null)
                {
                    waiter.TrySetResult();
                }
                else
                {
                    waiter.TrySetException(failure);
                }
            }

            batch.Clear();
            lock (_gate)
            {
                _spare = batch;
            }
        }
    }

    private Exception? Sync()
    {
        Syncs++;
        int rc = _mode switch
        {
            SyncMode.Syncfs => Native.Syncfs(_fd),
            _ => Native.Fsync(_fd), // Fsync mode: files were fsynced by their writers; this commits the renames.
        };
        return rc == 0 ? null : new IOException($"sync of {_directory} failed (errno {System.Runtime.InteropServices.Marshal.GetLastPInvokeError()})");
    }

    public void Dispose()
    {
        lock (_gate)
        {
            _stopping = true;
            Monitor.PulseAll(_gate);
        }

        _thread.Join();
        if (_fd >= 0)
        {
            _ = Native.Close(_fd);
            _fd = -1;
        }
    }
}
