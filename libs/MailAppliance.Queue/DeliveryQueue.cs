using System.Diagnostics;
using MailAppliance.Delivery;
using MailAppliance.MailLog;
using MailAppliance.Spool;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace MailAppliance.Queue;

/// <summary>
/// The queue: delivers each spooled message at once, retries temporary failures with a growing jittered backoff,
/// gives up after the lifetime, and writes DSNs (RFC 3464). Per-recipient state lives on disk beside the spool file
/// (<see cref="QueueStateStore"/>); in memory there is only an id and a due time per message, so the queue's size is
/// bounded by the disk, not by memory. The courier only reports; the queue alone decides (DESIGN.md §3).
/// </summary>
public sealed class DeliveryQueue : IAsyncDisposable
{
    private readonly SpoolStore _spool;
    private readonly QueueStateStore _states;
    private readonly ICourier _courier;
    private readonly QueueOptions _options;
    private readonly DsnWriter _dsn;
    private readonly RetrySchedule _schedule;
    private readonly MailLogWriter? _mailLog;
    private readonly ILogger _logger;
    private readonly TimeProvider _clock;
    private readonly object _lock = new();
    private readonly Dictionary<string, Entry> _entries = new(StringComparer.Ordinal);
    private readonly PriorityQueue<Entry, DateTimeOffset> _due = new();
    private readonly SemaphoreSlim _wake = new(0);
    private readonly SemaphoreSlim _slots;
    private readonly Dictionary<string, SemaphoreSlim> _destinations = new(StringComparer.OrdinalIgnoreCase);
    private readonly CancellationTokenSource _stop = new();
    private readonly List<Task> _running = [];
    private readonly AliasExpander? _expander;
    private Task? _dispatcher;

    /// <summary>Creates the queue over <paramref name="spool"/>. Call <see cref="Start"/> to begin delivering.</summary>
    public DeliveryQueue(SpoolStore spool, ICourier courier, QueueOptions options, DsnWriter dsn, MailLogWriter? mailLog = null,
        ILogger? logger = null, TimeProvider? clock = null, Random? random = null, AliasExpander? expander = null)
    {
        _expander = expander;
        _spool = spool;
        _states = new QueueStateStore(spool.Directory);
        _courier = courier;
        _options = options;
        _dsn = dsn;
        _schedule = new RetrySchedule(options, random);
        _mailLog = mailLog;
        _logger = logger ?? NullLogger.Instance;
        _clock = clock ?? TimeProvider.System;
        _slots = new SemaphoreSlim(Math.Max(1, options.MaxConcurrentDeliveries));
        QueueTelemetry.Meter.CreateObservableGauge("mailappliance.queue.depth", () => (long)Count, "{message}", "Messages in the queue");
        QueueTelemetry.Meter.CreateObservableGauge("mailappliance.queue.oldest_age", () => OldestAge().TotalSeconds, "s", "Age of the oldest queued message");
    }

    /// <summary>Messages in the queue (held ones included).</summary>
    public int Count
    {
        get
        {
            lock (_lock)
            {
                return _entries.Count;
            }
        }
    }

    /// <summary>The state files.</summary>
    public QueueStateStore States => _states;

    /// <summary>Loads what is spooled, subscribes to new commits, and starts delivering.</summary>
    public void Start()
    {
        int orphans = _states.RemoveOrphans(id => File.Exists(_spool.PathOf(id)));
        if (orphans > 0)
        {
            _logger.LogInformation("queue: removed {Count} state file(s) whose message was already gone", orphans);
        }

        _spool.Committed += Enqueue;
        foreach (var message in _spool.List())
        {
            var state = _states.Load(message.Id);
            Schedule(message.Id, message.Envelope.ReceivedAt, state?.NextAttempt ?? _clock.GetUtcNow(), state?.Held ?? false);
        }

        _logger.LogInformation("queue: {Count} message(s) to deliver", Count);
        if (_options.Paused)
        {
            _logger.LogWarning("queue: paused (Queue:Paused): mail is accepted and kept, but not delivered");
            return;
        }

        _dispatcher = Task.Run(DispatchAsync);
    }

    /// <summary>Stops taking new work and waits up to <paramref name="grace"/> for attempts in progress, then cancels them.</summary>
    public async Task StopAsync(TimeSpan grace)
    {
        _spool.Committed -= Enqueue;
        Task[] running;
        lock (_lock)
        {
            _stopping = true;
            running = [.. _running];
        }

        Wake();
        if (_dispatcher is not null)
        {
            await _dispatcher;
        }

        // Attempts in progress finish within the grace period; after that they are cancelled and count as not made.
        var all = Task.WhenAll(running);
        if (await Task.WhenAny(all, Task.Delay(grace)) != all)
        {
            await _stop.CancelAsync();
        }

        try
        {
            await all;
        }
        catch (OperationCanceledException)
        {
        }
    }

    private bool _stopping;

    /// <summary>Takes a newly committed message (called by the spool after it became durable).</summary>
    public void Enqueue(SpooledMessage message) => Schedule(message.Id, message.Envelope.ReceivedAt, _clock.GetUtcNow(), held: false);

    /// <summary>What the queue holds: each message with its envelope and state, oldest first.</summary>
    public IReadOnlyList<QueuedMessage> List()
    {
        string[] ids;
        lock (_lock)
        {
            ids = [.. _entries.Keys];
        }

        var list = new List<QueuedMessage>();
        foreach (string id in ids.Order(StringComparer.Ordinal))
        {
            if (Find(id) is { } message)
            {
                list.Add(message);
            }
        }

        return list;
    }

    /// <summary>One message with its state, or null.</summary>
    public QueuedMessage? Find(string id)
    {
        if (!QueueId.IsValid(id))
        {
            return null;
        }

        var message = _spool.Find(id);
        if (message is null)
        {
            return null;
        }

        var state = _states.Load(id) ?? QueueStateStore.Initial(message.Envelope, message.Envelope.ReceivedAt);
        bool running;
        lock (_lock)
        {
            running = _entries.TryGetValue(id, out var entry) && entry.Running;
        }

        return new QueuedMessage(message.Envelope, state, running);
    }

    /// <summary>Makes a message (not held) due now. False when it is not queued.</summary>
    public bool Retry(string id)
    {
        lock (_lock)
        {
            if (!_entries.TryGetValue(id, out var entry))
            {
                return false;
            }

            if (!entry.Held)
            {
                entry.Due = _clock.GetUtcNow();
                _due.Enqueue(entry, entry.Due);
            }
        }

        Wake();
        return true;
    }

    /// <summary>Makes every message that is not held due now; returns how many.</summary>
    public int RetryAll()
    {
        string[] ids;
        lock (_lock)
        {
            ids = [.. _entries.Values.Where(e => !e.Held).Select(e => e.Id)];
        }

        return ids.Count(Retry);
    }

    /// <summary>Holds a message: no attempt until released. The hold survives restarts.</summary>
    public bool Hold(string id) => SetHeld(id, true);

    /// <summary>Releases a held message and makes it due now.</summary>
    public bool Release(string id) => SetHeld(id, false) && Retry(id);

    /// <summary>Removes a message from the queue without delivering it or sending a DSN. False when unknown or being delivered.</summary>
    public bool Delete(string id)
    {
        lock (_lock)
        {
            if (!_entries.TryGetValue(id, out var entry) || entry.Running)
            {
                return false;
            }

            _entries.Remove(id);
        }

        _spool.Delete(id);
        _states.Delete(id);
        _mailLog?.Write("deleted", ("id", id));
        return true;
    }

    private bool SetHeld(string id, bool held)
    {
        var message = _spool.Find(id);
        lock (_lock)
        {
            if (message is null || !_entries.TryGetValue(id, out var entry))
            {
                return false;
            }

            var state = _states.Load(id) ?? QueueStateStore.Initial(message.Envelope, _clock.GetUtcNow());
            state.Held = held;
            _states.Save(state);
            entry.Held = held;
            _mailLog?.Write(held ? "held" : "released", ("id", id));
            return true;
        }
    }

    private void Schedule(string id, DateTimeOffset receivedAt, DateTimeOffset due, bool held)
    {
        lock (_lock)
        {
            if (!_entries.TryGetValue(id, out var entry))
            {
                entry = new Entry(id, receivedAt);
                _entries.Add(id, entry);
            }

            entry.Due = due;
            entry.Held = held;
            if (!held)
            {
                _due.Enqueue(entry, due);
            }
        }

        Wake();
    }

    private TimeSpan OldestAge()
    {
        lock (_lock)
        {
            return _entries.Count == 0 ? TimeSpan.Zero : _clock.GetUtcNow() - _entries.Values.Min(e => e.ReceivedAt);
        }
    }

    private async Task DispatchAsync()
    {
        while (true)
        {
            await _slots.WaitAsync();
            Entry? entry = null;
            while (entry is null)
            {
                TimeSpan wait;
                lock (_lock)
                {
                    if (_stopping)
                    {
                        _slots.Release();
                        return;
                    }

                    entry = TakeDue(out wait);
                }

                if (entry is null)
                {
                    await _wake.WaitAsync(wait);
                }
            }

            Task task = Task.Run(() => ProcessGuardedAsync(entry));
            lock (_lock)
            {
                _running.Add(task);
            }
        }
    }

    /// <summary>The next due entry, or null and how long to wait for one. Stale heap items (rescheduled, held, removed) are skipped.</summary>
    private Entry? TakeDue(out TimeSpan wait)
    {
        var now = _clock.GetUtcNow();
        while (_due.TryPeek(out var entry, out var due))
        {
            if (!_entries.TryGetValue(entry.Id, out var current) || current != entry || entry.Held || entry.Running || entry.Due != due)
            {
                _due.Dequeue();
                continue;
            }

            if (due > now)
            {
                wait = Min(due - now, TimeSpan.FromMinutes(1));
                return null;
            }

            _due.Dequeue();
            entry.Running = true;
            wait = TimeSpan.Zero;
            return entry;
        }

        wait = TimeSpan.FromMinutes(1);
        return null;
    }

    private static TimeSpan Min(TimeSpan a, TimeSpan b) => a < b ? a : b;

    /// <summary>
    /// Wakes the dispatcher. One pending wake-up is enough (it re-reads the schedule), so the count never grows
    /// with a burst of new messages and the dispatcher does not spin through stale wake-ups.
    /// </summary>
    private void Wake()
    {
        if (_wake.CurrentCount == 0)
        {
            _wake.Release();
        }
    }

    private async Task ProcessGuardedAsync(Entry entry)
    {
        try
        {
            await ProcessAsync(entry);
        }
        catch (OperationCanceledException) when (_stop.IsCancellationRequested)
        {
            // Shutting down: the attempt counts as not made; the state on disk is unchanged.
        }
        catch (Exception e)
        {
            // Never lose the message over a bug or a disk error: log it and try again later.
            _logger.LogError(e, "queue: processing {Id} failed; it stays queued", entry.Id);
            lock (_lock)
            {
                entry.Due = _clock.GetUtcNow() + _schedule.DelayAfter(1);
                _due.Enqueue(entry, entry.Due);
            }
        }
        finally
        {
            lock (_lock)
            {
                entry.Running = false;
                _running.RemoveAll(t => t.IsCompleted);
            }

            _slots.Release();
            Wake();
        }
    }

    private async Task ProcessAsync(Entry entry)
    {
        var message = _spool.Find(entry.Id);
        if (message is null)
        {
            Forget(entry);
            _states.Delete(entry.Id);
            return;
        }

        var state = _states.Load(entry.Id) ?? InitialState(message.Envelope);
        if (state.Held)
        {
            lock (_lock)
            {
                entry.Held = true;
            }

            return;
        }

        var pending = state.Recipients.Where(r => r.Status == RecipientStatus.Pending).ToList();
        var attempts = pending.GroupBy(r => DomainOf(r.Address), StringComparer.OrdinalIgnoreCase)
            .Select(group => AttemptAsync(message, group.Key, [.. group]));
        var outcomes = (await Task.WhenAll(attempts)).SelectMany(o => o).ToList();

        var now = _clock.GetUtcNow();
        state.Attempts++;
        var failed = new List<DsnRecipient>();
        var relayed = new List<DsnRecipient>();
        foreach (var (recipient, outcome) in outcomes)
        {
            recipient.Attempts++;
            recipient.LastAttempt = now;
            recipient.LastResult = outcome.Detail;
            recipient.LastStatusCode = outcome.StatusCode;
            recipient.RemoteMta = outcome.RemoteMta;
            recipient.RemoteReply = outcome.DiagnosticCode;
            switch (outcome.Status)
            {
                case DeliveryStatus.Delivered:
                    recipient.Status = RecipientStatus.Delivered;
                    QueueTelemetry.Attempts.Add(1, new KeyValuePair<string, object?>("outcome", "delivered"));
                    QueueTelemetry.Latency.Record((now - message.Envelope.ReceivedAt).TotalSeconds);
                    _mailLog?.Write("delivered", ("id", message.Id), ("to", recipient.Address), ("relay", outcome.RemoteMta), ("reply", outcome.Detail), ("tls", outcome.Tls));
                    // RFC 3461 §5.2.2: a server without DSN cannot report success, so we do ("relayed").
                    if (Notifies(recipient, "SUCCESS") && !outcome.RemoteSupportsDsn)
                    {
                        relayed.Add(new DsnRecipient(recipient, outcome.StatusCode));
                    }

                    break;
                case DeliveryStatus.PermanentFailure:
                    recipient.Status = RecipientStatus.Failed;
                    QueueTelemetry.Attempts.Add(1, new KeyValuePair<string, object?>("outcome", "bounced"));
                    _mailLog?.Write("bounced", ("id", message.Id), ("to", recipient.Address), ("relay", outcome.RemoteMta), ("reply", outcome.Detail), ("tls", outcome.Tls));
                    failed.Add(new DsnRecipient(recipient, outcome.StatusCode));
                    break;
                default:
                    QueueTelemetry.Attempts.Add(1, new KeyValuePair<string, object?>("outcome", "deferred"));
                    _mailLog?.Write("deferred", ("id", message.Id), ("to", recipient.Address), ("relay", outcome.RemoteMta), ("reply", outcome.Detail), ("tls", outcome.Tls));
                    break;
            }
        }

        var expires = message.Envelope.ReceivedAt + _options.MaxLifetime;
        if (now >= expires)
        {
            // RFC 5321 §4.5.4.1: give up after the lifetime; 4.4.7 is "delivery time expired" (RFC 3463).
            foreach (var recipient in state.Recipients.Where(r => r.Status == RecipientStatus.Pending))
            {
                recipient.Status = RecipientStatus.Failed;
                recipient.LastResult = $"gave up after {_options.MaxLifetime.TotalHours:0.#} hours; last result: {recipient.LastResult}";
                _mailLog?.Write("expired", ("id", message.Id), ("to", recipient.Address), ("reply", recipient.LastResult));
                failed.Add(new DsnRecipient(recipient, "4.4.7"));
            }
        }

        // DSNs are spooled (durably) before the state records the decision: a crash in between repeats a DSN
        // rather than losing it.
        await SendDsnAsync(message, DsnAction.Failed, [.. failed.Where(f => Notifies(f.Recipient, "FAILURE", byDefault: true))], now);
        await SendDsnAsync(message, DsnAction.Relayed, relayed, now);
        if (!state.DelayNotified && !state.IsFinished && now - message.Envelope.ReceivedAt >= _options.DelayWarningAfter)
        {
            // One delay DSN per message (RFC 3461 §4.1 DELAY), for the recipients whose NOTIFY allows it.
            await SendDsnAsync(message, DsnAction.Delayed, [.. state.Recipients
                .Where(r => r.Status == RecipientStatus.Pending && Notifies(r, "DELAY", byDefault: true))
                .Select(r => new DsnRecipient(r, r.LastStatusCode is { } code && code.StartsWith('4') ? code : "4.0.0"))], now, expires);
            state.DelayNotified = true;
        }

        if (state.IsFinished)
        {
            _spool.Delete(message.Id);
            _states.Delete(message.Id);
            Forget(entry);
            _mailLog?.Write("done", ("id", message.Id));
            return;
        }

        var next = now + _schedule.DelayAfter(state.Attempts);
        state.NextAttempt = next < expires ? next : expires;
        _states.Save(state);
        lock (_lock)
        {
            entry.Due = state.NextAttempt;
            _due.Enqueue(entry, entry.Due);
        }
    }

    private QueueItemState InitialState(Envelope envelope) =>
        _expander?.Initial(envelope, _clock.GetUtcNow()) ?? QueueStateStore.Initial(envelope, _clock.GetUtcNow());

    private async Task<IEnumerable<(RecipientState Recipient, AttemptOutcome Outcome)>> AttemptAsync(SpooledMessage message, string destination,
        List<RecipientState> recipients)
    {
        var limit = DestinationSlot(destination);
        await limit.WaitAsync(_stop.Token);
        try
        {
            // The attempt's span continues the trace of the SMTP session that accepted the message.
            ActivityContext.TryParse(message.Envelope.TraceParent, null, out var parent);
            using var activity = QueueTelemetry.Source.StartActivity("queue.deliver", ActivityKind.Client, parent);
            activity?.SetTag("mail.queue_id", message.Id);
            activity?.SetTag("mail.destination", destination);
            activity?.SetTag("mail.recipients", recipients.Count);
            var outcomes = await _courier.DeliverAsync(message, destination, recipients, _stop.Token);
            activity?.SetTag("smtp.remote", outcomes.FirstOrDefault(o => o.RemoteMta is not null)?.RemoteMta);
            activity?.SetTag("smtp.reply", outcomes.FirstOrDefault()?.Detail);
            activity?.SetTag("tls", outcomes.FirstOrDefault()?.Tls);
            activity?.SetTag("mail.delivered", outcomes.Count(o => o.Status == DeliveryStatus.Delivered));
            if (outcomes.Any(o => o.Status != DeliveryStatus.Delivered))
            {
                activity?.SetStatus(ActivityStatusCode.Error, outcomes.First(o => o.Status != DeliveryStatus.Delivered).Detail);
            }

            return recipients.Select((r, i) => (r, i < outcomes.Count ? outcomes[i]
                : new AttemptOutcome(r.Address, DeliveryStatus.TemporaryFailure, "no result from the courier", "4.3.0", null, null)));
        }
        finally
        {
            limit.Release();
        }
    }

    private SemaphoreSlim DestinationSlot(string destination)
    {
        lock (_destinations)
        {
            if (!_destinations.TryGetValue(destination, out var slot))
            {
                slot = new SemaphoreSlim(Math.Max(1, _options.MaxConcurrentPerDestination));
                _destinations.Add(destination, slot);
            }

            return slot;
        }
    }

    private async Task SendDsnAsync(SpooledMessage message, DsnAction action, IReadOnlyList<DsnRecipient> recipients, DateTimeOffset now,
        DateTimeOffset? retryUntil = null)
    {
        // RFC 3461 §6.2 / RFC 5321 §4.5.5: never a DSN to the null sender (that is how bounce loops are prevented).
        if (recipients.Count == 0 || message.Envelope.MailFrom.Length == 0)
        {
            return;
        }

        byte[] dsn = _dsn.Write(message, action, recipients, now, retryUntil);
        await using var writer = _spool.Create();
        writer.Write(dsn);
        bool utf8 = message.Envelope.SmtpUtf8 || dsn.Any(b => b >= 0x80);
        await writer.CommitAsync(ReadOnlyMemory<byte>.Empty, new Envelope
        {
            Id = writer.Id,
            MailFrom = "",
            Recipients = [new EnvelopeRecipient { Address = message.Envelope.MailFrom }],
            ReceivedAt = now,
            Body = utf8 ? "8BITMIME" : "7BIT",
            SmtpUtf8 = message.Envelope.SmtpUtf8,
            Listener = "dsn",
            TraceParent = Activity.Current?.Id ?? message.Envelope.TraceParent,
        });
        QueueTelemetry.Dsns.Add(1, new KeyValuePair<string, object?>("action", action.ToString().ToLowerInvariant()));
        _mailLog?.Write("dsn", ("id", message.Id), ("dsn_id", writer.Id), ("action", action.ToString().ToLowerInvariant()),
            ("to", message.Envelope.MailFrom), ("recipients", string.Join(',', recipients.Select(r => r.Recipient.Address))));
    }

    /// <summary>Whether NOTIFY (RFC 3461 §4.1) asks for this kind of DSN; NEVER excludes all.</summary>
    private static bool Notifies(RecipientState recipient, string kind, bool byDefault = false) =>
        recipient.Notify is not { } notify ? byDefault
            : notify.Split(',').Any(n => n.Trim().Equals(kind, StringComparison.OrdinalIgnoreCase));

    private void Forget(Entry entry)
    {
        lock (_lock)
        {
            if (_entries.TryGetValue(entry.Id, out var current) && current == entry)
            {
                _entries.Remove(entry.Id);
            }
        }
    }

    private static string DomainOf(string address)
    {
        int at = address.LastIndexOf('@');
        return at < 0 ? "" : address[(at + 1)..].ToLowerInvariant();
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        if (!_stopping)
        {
            await StopAsync(TimeSpan.Zero);
        }

        _stop.Dispose();
    }

    private sealed class Entry(string id, DateTimeOffset receivedAt)
    {
        public string Id { get; } = id;

        public DateTimeOffset ReceivedAt { get; } = receivedAt;

        public DateTimeOffset Due { get; set; }

        public bool Held { get; set; }

        public bool Running { get; set; }
    }
}

/// <summary>A queued message as the admin API and <c>mailctl queue</c> show it.</summary>
/// <param name="Envelope">The envelope.</param>
/// <param name="State">Per-recipient state, attempts, next attempt, hold.</param>
/// <param name="Delivering">True while an attempt is in progress.</param>
public sealed record QueuedMessage(Envelope Envelope, QueueItemState State, bool Delivering);
