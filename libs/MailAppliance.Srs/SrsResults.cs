namespace MailAppliance.Srs;

/// <summary>How <see cref="SrsRewriter.Forward"/> ended.</summary>
public enum SrsForwardStatus
{
    /// <summary>The sender was rewritten to an SRS0 or SRS1 address in our domain.</summary>
    Rewritten,

    /// <summary>Nothing to rewrite: the null sender, or a sender already in our domain (kept as it is).</summary>
    NotNeeded,

    /// <summary>The sender has no domain, so it cannot be rewritten (kept as it is).</summary>
    NoDomain,

    /// <summary>The rewritten address would be longer than <see cref="SrsRewriter.MaxAddressLength"/> (kept as it is).</summary>
    TooLong,
}

/// <summary>The outcome of <see cref="SrsRewriter.Forward"/>.</summary>
/// <param name="Status">What happened.</param>
/// <param name="Address">The envelope sender to use: the SRS address when rewritten, else the original sender.</param>
public sealed record SrsForwardResult(SrsForwardStatus Status, string Address)
{
    /// <summary>True when <see cref="Address"/> is a new SRS address.</summary>
    public bool Rewritten => Status == SrsForwardStatus.Rewritten;
}

/// <summary>How <see cref="SrsRewriter.Reverse"/> ended.</summary>
public enum SrsReverseStatus
{
    /// <summary>A valid SRS address of ours: <see cref="SrsReverseResult.Address"/> is where the bounce goes.</summary>
    Ok,

    /// <summary>Not an SRS address (no <c>SRS0</c>/<c>SRS1</c> prefix): an ordinary recipient.</summary>
    NotSrs,

    /// <summary>An SRS address whose hash is wrong or missing, or which is malformed: not made by us. Refuse it.</summary>
    Forged,

    /// <summary>A genuine SRS0 address older than <see cref="SrsOptions.MaxAge"/> (or from the future). Refuse it.</summary>
    Expired,
}

/// <summary>The outcome of <see cref="SrsRewriter.Reverse"/>.</summary>
/// <param name="Status">What was found.</param>
/// <param name="Address">For <see cref="SrsReverseStatus.Ok"/>, the original sender (SRS0) or the previous forwarder's
/// SRS0 address (SRS1); otherwise null.</param>
/// <param name="Problem">For a refusal, what is wrong, for the reply text and the log.</param>
public sealed record SrsReverseResult(SrsReverseStatus Status, string? Address, string? Problem)
{
    /// <summary>True for <see cref="SrsReverseStatus.Ok"/>.</summary>
    public bool IsOk => Status == SrsReverseStatus.Ok;

    internal static SrsReverseResult Ok(string address) => new(SrsReverseStatus.Ok, address, null);

    internal static SrsReverseResult NotSrs() => new(SrsReverseStatus.NotSrs, null, null);

    internal static SrsReverseResult Forged(string problem) => new(SrsReverseStatus.Forged, null, problem);

    internal static SrsReverseResult Expired(string problem) => new(SrsReverseStatus.Expired, null, problem);
}
