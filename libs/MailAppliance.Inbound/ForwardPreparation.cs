using MailAppliance.Srs;

namespace MailAppliance.Inbound;

/// <summary>
/// What a forwarded copy needs (from <see cref="Forwarder.Prepare"/>): its envelope sender and the fields to put on
/// top of the message. The message below them goes out byte for byte, so the original DKIM signatures still verify.
/// </summary>
public sealed class ForwardPreparation
{
    /// <summary>The MAIL FROM of the forwarded copy: an SRS address in our domain, the original sender when no rewrite was
    /// needed or possible, and empty for the null sender (a bounce stays a bounce).</summary>
    public required string EnvelopeSender { get; init; }

    /// <summary>How the envelope sender was made.</summary>
    public required SrsForwardStatus SenderRewrite { get; init; }

    /// <summary>Our ARC set (ARC-Seal, ARC-Message-Signature, ARC-Authentication-Results, RFC 8617 §4.1), CRLFs included;
    /// empty when the message was not sealed.</summary>
    public required byte[] ArcFields { get; init; }

    /// <summary>The instance of our ARC set (previous + 1), or 0 when not sealed.</summary>
    public int ArcInstance { get; init; }

    /// <summary>Why the message was not sealed (no key for the domain, a chain already failed, ...), or null when sealed.</summary>
    public string? ArcSkippedReason { get; init; }

    /// <summary>The loop marker naming the local recipient, CRLF included (see <see cref="InboundOptions.ForwardedForHeader"/>).</summary>
    public required string ForwardedForField { get; init; }

    /// <summary>Everything to prepend, in order: <see cref="ArcFields"/>, then <see cref="ForwardedForField"/>.</summary>
    public required byte[] FieldsToPrepend { get; init; }

    /// <summary>True when our ARC set was added.</summary>
    public bool Sealed => ArcFields.Length > 0;

    /// <summary>The forwarded copy: <see cref="FieldsToPrepend"/> then <paramref name="message"/> unchanged.</summary>
    /// <param name="message">The same bytes given to <see cref="Forwarder.Prepare"/>.</param>
    public byte[] Apply(ReadOnlySpan<byte> message) => [.. FieldsToPrepend, .. message];

    /// <inheritdoc />
    public override string ToString() =>
        $"sender={EnvelopeSender} srs={SenderRewrite} arc=" + (Sealed ? $"i={ArcInstance}" : $"skipped ({ArcSkippedReason})");
}
