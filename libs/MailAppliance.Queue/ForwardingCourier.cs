using System.Diagnostics;
using MailAppliance.Arc;
using MailAppliance.Delivery;
using MailAppliance.Dkim;
using MailAppliance.Inbound;
using MailAppliance.MailLog;
using MailAppliance.Spool;

namespace MailAppliance.Queue;

/// <summary>
/// Forwards mail from outside that an alias or catch-all sends on to outside addresses, so that it still
/// authenticates at the outside mailbox: for each alias, one new spooled copy with the SRS envelope sender, our ARC
/// set and the loop marker on top of the message as it arrived (byte-exact below them, so the original DKIM
/// signatures keep verifying). The copy is then delivered like any other message; the original recipients count as
/// delivered ("forwarded as"). A loop (too many Received fields, or our marker for the same alias) fails with 5.4.6
/// and the queue bounces it.
/// </summary>
public sealed class ForwardingCourier(Forwarder forwarder, SpoolStore spool, DkimKeyring keyring, MailLogWriter? mailLog = null, TimeProvider? clock = null)
    : ICourier
{
    private readonly TimeProvider _clock = clock ?? TimeProvider.System;

    /// <inheritdoc />
    public async Task<IReadOnlyList<AttemptOutcome>> DeliverAsync(SpooledMessage message, string destination, IReadOnlyList<RecipientState> recipients,
        CancellationToken cancellationToken = default)
    {
        var outcomes = new Dictionary<RecipientState, AttemptOutcome>();
        foreach (var group in recipients.GroupBy(r => r.Original ?? r.Address, StringComparer.OrdinalIgnoreCase))
        {
            foreach (var (recipient, outcome) in await ForwardAsync(message, group.Key, [.. group], cancellationToken))
            {
                outcomes[recipient] = outcome;
            }
        }

        return [.. recipients.Select(r => outcomes[r])];
    }

    private async Task<IEnumerable<(RecipientState, AttemptOutcome)>> ForwardAsync(SpooledMessage message, string alias, List<RecipientState> targets,
        CancellationToken cancellationToken)
    {
        using var activity = QueueTelemetry.Source.StartActivity("queue.forward");
        activity?.SetTag("mail.alias", alias);
        try
        {
            await using var stream = message.OpenMessage();
            var header = (await DkimMessageReader.ReadHeaderSectionAsync(stream, DkimMessageReader.DefaultMaxHeaderLength, cancellationToken)).HeaderSection;
            var loop = forwarder.CheckLoop(header, alias);
            if (loop.IsLoop)
            {
                // RFC 5321 §6.3: a looping message is bounced, never sent round again.
                string reply = loop.Reply!.ToString();
                activity?.SetStatus(ActivityStatusCode.Error, reply);
                mailLog?.Write("loop", ("id", message.Id), ("alias", alias), ("reply", reply));
                return targets.Select(t => (t, new AttemptOutcome(t.Address, DeliveryStatus.PermanentFailure, reply, loop.Reply.EnhancedCode, null, null)));
            }

            stream.Position = 0;
            string ourDomain = alias[(alias.LastIndexOf('@') + 1)..].ToLowerInvariant();
            var preparation = await forwarder.PrepareAsync(message.Envelope.MailFrom, ourDomain, alias, stream, ArrivalChain(message, header),
                message.Envelope.Authentication?.Results ?? string.Empty, keyring.For(ourDomain), cancellationToken);
            string copyId = await SpoolCopyAsync(message, alias, targets, preparation);
            activity?.SetTag("mail.forward_id", copyId);
            activity?.SetTag("mail.srs", preparation.SenderRewrite.ToString());
            activity?.SetTag("mail.arc_instance", preparation.ArcInstance);
            mailLog?.Write("forwarded", ("id", message.Id), ("alias", alias), ("to", string.Join(',', targets.Select(t => t.Address))),
                ("forward_id", copyId), ("sender", "<" + preparation.EnvelopeSender + ">"), ("srs", preparation.SenderRewrite.ToString().ToLowerInvariant()),
                ("arc", preparation.Sealed ? "i=" + preparation.ArcInstance : "skipped: " + preparation.ArcSkippedReason));
            string detail = $"250 2.0.0 forwarded as {copyId} ({preparation})";
            return targets.Select(t => (t, new AttemptOutcome(t.Address, DeliveryStatus.Delivered, detail, "2.0.0", null, null)));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or DkimFormatException or ArgumentException)
        {
            // Nothing was handed on: the queue tries again later.
            activity?.SetStatus(ActivityStatusCode.Error, e.Message);
            return targets.Select(t => (t, new AttemptOutcome(t.Address, DeliveryStatus.TemporaryFailure,
                $"451 4.3.0 forwarding failed: {e.Message}", "4.3.0", null, null)));
        }
    }

    /// <summary>
    /// The ARC chain as it was validated on arrival: the status comes from the envelope (the keys are not fetched
    /// again), the sets from the stored message, whose fields above them are only ours (Received, Authentication-Results).
    /// </summary>
    private static ArcValidationResult ArrivalChain(SpooledMessage message, ReadOnlyMemory<byte> header)
    {
        var chain = ArcChain.Parse(DkimHeaderSection.Parse(header));
        var status = message.Envelope.Authentication is { } authentication && ArcChainStatuses.TryParse(authentication.ArcStatus, out var parsed)
            ? parsed
            : chain.IsEmpty ? ArcChainStatus.None : ArcChainStatus.Fail;
        return new ArcValidationResult(status, null, chain);
    }

    /// <summary>ORCPT for the alias (RFC 3461 §4.2): <c>rfc822;</c> and the address as xtext; null for a UTF-8 address.</summary>
    private static string? OriginalRecipientOf(string alias)
    {
        if (!System.Text.Ascii.IsValid(alias))
        {
            return null;
        }

        var xtext = new System.Text.StringBuilder("rfc822;");
        foreach (char c in alias)
        {
            // RFC 3461 §4: "+", "=" and characters outside 33..126 are written +XX.
            if (c is < '!' or > '~' or '+' or '=')
            {
                xtext.Append('+').Append(((int)c).ToString("X2", System.Globalization.CultureInfo.InvariantCulture));
            }
            else
            {
                xtext.Append(c);
            }
        }

        return xtext.ToString();
    }

    /// <summary>Spools the forwarded copy durably; the spool hands it to the queue like any new message.</summary>
    private async Task<string> SpoolCopyAsync(SpooledMessage message, string alias, List<RecipientState> targets, ForwardPreparation preparation)
    {
        await using var writer = spool.Create();
        writer.Write(preparation.FieldsToPrepend);
        await using (var original = message.OpenMessage())
        {
            await writer.CopyFromAsync(original);
        }

        var envelope = message.Envelope;
        await writer.CommitAsync(ReadOnlyMemory<byte>.Empty, new Envelope
        {
            Id = writer.Id,
            MailFrom = preparation.EnvelopeSender,
            // RFC 3461 §4.2: the DSN names the address the sender used, the alias, unless it already had an ORCPT.
            Recipients = [.. targets.Select(t => new EnvelopeRecipient
            {
                Address = t.Address, Notify = t.Notify, OriginalRecipient = t.OriginalRecipient ?? OriginalRecipientOf(alias),
            })],
            ReceivedAt = _clock.GetUtcNow(),
            Body = envelope.Body,
            SmtpUtf8 = envelope.SmtpUtf8,
            Ret = envelope.Ret,
            EnvId = envelope.EnvId,
            ClientAddress = envelope.ClientAddress,
            Helo = envelope.Helo,
            Listener = "forward",
            TraceParent = Activity.Current?.Id ?? envelope.TraceParent,
        });
        return writer.Id;
    }
}
