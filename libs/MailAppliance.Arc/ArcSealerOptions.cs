using MailAppliance.Dkim;

namespace MailAppliance.Arc;

/// <summary>How <see cref="ArcSealer"/> writes its ARC Set.</summary>
public sealed class ArcSealerOptions
{
    /// <summary>
    /// The header fields the ARC-Message-Signature signs when present (default: DKIM's set plus DKIM-Signature, so
    /// the original signatures are covered too; RFC 8617 §4.1.2). ARC-Seal is never signed (RFC 8617 §4.1.2).
    /// </summary>
    public IReadOnlyList<string> SignedHeaders { get; init; } = [.. DkimSignerOptions.DefaultSignedHeaders, "DKIM-Signature"];

    /// <summary>The AMS canonicalization (default relaxed/relaxed; the seal itself is always relaxed, RFC 8617 §5.1.1).</summary>
    public DkimCanonicalization Canonicalization { get; init; } = DkimCanonicalization.RelaxedRelaxed;

    /// <summary>
    /// The longest line written before folding (default 78, RFC 5322 §2.1.1). Folding happens between tags and
    /// inside b=; 0 writes each field on one line (the form the ARC test suite's expected values assume).
    /// </summary>
    public int LineLength { get; init; } = 78;

    /// <summary>
    /// Put <c>arc=&lt;cv&gt;</c> first in the ARC-Authentication-Results when the given results have no arc= result
    /// (default true): the next hop sees what this one concluded about the chain (RFC 8617 §4.1.1, §10.1).
    /// </summary>
    public bool AddArcResult { get; init; } = true;
}
