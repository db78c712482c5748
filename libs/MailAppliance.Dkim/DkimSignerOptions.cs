namespace MailAppliance.Dkim;

/// <summary>How <see cref="DkimSigner"/> signs. The defaults follow RFC 6376 §5.4.1 and current practice.</summary>
public sealed class DkimSignerOptions
{
    /// <summary>
    /// The header fields to sign when present, in this order (RFC 6376 §5.4.1's recommended set, minus the
    /// trace fields that change in transit).
    /// </summary>
    public static IReadOnlyList<string> DefaultSignedHeaders { get; } =
    [
        "From", "To", "Cc", "Subject", "Date", "Message-ID", "Reply-To", "In-Reply-To", "References",
        "MIME-Version", "Content-Type", "Content-Transfer-Encoding",
    ];

    /// <summary>Canonicalization (default relaxed/relaxed, which survives refolding by relays).</summary>
    public DkimCanonicalization Canonicalization { get; init; } = DkimCanonicalization.RelaxedRelaxed;

    /// <summary>Header fields signed when present (default <see cref="DefaultSignedHeaders"/>).</summary>
    public IReadOnlyList<string> SignedHeaders { get; init; } = DefaultSignedHeaders;

    /// <summary>Also sign every <c>List-*</c> field present (RFC 2369, RFC 2919; default true).</summary>
    public bool SignListHeaders { get; init; } = true;

    /// <summary>
    /// Fields listed in <c>h=</c> once more than they occur, so that adding another one later breaks the signature
    /// (RFC 6376 §5.4.2, §8.15). Default: From, the field DKIM is about.
    /// </summary>
    public IReadOnlyList<string> OversignedHeaders { get; init; } = ["From"];

    /// <summary>Write <c>t=</c>, the signing time (RECOMMENDED, RFC 6376 §3.5; default true).</summary>
    public bool IncludeTimestamp { get; init; } = true;

    /// <summary>If set, write <c>x=</c>: the signature expires this long after signing (default none).</summary>
    public TimeSpan? Expiration { get; init; }

    /// <summary>The longest header line written (default 78, RFC 5322 §2.1.1's SHOULD).</summary>
    public int LineLength { get; init; } = 78;
}
