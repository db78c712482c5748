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
        _trusted = ParseNetworks(options.TrustedNetworks);
    }

    private readonly System.Net.IPNetwork[] _trusted;

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
        return _domains().Classify(recipient) switch
        {
            RecipientKind.NotLocal => session.AuthenticatedAs is null && !IsTrustedClient(session) ? SmtpReplies.RelayDenied : null,
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
