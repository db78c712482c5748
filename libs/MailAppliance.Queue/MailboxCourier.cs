using System.Text;
using MailAppliance.Accounts;
using MailAppliance.Core;
using MailAppliance.Delivery;
using MailAppliance.Spool;

namespace MailAppliance.Queue;

/// <summary>
/// Delivers to local users that have no forwarding: a Maildir per user under <c>state/mailboxes/&lt;domain&gt;/&lt;user&gt;/</c>
/// (new/ after tmp/, fsynced, so Dovecot can serve it). Unknown users fail permanently (5.1.1).
/// </summary>
public sealed class MailboxCourier(string mailboxesDirectory, Func<DomainDirectory> domains, string hostname, bool enabled = true) : ICourier
{
    private static long _sequence;

    /// <summary>The root of the Maildirs.</summary>
    public string Directory { get; } = Path.GetFullPath(mailboxesDirectory);

    /// <inheritdoc />
    public async Task<IReadOnlyList<AttemptOutcome>> DeliverAsync(SpooledMessage message, string destination, IReadOnlyList<RecipientState> recipients,
        CancellationToken cancellationToken = default)
    {
        var directory = domains();
        var outcomes = new List<AttemptOutcome>();
        foreach (var recipient in recipients)
        {
            string? user = EmailAddress.TryParse(recipient.Address, out var address) && directory.TryGetDomain(address.Domain, out var domain)
                ? domain.FindUser(address.LocalPart) : null;
            if (user is not null && !enabled)
            {
                // Policy:LocalMailboxes is off: an alias that points at a local user cannot be stored either.
                outcomes.Add(new AttemptOutcome(recipient.Address, DeliveryStatus.PermanentFailure,
                    $"550 5.1.1 <{recipient.Address}> has no mailbox here (local mailboxes are disabled)", "5.1.1", null, null));
                continue;
            }

            if (user is null)
            {
                outcomes.Add(new AttemptOutcome(recipient.Address, DeliveryStatus.PermanentFailure,
                    $"550 5.1.1 no mailbox or alias <{recipient.Address}> here", "5.1.1", null, null));
                continue;
            }

            try
            {
                string file = await StoreAsync(message, address.Domain.ToLowerInvariant(), user, recipient.Address, cancellationToken);
                outcomes.Add(new AttemptOutcome(recipient.Address, DeliveryStatus.Delivered, $"250 2.0.0 stored in {file}", "2.0.0", null, null));
            }
            catch (IOException e)
            {
                // A full disk or a permission problem is temporary: the message waits in the queue.
                outcomes.Add(new AttemptOutcome(recipient.Address, DeliveryStatus.TemporaryFailure, $"451 4.3.0 mailbox not writable: {e.Message}", "4.3.0", null, null));
            }
        }

        return outcomes;
    }

    private async Task<string> StoreAsync(SpooledMessage message, string domain, string user, string recipient, CancellationToken cancellationToken)
    {
        string maildir = Path.Combine(Directory, domain, user);
        foreach (string sub in new[] { "tmp", "new", "cur" })
        {
            System.IO.Directory.CreateDirectory(Path.Combine(maildir, sub));
        }

        // Maildir unique name: time.sequence_pid.host (the classic qmail form).
        string name = $"{DateTimeOffset.UtcNow.ToUnixTimeSeconds()}.M{DateTimeOffset.UtcNow.Microsecond}Q{Interlocked.Increment(ref _sequence)}_{Environment.ProcessId}_{message.Id}.{hostname}";
        string temp = Path.Combine(maildir, "tmp", name);
        await using (var file = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 64 * 1024, FileOptions.Asynchronous))
        {
            // RFC 5321 §4.4: the final delivery adds Return-Path; Delivered-To tells which address it was for.
            byte[] trace = Encoding.UTF8.GetBytes($"Return-Path: <{message.Envelope.MailFrom}>\r\nDelivered-To: {recipient}\r\n");
            await file.WriteAsync(trace, cancellationToken);
            await using (var content = message.OpenMessage())
            {
                await content.CopyToAsync(file, cancellationToken);
            }

            await file.FlushAsync(cancellationToken);
            file.Flush(flushToDisk: true);
        }

        File.Move(temp, Path.Combine(maildir, "new", name));
        SafeFile.SyncDirectory(Path.Combine(maildir, "new"));
        return Path.Combine(domain, user, "new", name);
    }
}

/// <summary>
/// Sends recipients of local domains to the mailbox courier; recipients that an alias of ours forwards to an outside
/// address, in mail from outside, to the forwarding courier (SRS and ARC); all others to the remote courier.
/// </summary>
public sealed class DestinationRouter(Func<DomainDirectory> domains, ICourier local, ICourier remote, ICourier? forward = null) : ICourier
{
    /// <inheritdoc />
    public async Task<IReadOnlyList<AttemptOutcome>> DeliverAsync(SpooledMessage message, string destination, IReadOnlyList<RecipientState> recipients,
        CancellationToken cancellationToken = default)
    {
        if (domains().IsLocal(destination))
        {
            return await local.DeliverAsync(message, destination, recipients, cancellationToken);
        }

        var forwarded = forward is null || message.Envelope.Authentication is null ? [] : recipients.Where(IsForwarded).ToList();
        if (forwarded.Count == 0)
        {
            return await remote.DeliverAsync(message, destination, recipients, cancellationToken);
        }

        var direct = recipients.Where(r => !forwarded.Contains(r)).ToList();
        var outcomes = new Dictionary<RecipientState, AttemptOutcome>();
        foreach (var (part, courier) in new[] { (forwarded, forward!), (direct, remote) })
        {
            if (part.Count == 0)
            {
                continue;
            }

            var results = await courier.DeliverAsync(message, destination, part, cancellationToken);
            for (int i = 0; i < part.Count && i < results.Count; i++)
            {
                outcomes[part[i]] = results[i];
            }
        }

        return [.. recipients.Select(r => outcomes.TryGetValue(r, out var o) ? o
            : new AttemptOutcome(r.Address, DeliveryStatus.TemporaryFailure, "no result from the courier", "4.3.0", null, null))];
    }

    /// <summary>An alias or catch-all target (not a bounce routed back from one of our SRS addresses).</summary>
    private static bool IsForwarded(RecipientState recipient) =>
        recipient.Original is { } original && !MailAppliance.Srs.SrsRewriter.IsSrs(original);
}
