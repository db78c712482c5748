namespace MailAppliance.Arc;

/// <summary>What <see cref="ArcVerifier"/> found: the chain validation status and the details a receiver reports.</summary>
public sealed class ArcValidationResult
{
    /// <summary>Creates a result.</summary>
    public ArcValidationResult(ArcChainStatus status, string? reason, ArcChain chain)
    {
        Status = status;
        Reason = reason;
        Chain = chain;
    }

    /// <summary>The chain validation status: none, pass or fail (RFC 8617 §5.2).</summary>
    public ArcChainStatus Status { get; }

    /// <summary>Why the chain failed (null for none and pass), in one sentence for logs and comments.</summary>
    public string? Reason { get; }

    /// <summary>The ARC Sets found (their structure, parsed fields and instance count).</summary>
    public ArcChain Chain { get; }

    /// <summary>The number of sets (N), the newest instance; 0 without a chain.</summary>
    public int Instance => Chain.HighestInstance;

    /// <summary>
    /// For a pass: the oldest instance whose ARC-Message-Signature still verifies, or 0 when all of them do
    /// (RFC 8617 §5.2 step 4, reported as <c>header.oldest-pass</c>). Null when not computed or not a pass.
    /// </summary>
    public int? OldestPass { get; init; }

    /// <summary>True when the failure came from a key lookup that may succeed later (DNS timeout or SERVFAIL).</summary>
    public bool IsTemporary { get; init; }

    /// <summary>The instance whose seal or message signature failed, when the failure is that specific.</summary>
    public int? FailedInstance { get; init; }

    /// <summary>The Authentication-Results method result: <c>arc=pass</c> and the like (RFC 8617 §10.1).</summary>
    public string AuthenticationResult => $"arc={Status.Keyword()}";

    /// <inheritdoc />
    public override string ToString() =>
        $"arc={Status.Keyword()} i={Instance}" + (OldestPass is int o ? $" oldest-pass={o}" : string.Empty)
        + (Reason is null ? string.Empty : $" ({Reason})");
}
