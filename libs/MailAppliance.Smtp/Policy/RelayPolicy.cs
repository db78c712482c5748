using MailAppliance.Accounts;
using MailAppliance.Core;
using MailAppliance.Inbound;
using MailAppliance.Srs;
using MailAppliance.Smtp.Protocol;
using MailAppliance.Smtp.Session;

namespace MailAppliance.Smtp.Policy;

/// <summary>
/// The relay's rules (DESIGN.md §3, "no open relay"): a message for a non-local domain is accepted only from
/// an authenticated session; a local recipient must be a user, an alias or covered by a catch-all; an
/// authenticated account sends only as the domains it is allowed.
/// </summary>
public sealed class RelayPolicy : ISmtpPolicy
{
    private readonly Func<DomainDirectory> _domains;
    private readonly RelayPolicyOptions _options;

    /// <param name="domains">The current snapshot of local domains (it changes on reload).</param>
    /// <param name="options">Send-as settings.</param>
    /// <param name="bounces">Checks bounces to our SRS addresses; null treats them as ordinary recipients.</param>
    public RelayPolicy(Func<DomainDirectory> domains, RelayPolicyOptions options, Forwarder? bounces = null)
    {
        _bounces = bounces;
        _domains = domains;
        _options = options;
        _trusted = ParseNetworks(options.TrustedNetworks);
    }

    private readonly System.Net.IPNetwork[] _trusted;
    private readonly Forwarder? _bounces;

    /// <summary>Refused at RCPT when <see cref="RelayPolicyOptions.LocalMailboxes"/> is off.</summary>
    public static readonly SmtpReply MailboxesDisabled = new(550, "5.1.1", "No mailbox here: this address only sends mail (local mailboxes are disabled)");

    /// <inheritdoc />
    public bool IsTrustedClient(SessionInfo session)
    {
        var address = session.Remote.Address.IsIPv4MappedToIPv6 ? session.Remote.Address.MapToIPv4() : session.Remote.Address;
        return Array.Exists(_trusted, network => network.Contains(address));
    }

    /// <summary>Parses <see cref="RelayPolicyOptions.TrustedNetworks"/>.</summary>
    /// <exception cref="FormatException">An entry is not a CIDR network.</exception>
    public static System.Net.IPNetwork[] ParseNetworks(string text) =>
        [.. text.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).Select(entry =>
            System.Net.IPNetwork.TryParse(entry.Contains('/', StringComparison.Ordinal) ? entry : entry + (entry.Contains(':', StringComparison.Ordinal) ? "/128" : "/32"), out var network)
                ? network
                : throw new FormatException($"Policy:TrustedNetworks: '{entry}' is not a network (write e.g. 127.0.0.1/32 or ::1/128)"))];

    /// <inheritdoc />
    public SmtpReply? CheckSender(SessionInfo session, EmailAddress sender)
    {
        if (session.AuthenticatedAs is null)
        {
            // Unauthenticated senders are judged later by SPF/DKIM/DMARC, not by their claim here.
            return null;
        }

        return MaySendAs(EmailAddress.Parse(session.AuthenticatedAs), sender) ? null : SmtpReplies.SenderNotAllowed;
    }

    /// <inheritdoc />
    public SmtpReply? CheckRecipient(SessionInfo session, EmailAddress sender, EmailAddress recipient)
    {
        var domains = _domains();
        if (_bounces is not null && SrsRewriter.IsSrs(recipient.ToString()) && domains.IsLocal(recipient.Domain))
        {
            // A bounce to mail we forwarded: accepted only when we made the address and it has not expired (our
            // catch-all must not swallow forged ones). The queue routes it back to the original sender.
            var route = _bounces.ReverseBounce(recipient.ToString());
            if (route.IsRefused)
            {
                return new SmtpReply(route.Reply!.Code, route.Reply.EnhancedCode, route.Reply.Text);
            }

            if (route.IsOk)
            {
                return null;
            }
        }

        return domains.Classify(recipient) switch
        {
            RecipientKind.NotLocal => session.AuthenticatedAs is null && !IsTrustedClient(session) ? SmtpReplies.RelayDenied : null,
            RecipientKind.Unknown => SmtpReplies.UnknownUser,
            RecipientKind.User when !_options.LocalMailboxes => MailboxesDisabled,
            _ => null,
        };
    }

    /// <inheritdoc />
    public ValueTask<bool> AuthenticateAsync(EmailAddress account, string password, CancellationToken cancellationToken = default)
    {
        // The hash is slow on purpose; keep it off the I/O threads.
        var domains = _domains();
        return new ValueTask<bool>(Task.Run(() => domains.VerifyPassword(account, password), cancellationToken));
    }

    private bool MaySendAs(EmailAddress account, EmailAddress sender)
    {
        if (sender.IsNull)
        {
            // A null sender from a client would let it forge bounces that nobody can answer.
            return false;
        }

        if (sender.Domain == account.Domain)
        {
            return true;
        }

        if (_options.ExtraSenderDomains.TryGetValue(account.ToString(), out string? extra)
            && extra.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)
                .Contains(sender.Domain, StringComparer.OrdinalIgnoreCase))
        {
            return true;
        }

        return _options.SendAs switch
        {
            SendAsRule.Any => true,
            SendAsRule.AnyLocalDomain => _domains().IsLocal(sender.Domain),
            _ => false,
        };
    }
}
