using MailAppliance.Dkim;

namespace MailAppliance.Arc;

/// <summary>Limits and policy of <see cref="ArcVerifier"/>.</summary>
public sealed class ArcVerifierOptions
{
    /// <summary>The smallest RSA key accepted (default 1024; RFC 8301 §3.2).</summary>
    public int MinimumRsaKeySize { get; init; } = 1024;

    /// <summary>
    /// Also verify the older ARC-Message-Signatures to report <see cref="ArcValidationResult.OldestPass"/>
    /// (RFC 8617 §5.2 step 4 is optional; default true, one hash per older set).
    /// </summary>
    public bool ComputeOldestPass { get; init; } = true;

    /// <summary>The largest header section read from a message stream (default 1 MiB).</summary>
    public int MaxHeaderLength { get; init; } = DkimMessageReader.DefaultMaxHeaderLength;
}
