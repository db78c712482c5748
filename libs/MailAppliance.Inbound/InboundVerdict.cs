using System.Text;
using MailAppliance.Arc;
using MailAppliance.AuthResults;
using MailAppliance.Dkim;
using MailAppliance.Dmarc;
using MailAppliance.Spf;

namespace MailAppliance.Inbound;

/// <summary>
/// Everything inbound authentication decided about one received message: the results, what to do with the message,
/// and the header changes to make. The message itself is never rewritten here: the caller prepends
/// <see cref="FieldsToPrepend"/> and drops <see cref="ForgedFields"/> (or calls <see cref="Apply"/>), so the rest stays
/// byte-exact and the sender's DKIM signatures keep verifying.
/// </summary>
public sealed class InboundVerdict
{
    /// <summary>The SPF check of the MAIL FROM identity (the HELO identity for the null sender, RFC 7208 §2.4).</summary>
    public required SpfCheck Spf { get; init; }

    /// <summary>The separate SPF check of the HELO identity (RFC 7208 §2.3), or null when it was not made (a null sender,
    /// whose <see cref="Spf"/> is already the HELO check, or a HELO that is not a domain name).</summary>
    public SpfCheck? HeloSpf { get; init; }

    /// <summary>The result of every DKIM signature, top down; empty when the message is unsigned.</summary>
    public required IReadOnlyList<DkimSignatureResult> Dkim { get; init; }

    /// <summary>The DMARC evaluation, or null when the message has no single From domain to evaluate (RFC 7489 §6.6.1).</summary>
    public DmarcCheck? Dmarc { get; init; }

    /// <summary>The ARC chain the message arrived with (RFC 8617 §5.2); hand it to <see cref="Forwarder"/> to seal.</summary>
    public required ArcValidationResult Arc { get; init; }

    /// <summary>Our authserv-id.</summary>
    public required string AuthservId { get; init; }

    /// <summary>The value of our Authentication-Results field (authserv-id and results, no field name); the
    /// ARC-Authentication-Results of a forwarded copy carries it.</summary>
    public required string AuthenticationResults { get; init; }

    /// <summary>The whole Authentication-Results field to prepend, CRLF included (RFC 8601).</summary>
    public string AuthenticationResultsField => AuthenticationResultsBuilder.FieldName + ":" + AuthenticationResults + "\r\n";

    /// <summary>Authentication-Results fields in the received header section that claim our authserv-id: forged, to be
    /// removed before ours is added (RFC 8601 §5). Byte ranges into the message as given.</summary>
    public required IReadOnlyList<HeaderFieldRange> ForgedFields { get; init; }

    /// <summary>What to do with the message.</summary>
    public required InboundAction Action { get; init; }

    /// <summary>For <see cref="InboundAction.Reject"/>: the reply to give at end of data; otherwise null.</summary>
    public InboundReply? RejectReply { get; init; }

    /// <summary>For <see cref="InboundAction.Quarantine"/>: the marker field to prepend (e.g.
    /// <c>X-MailAppliance-Quarantine: dmarc</c>, CRLF included); otherwise null.</summary>
    public string? QuarantineField { get; init; }

    /// <summary>The fields to put on top of the message, in order: the quarantine marker (if any), then
    /// Authentication-Results.</summary>
    public string FieldsToPrepend => (QuarantineField ?? string.Empty) + AuthenticationResultsField;

    /// <summary>Fields for the one mail-log line of this decision (spf, dkim, dmarc, arc, action, from domain, ...).</summary>
    public required IReadOnlyDictionary<string, string> LogFields { get; init; }

    /// <summary>The message as it is to be stored: <see cref="FieldsToPrepend"/>, then the received bytes without
    /// <see cref="ForgedFields"/>, everything else byte for byte.</summary>
    /// <param name="message">The same bytes that were authenticated.</param>
    public byte[] Apply(ReadOnlySpan<byte> message)
    {
        byte[] kept = ForgedFields.Count == 0 ? message.ToArray() : ForgedAuthenticationResults.Remove(message, ForgedFields);
        return [.. Encoding.UTF8.GetBytes(FieldsToPrepend), .. kept];
    }

    /// <inheritdoc />
    public override string ToString() => string.Join(' ', LogFields.Select(f => $"{f.Key}={f.Value}"));
}
