using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace MailAppliance.Tests.Smtp.Harness;

/// <summary>Keeps every log entry so a test can assert that nothing went wrong on the server side.</summary>
internal sealed class TestLogger : ILogger
{
    private readonly ConcurrentQueue<Entry> _entries = new();

    public IReadOnlyList<Entry> Entries => [.. _entries];

    /// <summary>Entries at Error or above: an engine failure the client may never see.</summary>
    public IReadOnlyList<Entry> Errors => [.. _entries.Where(e => e.Level >= LogLevel.Error)];

    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => true;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
        _entries.Enqueue(new Entry(logLevel, formatter(state, exception), exception));

    public sealed record Entry(LogLevel Level, string Message, Exception? Exception)
    {
        public override string ToString() => $"{Level}: {Message}{(Exception is null ? string.Empty : " " + Exception)}";
    }
}
