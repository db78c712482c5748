using System.Collections.Concurrent;
using System.Net;

namespace MailAppliance.Smtp.Policy;

/// <summary>
/// Counts failed AUTH attempts per client IP address and per account over a window; past the limits AUTH is
/// refused with a temporary error before any password is checked, so guessing costs the guesser time and
/// costs us no hashing.
/// </summary>
public sealed class AuthThrottle
{
    private readonly ConcurrentDictionary<string, Window> _failures = new(StringComparer.OrdinalIgnoreCase);
    private readonly int _maxPerIp;
    private readonly int _maxPerAccount;
    private readonly TimeSpan _window;
    private readonly TimeProvider _clock;

    public AuthThrottle(int maxPerIp, int maxPerAccount, TimeSpan window, TimeProvider? clock = null)
    {
        _maxPerIp = maxPerIp;
        _maxPerAccount = maxPerAccount;
        _window = window;
        _clock = clock ?? TimeProvider.System;
    }

    /// <summary>True when this IP address or account may not try again yet.</summary>
    public bool IsBlocked(IPAddress client, string? account) =>
        Count("ip:" + client) >= _maxPerIp || (account is not null && Count("acct:" + account) >= _maxPerAccount);

    /// <summary>Records a failed attempt.</summary>
    public void RecordFailure(IPAddress client, string? account)
    {
        Add("ip:" + client);
        if (account is not null)
        {
            Add("acct:" + account);
        }

        if (_failures.Count > 100_000)
        {
            Prune();
        }
    }

    private int Count(string key)
    {
        if (!_failures.TryGetValue(key, out var window))
        {
            return 0;
        }

        lock (window)
        {
            return _clock.GetUtcNow() - window.Start > _window ? 0 : window.Count;
        }
    }

    private void Add(string key)
    {
        var window = _failures.GetOrAdd(key, _ => new Window(_clock.GetUtcNow()));
        lock (window)
        {
            var now = _clock.GetUtcNow();
            if (now - window.Start > _window)
            {
                window.Start = now;
                window.Count = 0;
            }

            window.Count++;
        }
    }

    private void Prune()
    {
        var now = _clock.GetUtcNow();
        foreach (var (key, window) in _failures)
        {
            if (now - window.Start > _window)
            {
                _failures.TryRemove(key, out _);
            }
        }
    }

    private sealed class Window(DateTimeOffset start)
    {
        public DateTimeOffset Start { get; set; } = start;

        public int Count { get; set; }
    }
}
