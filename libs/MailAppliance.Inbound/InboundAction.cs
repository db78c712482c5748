namespace MailAppliance.Inbound;

/// <summary>What the session does with a received message after authentication.</summary>
public enum InboundAction
{
    /// <summary>Accept it as usual.</summary>
    Accept,

    /// <summary>Accept it and mark it (<see cref="InboundVerdict.QuarantineField"/>).</summary>
    Quarantine,

    /// <summary>Refuse it with <see cref="InboundVerdict.RejectReply"/> at end of data (RFC 7489 §6.7, 550 5.7.1).</summary>
    Reject,
}
