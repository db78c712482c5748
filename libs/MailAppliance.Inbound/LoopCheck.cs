namespace MailAppliance.Inbound;

/// <summary>Why a message must not be forwarded again (from <see cref="Forwarder.CheckLoop"/>).</summary>
public enum LoopStatus
{
    /// <summary>No sign of a loop.</summary>
    None,

    /// <summary>More Received fields than <see cref="InboundOptions.MaxReceivedHeaders"/> (RFC 5321 §6.3).</summary>
    TooManyHops,

    /// <summary>The message already carries our forwarded-for marker for this recipient: it came back to us.</summary>
    AlreadyForwarded,
}

/// <summary>The outcome of a loop check.</summary>
/// <param name="Status">What was found.</param>
/// <param name="ReceivedCount">How many Received fields the message has.</param>
/// <param name="Reply">For a loop: the status to put in the bounce (554 5.4.6, RFC 3463 "routing loop detected"); otherwise null.</param>
public sealed record LoopCheck(LoopStatus Status, int ReceivedCount, InboundReply? Reply)
{
    /// <summary>True when the message loops and is to be bounced, not forwarded.</summary>
    public bool IsLoop => Status != LoopStatus.None;
}
