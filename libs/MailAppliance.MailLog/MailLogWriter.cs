using System.Globalization;
using System.Text;
using System.Threading.Channels;

namespace MailAppliance.MailLog;

/// <summary>
/// The mail log, <c>state/log/mail.log</c>: one line per event, keyed by queue id, in <c>key=value</c> form so that
/// both grep and programs read it (chasquid's maillog, Postfix's mail.log). Lines are queued and written by one
/// background task, so a session never waits for the log; the log is an audit trail, not a durability
/// mechanism (the spool is). Rotated by size. AUTH secrets never reach it.
/// </summary>
public sealed class MailLogWriter : IAsyncDisposable
{
    private readonly string _path;
    private readonly MailLogOptions _options;
    private readonly Channel<string> _lines = Channel.CreateBounded<string>(new BoundedChannelOptions(100_000)
    {
        FullMode = BoundedChannelFullMode.DropWrite,
        SingleReader = true,
    });
    private readonly Task _writer;
    private readonly TimeProvider _clock;
    private long _dropped;

    public MailLogWriter(string logDirectory, MailLogOptions? options = null, TimeProvider? clock = null)
    {
        _options = options ?? new MailLogOptions();
        _clock = clock ?? TimeProvider.System;
        Directory.CreateDirectory(logDirectory);
        _path = System.IO.Path.Combine(logDirectory, "mail.log");
        _writer = _options.Enabled ? Task.Run(WriteLoopAsync) : Task.CompletedTask;
    }

    /// <summary>The current log file.</summary>
    public string Path => _path;

    /// <summary>
    /// Logs one event: <c>2026-11-27T20:33:14.318Z accepted id=… from=&lt;…&gt; …</c>. Fields with null values are
    /// left out; values with spaces, quotes or '=' are quoted.
    /// </summary>
    public void Write(string @event, params (string Key, object? Value)[] fields)
    {
        if (!_options.Enabled)
        {
            return;
        }

        var line = new StringBuilder(160);
        line.Append(_clock.GetUtcNow().ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture)).Append(' ').Append(@event);
        foreach (var (key, value) in fields)
        {
            if (value is null)
            {
                continue;
            }

            line.Append(' ').Append(key).Append('=');
            AppendValue(line, Convert.ToString(value, CultureInfo.InvariantCulture) ?? string.Empty);
        }

        if (!_lines.Writer.TryWrite(line.ToString()))
        {
            Interlocked.Increment(ref _dropped);
        }
    }

    private static void AppendValue(StringBuilder line, string value)
    {
        bool quote = value.Length == 0 || value.Any(c => c is ' ' or '"' or '=' or '\\' || char.IsControl(c));
        if (!quote)
        {
            line.Append(value);
            return;
        }

        line.Append('"');
        foreach (char c in value)
        {
            switch (c)
            {
                case '"' or '\\':
                    line.Append('\\').Append(c);
                    break;
                case '\r':
                    line.Append("\\r");
                    break;
                case '\n':
                    line.Append("\\n");
                    break;
                default:
                    line.Append(char.IsControl(c) ? '?' : c);
                    break;
            }
        }

        line.Append('"');
    }

    private async Task WriteLoopAsync()
    {
        var reader = _lines.Reader;
        FileStream? file = null;
        try
        {
            file = Open();
            var buffer = new StringBuilder();
            while (await reader.WaitToReadAsync())
            {
                while (reader.TryRead(out string? line))
                {
                    buffer.Append(line).Append('\n');
                }

                long dropped = Interlocked.Exchange(ref _dropped, 0);
                if (dropped > 0)
                {
                    buffer.Append(_clock.GetUtcNow().ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture))
                        .Append(" log-overflow dropped=").Append(dropped).Append('\n');
                }

                byte[] bytes = Encoding.UTF8.GetBytes(buffer.ToString());
                buffer.Clear();
                await file.WriteAsync(bytes);
                await file.FlushAsync();
                if (file.Length >= (long)_options.MaxSizeMiB * 1024 * 1024)
                {
                    await file.DisposeAsync();
                    Rotate();
                    file = Open();
                }
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // The log must never take the relay down; report once on stderr and stop logging.
            await Console.Error.WriteLineAsync($"mail log {_path} stopped: {e.Message}");
        }
        finally
        {
            if (file is not null)
            {
                await file.DisposeAsync();
            }
        }
    }

    private FileStream Open() => new(_path, new FileStreamOptions
    {
        Mode = FileMode.Append,
        Access = FileAccess.Write,
        Share = FileShare.Read | FileShare.Delete,
        UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead,
    });

    private void Rotate()
    {
        for (int i = _options.Keep - 1; i >= 1; i--)
        {
            string from = $"{_path}.{i}";
            if (File.Exists(from))
            {
                File.Move(from, $"{_path}.{i + 1}", overwrite: true);
            }
        }

        if (_options.Keep >= 1)
        {
            File.Move(_path, _path + ".1", overwrite: true);
        }
        else
        {
            File.Delete(_path);
        }
    }

    /// <summary>Writes what is queued and closes the file.</summary>
    public async ValueTask DisposeAsync()
    {
        _lines.Writer.TryComplete();
        await _writer;
    }
}
