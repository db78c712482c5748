using MailAppliance.Core;
using MailAppliance.Smtp.Protocol;
using MailAppliance.Smtp.Session;

namespace MailAppliance.Smtp.Policy;

/// <summary>
/// The decisions the engine asks for: who may send as whom, who may receive, whose password is right.
/// A null reply means "accepted". Kept apart from the protocol so the rules can change without touching it.
/// </summary>
public interface ISmtpPolicy
{
    /// <summary>Judges MAIL FROM.</summary>
    SmtpReply? CheckSender(SessionInfo session, EmailAddress sender);

    /// <summary>Judges RCPT TO.</summary>
    SmtpReply? CheckRecipient(SessionInfo session, EmailAddress sender, EmailAddress recipient);

    /// <summary>
    /// True when the client's address is trusted like an authenticated submission (local applications): it may
    /// relay and its mail is DKIM-signed. Default: nobody.
    /// </summary>
    bool IsTrustedClient(SessionInfo session) => false;

    /// <summary>Checks a password; expensive by design (a slow hash), so it is asynchronous.</summary>
    ValueTask<bool> AuthenticateAsync(EmailAddress account, string password, CancellationToken cancellationToken = default);
}
