using MailAppliance.Srs;

namespace MailAppliance.Inbound;

/// <summary>Where a bounce to one of our SRS addresses goes (from <see cref="Forwarder.ReverseBounce"/>).</summary>
/// <param name="Status">Ok (deliver to <paramref name="OriginalAddress"/>), Forged or Expired (refuse with
/// <paramref name="Reply"/>), or NotSrs (an ordinary recipient: handle it as usual).</param>
/// <param name="OriginalAddress">For Ok: the address the bounce is delivered to; otherwise null.</param>
/// <param name="Reply">For Forged and Expired: the RCPT reply; otherwise null.</param>
/// <param name="Problem">For Forged and Expired: what is wrong, for the mail log; otherwise null.</param>
public sealed record BounceRoute(SrsReverseStatus Status, string? OriginalAddress, InboundReply? Reply, string? Problem)
{
    /// <summary>True when the recipient is a valid SRS address of ours.</summary>
    public bool IsOk => Status == SrsReverseStatus.Ok;

    /// <summary>True when the recipient must be refused (<see cref="Reply"/>).</summary>
    public bool IsRefused => Reply is not null;
}
