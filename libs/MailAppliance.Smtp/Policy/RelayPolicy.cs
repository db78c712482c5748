using MailAppliance.Accounts;
using MailAppliance.Core;
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
    public RelayPolicy(Func<DomainDirectory> domains, RelayPolicyOptions options)
    {
        _domains = domains;
        _options = options;
    }

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
        return _domains().Classify(recipient) switch
        {
            RecipientKind.NotLocal => session.AuthenticatedAs is null ? SmtpReplies.RelayDenied : null,
            RecipientKind.Unknown => SmtpReplies.UnknownUser,
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
