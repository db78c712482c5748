using System.Globalization;
using System.Text;

namespace MailAppliance.Smtp.Session;

/// <summary>Builds the trace and submission fields this hop prepends.</summary>
internal static class ReceivedHeader
{
    /// <summary>
    /// RFC 5321 §4.4 Received field, with the protocol keyword of RFC 3848 (ESMTP, ESMTPS, ESMTPA, ESMTPSA,
    /// UTF8SMTPS...) and the TLS version and cipher as a comment.
    /// </summary>
    public static string Build(SessionInfo session, string hostname, string queueId, IReadOnlyList<string> recipients,
        bool utf8, bool showAccount, DateTimeOffset when)
    {
        string protocol = (utf8 ? "UTF8SMTP" : session.Esmtp ? "ESMTP" : "SMTP")
            + (session.Tls is null ? string.Empty : "S")
            + (session.AuthenticatedAs is null ? string.Empty : "A");
        var field = new StringBuilder("Received: from ");
        field.Append(Sanitize(session.Helo ?? "unknown")).Append(" ([").Append(session.Remote.Address).Append("])\r\n");
        field.Append("\tby ").Append(hostname).Append(" (MailAppliance) with ").Append(protocol).Append(" id ").Append(queueId);
        if (session.Tls is not null)
        {
            field.Append("\r\n\t(").Append(session.Tls).Append(')');
        }

        if (session.AuthenticatedAs is not null)
        {
            field.Append("\r\n\t(authenticated").Append(showAccount ? " as " + session.AuthenticatedAs : string.Empty).Append(')');
        }

        // Name the recipient only when there is exactly one: listing several would disclose Bcc recipients.
        if (recipients.Count == 1)
        {
            field.Append("\r\n\tfor <").Append(Sanitize(recipients[0])).Append('>');
        }

        field.Append("; ").Append(Rfc5322Date(when)).Append("\r\n");
        return field.ToString();
    }

    /// <summary>RFC 5322 §3.3 date-time, e.g. "Fri, 27 Nov 2026 20:19:00 +0000".</summary>
    public static string Rfc5322Date(DateTimeOffset when) =>
        when.ToString("ddd, dd MMM yyyy HH:mm:ss ", CultureInfo.InvariantCulture)
        + (when.Offset < TimeSpan.Zero ? "-" : "+")
        + when.Offset.ToString("hhmm", CultureInfo.InvariantCulture);

    private static string Sanitize(string text)
    {
        // The HELO name is the client's text: keep it on one line and free of comment syntax.
        var builder = new StringBuilder(text.Length);
        foreach (char c in text)
        {
            builder.Append(c is < ' ' or '(' or ')' or '\\' or (char)127 ? '_' : c);
        }

        return builder.ToString();
    }
}
