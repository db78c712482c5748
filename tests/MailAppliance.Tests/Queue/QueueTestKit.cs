using System.Collections.Concurrent;
using System.Text;
using MailAppliance.Delivery;
using MailAppliance.Queue;
using MailAppliance.Spool;

namespace MailAppliance.Tests.Queue;

/// <summary>A courier that answers from a script and records every call.</summary>
internal sealed class ScriptedCourier : ICourier
{
    public ConcurrentQueue<(string Id, string Destination, string Sender, string[] Recipients)> Calls { get; } = new();

    /// <summary>DSNs the queue sent, with their bytes read at delivery (the spool file is gone afterwards).</summary>
    public ConcurrentQueue<(SpooledMessage Message, byte[] Bytes)> Dsns { get; } = new();

    /// <summary>Decides per recipient; default: delivered.</summary>
    public Func<string, int, DeliveryStatus> Decide { get; set; } = (_, _) => DeliveryStatus.Delivered;

    public bool RemoteSupportsDsn { get; set; } = true;

    private readonly ConcurrentDictionary<string, int> _attempts = new(StringComparer.OrdinalIgnoreCase);

    public Task<IReadOnlyList<AttemptOutcome>> DeliverAsync(SpooledMessage message, string destination, IReadOnlyList<RecipientState> recipients,
        CancellationToken cancellationToken = default)
    {
        Calls.Enqueue((message.Id, destination, message.Envelope.MailFrom, [.. recipients.Select(r => r.Address)]));
        if (message.Envelope.Listener == "dsn")
        {
            using var stream = message.OpenMessage();
            using var bytes = new MemoryStream();
            stream.CopyTo(bytes);
            Dsns.Enqueue((message, bytes.ToArray()));
        }

        IReadOnlyList<AttemptOutcome> outcomes = [.. recipients.Select(r =>
        {
            int attempt = _attempts.AddOrUpdate(message.Id + "/" + r.Address, 1, (_, n) => n + 1);
            var status = message.Envelope.MailFrom.Length == 0 ? DeliveryStatus.Delivered : Decide(r.Address, attempt);
            return status switch
            {
                DeliveryStatus.Delivered => new AttemptOutcome(r.Address, status, "250 2.0.0 ok", "2.0.0", "mx.test [192.0.2.1]", "250 2.0.0 ok") { RemoteSupportsDsn = RemoteSupportsDsn },
                DeliveryStatus.PermanentFailure => new AttemptOutcome(r.Address, status, "RCPT TO: 550 5.1.1 no such user", "5.1.1", "mx.test [192.0.2.1]", "550 5.1.1 no such user"),
                _ => new AttemptOutcome(r.Address, status, "RCPT TO: 451 4.7.1 try later", "4.7.1", "mx.test [192.0.2.1]", "451 4.7.1 try later"),
            };
        })];
        return Task.FromResult(outcomes);
    }
}

/// <summary>A spool in a temporary directory and helpers to put messages in it.</summary>
internal sealed class TempSpool : IDisposable
{
    public TempSpool()
    {
        Directory = System.IO.Directory.CreateTempSubdirectory("mailappliance-queue-").FullName;
        Store = new SpoolStore(Directory, new SpoolOptions { Sync = SyncMode.None });
    }

    public string Directory { get; }

    public SpoolStore Store { get; private set; }

    public static QueueOptions FastOptions() => new()
    {
        MinRetryDelay = TimeSpan.FromMilliseconds(30),
        MaxRetryDelay = TimeSpan.FromMilliseconds(60),
        MaxLifetime = TimeSpan.FromDays(5),
        DelayWarningAfter = TimeSpan.FromDays(1),
    };

    public DeliveryQueue Queue(ICourier courier, QueueOptions? options = null) =>
        new(Store, courier, options ?? FastOptions(), new DsnWriter("mail.example.test"));

    /// <summary>Reopens the spool, as a restarted process would.</summary>
    public void Reopen()
    {
        Store.Dispose();
        Store = new SpoolStore(Directory, new SpoolOptions { Sync = SyncMode.None });
    }

    public async Task<string> PutAsync(string from, params string[] recipients) =>
        await PutAsync(from, recipients.Select(r => new EnvelopeRecipient { Address = r }).ToArray());

    public async Task<string> PutAsync(string from, EnvelopeRecipient[] recipients, string? ret = null, string? envId = null, DateTimeOffset? receivedAt = null)
    {
        await using var writer = Store.Create();
        writer.Write(Encoding.ASCII.GetBytes("From: <" + from + ">\r\nTo: someone\r\nSubject: queue test\r\nMessage-ID: <q@test>\r\n\r\nbody line\r\n"));
        await writer.CommitAsync(Encoding.ASCII.GetBytes("Received: from test\r\n"), new Envelope
        {
            Id = writer.Id, MailFrom = from, Recipients = recipients, ReceivedAt = receivedAt ?? DateTimeOffset.UtcNow, Ret = ret, EnvId = envId,
        });
        return writer.Id;
    }

    public static async Task WaitUntilAsync(Func<bool> condition, string what, int seconds = 20)
    {
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException("gave up waiting for " + what);
            }

            await Task.Delay(10);
        }
    }

    public bool IsEmpty => !System.IO.Directory.EnumerateFiles(Directory, "*.msg").Any() && !System.IO.Directory.EnumerateFiles(Directory, "*.state").Any();

    public void Dispose()
    {
        Store.Dispose();
        System.IO.Directory.Delete(Directory, recursive: true);
    }
}
