using MailAppliance.Accounts;
using MailAppliance.Core;
using MailAppliance.Spool;

namespace MailAppliance.Queue;

/// <summary>
/// Turns the envelope recipients into the addresses to deliver to: aliases and the catch-all of local domains are
/// replaced by their targets (recursively, as chasquid does), everything else stays. Done once, when the queue first
/// takes a message, so the state on disk lists what was actually attempted.
/// </summary>
/// <param name="domains">The current local domains.</param>
/// <param name="reverseBounce">The original address of one of our valid SRS addresses, else null (a bounce to forwarded
/// mail goes back to the sender it was forwarded for); null disables it.</param>
public sealed class AliasExpander(Func<DomainDirectory> domains, Func<string, string?>? reverseBounce = null)
{
    /// <summary>How deep aliases may point at aliases before the chain is cut (a loop guard).</summary>
    public const int MaxDepth = 8;

    /// <summary>The recipients to deliver to for one envelope recipient.</summary>
    public IReadOnlyList<RecipientState> Expand(EnvelopeRecipient recipient)
    {
        var output = new List<RecipientState>();
        var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        if (reverseBounce?.Invoke(recipient.Address) is { } sender)
        {
            // A bounce to one of our SRS addresses: it goes to the sender of the mail we forwarded.
            output.Add(new RecipientState
            {
                Address = sender, Original = recipient.Address, Notify = recipient.Notify, OriginalRecipient = recipient.OriginalRecipient,
            });
            return output;
        }

        Walk(recipient.Address, recipient, depth: 0, seen, output, domains());
        return output;
    }

    /// <summary>The initial state of a message with its recipients expanded.</summary>
    public QueueItemState Initial(Envelope envelope, DateTimeOffset now) => new()
    {
        Id = envelope.Id,
        NextAttempt = now,
        Recipients = [.. envelope.Recipients.SelectMany(Expand)],
    };

    private static void Walk(string address, EnvelopeRecipient original, int depth, HashSet<string> seen, List<RecipientState> output, DomainDirectory directory)
    {
        if (!seen.Add(address))
        {
            return;
        }

        IReadOnlyList<EmailAddress>? targets = null;
        if (depth < MaxDepth && EmailAddress.TryParse(address, out var parsed) && directory.TryGetDomain(parsed.Domain, out var domain))
        {
            targets = domain.Classify(parsed.LocalPart) switch
            {
                RecipientKind.Alias => domain.FindAlias(parsed.LocalPart)?.Targets,
                RecipientKind.CatchAll => domain.Aliases.CatchAll,
                _ => null,
            };
        }

        if (targets is null)
        {
            output.Add(new RecipientState
            {
                Address = address,
                Original = depth == 0 ? null : original.Address,
                Notify = original.Notify,
                OriginalRecipient = original.OriginalRecipient,
            });
            return;
        }

        foreach (var target in targets)
        {
            Walk(target.ToString(), original, depth + 1, seen, output, directory);
        }
    }
}
