using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using MailAppliance.Spool;

namespace MailAppliance.Queue;

/// <summary>What a DSN reports (RFC 3464 §2.3.3 Action).</summary>
public enum DsnAction
{
    /// <summary>Given up.</summary>
    Failed,

    /// <summary>Still trying.</summary>
    Delayed,

    /// <summary>Handed to a server that does not offer DSN, so no further notification will come (RFC 3461 §5.2.2).</summary>
    Relayed,
}

/// <summary>One recipient line of a DSN.</summary>
/// <param name="Recipient">The recipient's state (address, ORCPT, last result).</param>
/// <param name="Status">The enhanced status code to report (RFC 3463).</param>
public sealed record DsnRecipient(RecipientState Recipient, string Status);

/// <summary>
/// Writes delivery status notifications (RFC 3464): a multipart/report with a human explanation, a
/// message/delivery-status part, and the original header section (text/rfc822-headers) or, with RET=FULL, the whole
/// message (message/rfc822, RFC 3461 §4.3).
/// </summary>
public sealed class DsnWriter(string reportingMta)
{
    /// <summary>Largest original header section quoted (a DSN must stay deliverable).</summary>
    public const int MaxQuotedHeaderBytes = 256 * 1024;

    /// <summary>The host name in Reporting-MTA and the From address.</summary>
    public string ReportingMta { get; } = reportingMta;

    /// <summary>Builds the DSN message for <paramref name="message"/>.</summary>
    /// <param name="message">The original message.</param>
    /// <param name="action">Failed, delayed or relayed.</param>
    /// <param name="recipients">The recipients it reports on.</param>
    /// <param name="now">The time of writing.</param>
    /// <param name="retryUntil">For a delay: when the queue gives up.</param>
    public byte[] Write(SpooledMessage message, DsnAction action, IReadOnlyList<DsnRecipient> recipients, DateTimeOffset now, DateTimeOffset? retryUntil = null)
    {
        var envelope = message.Envelope;
        string boundary = "dsn=" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(12)) + "/" + ReportingMta;
        bool full = action == DsnAction.Failed && string.Equals(envelope.Ret, "FULL", StringComparison.OrdinalIgnoreCase);
        var text = new StringBuilder();
        Line(text, $"From: Mail Delivery System <MAILER-DAEMON@{ReportingMta}>");
        Line(text, $"To: <{envelope.MailFrom}>");
        Line(text, "Subject: " + action switch
        {
            DsnAction.Failed => "Undelivered Mail Returned to Sender",
            DsnAction.Delayed => "Delayed Mail (still being retried)",
            _ => "Successful Mail Delivery Report",
        });
        Line(text, "Date: " + Rfc5322Date(now));
        Line(text, $"Message-ID: <{message.Id}.{now.ToUnixTimeMilliseconds()}.dsn@{ReportingMta}>");
        Line(text, "Auto-Submitted: auto-replied"); // RFC 3834 §5: never answer this automatically
        Line(text, "MIME-Version: 1.0");
        Line(text, $"Content-Type: multipart/report; report-type=delivery-status;\r\n\tboundary=\"{boundary}\"");
        Line(text, "");
        Line(text, "This is a MIME-encapsulated message.");
        Line(text, "");
        Line(text, "--" + boundary);
        Line(text, "Content-Description: Notification");
        Line(text, "Content-Type: text/plain; charset=utf-8");
        Line(text, "Content-Transfer-Encoding: 8bit");
        Line(text, "");
        Explain(text, action, recipients, envelope, retryUntil);
        Line(text, "");
        Line(text, "--" + boundary);
        Line(text, "Content-Description: Delivery report");
        Line(text, "Content-Type: message/delivery-status");
        Line(text, "");
        // RFC 3464 §2.2: per-message fields.
        Line(text, $"Reporting-MTA: dns; {ReportingMta}");
        if (envelope.EnvId is { } envId)
        {
            Line(text, $"Original-Envelope-Id: {envId}");
        }

        Line(text, "Arrival-Date: " + Rfc5322Date(envelope.ReceivedAt));
        foreach (var r in recipients)
        {
            // RFC 3464 §2.3: per-recipient fields, each group after an empty line.
            Line(text, "");
            if (r.Recipient.OriginalRecipient is { } orcpt)
            {
                Line(text, $"Original-Recipient: {orcpt}");
            }

            Line(text, $"Final-Recipient: rfc822; {r.Recipient.Address}");
            Line(text, "Action: " + action.ToString().ToLowerInvariant());
            Line(text, $"Status: {r.Status}");
            if (r.Recipient.RemoteMta is { } remote)
            {
                Line(text, $"Remote-MTA: dns; {remote.Split(' ')[0]}");
            }

            // RFC 3464 §2.3.6: the remote server's own reply when there was one, else our reason.
            if (r.Recipient.RemoteReply is { } reply)
            {
                Line(text, $"Diagnostic-Code: smtp; {OneLine(reply)}");
            }
            else if (r.Recipient.LastResult is { } result)
            {
                Line(text, $"Diagnostic-Code: X-MailAppliance; {OneLine(result)}");
            }

            if (r.Recipient.LastAttempt is { } last)
            {
                Line(text, "Last-Attempt-Date: " + Rfc5322Date(last));
            }

            if (action == DsnAction.Delayed && retryUntil is { } until)
            {
                Line(text, "Will-Retry-Until: " + Rfc5322Date(until));
            }
        }

        Line(text, "");
        Line(text, "--" + boundary);
        Line(text, full ? "Content-Description: Undelivered message" : "Content-Description: Undelivered message headers");
        Line(text, full ? "Content-Type: message/rfc822" : "Content-Type: text/rfc822-headers");
        Line(text, "");
        using var output = new MemoryStream();
        output.Write(Encoding.UTF8.GetBytes(text.ToString()));
        using (var original = message.OpenMessage())
        {
            if (full)
            {
                original.CopyTo(output);
                if (!EndsWithCrlf(output))
                {
                    output.Write("\r\n"u8);
                }
            }
            else
            {
                output.Write(ReadHeaderSection(original));
            }
        }

        output.Write(Encoding.ASCII.GetBytes("\r\n--" + boundary + "--\r\n"));
        return output.ToArray();
    }

    /// <summary>The header section of a message, up to and including the empty line (or a capped prefix).</summary>
    public static byte[] ReadHeaderSection(Stream message)
    {
        var buffer = new MemoryStream();
        int previous = -1, beforePrevious = -1, beforeThat = -1, b;
        while (buffer.Length < MaxQuotedHeaderBytes && (b = message.ReadByte()) >= 0)
        {
            buffer.WriteByte((byte)b);
            if (b == '\n' && previous == '\r' && beforePrevious == '\n' && beforeThat == '\r')
            {
                return buffer.ToArray();
            }

            (beforeThat, beforePrevious, previous) = (beforePrevious, previous, b);
        }

        if (!EndsWithCrlf(buffer))
        {
            buffer.Write("\r\n"u8);
        }

        return buffer.ToArray();
    }

    private void Explain(StringBuilder text, DsnAction action, IReadOnlyList<DsnRecipient> recipients, Envelope envelope, DateTimeOffset? retryUntil)
    {
        Line(text, $"This is the mail system at host {ReportingMta}.");
        Line(text, "");
        switch (action)
        {
            case DsnAction.Failed:
                Line(text, "Your message could not be delivered to one or more recipients. It is attached below.");
                Line(text, "The mail system gave up on these recipients:");
                break;
            case DsnAction.Delayed:
                Line(text, $"Your message, received {Rfc5322Date(envelope.ReceivedAt)}, could not be delivered yet. There is no need to send it again:");
                Line(text, $"the mail system keeps trying until {(retryUntil is { } u ? Rfc5322Date(u) : "it expires")}, and tells you if it gives up.");
                Line(text, "Still waiting for:");
                break;
            default:
                Line(text, "Your message was delivered to a server that does not send delivery reports, so this is the last report you get for:");
                break;
        }

        Line(text, "");
        foreach (var r in recipients)
        {
            Line(text, $"<{r.Recipient.Address}>: {OneLine(r.Recipient.LastResult ?? "delivered")}");
        }
    }

    private static string OneLine(string text) => text.Replace("\r", " ", StringComparison.Ordinal).Replace("\n", " ", StringComparison.Ordinal);

    private static bool EndsWithCrlf(MemoryStream stream)
    {
        if (stream.Length < 2)
        {
            return false;
        }

        byte[] data = stream.GetBuffer();
        return data[stream.Length - 2] == '\r' && data[stream.Length - 1] == '\n';
    }

    private static void Line(StringBuilder text, string line) => text.Append(line).Append("\r\n");

    /// <summary>An RFC 5322 §3.3 date-time.</summary>
    public static string Rfc5322Date(DateTimeOffset time) =>
        time.ToUniversalTime().ToString("ddd, dd MMM yyyy HH:mm:ss '+0000'", CultureInfo.InvariantCulture);
}
