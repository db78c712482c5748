namespace MailAppliance.Dkim;

/// <summary>
/// The result of one signature, with the names Authentication-Results uses (RFC 8601 §2.7.1) for RFC 6376's
/// SUCCESS / PERMFAIL / TEMPFAIL.
/// </summary>
public enum DkimResult
{
    /// <summary>The signature verified (SUCCESS).</summary>
    Pass,

    /// <summary>The signature did not verify: body hash or signature mismatch, revoked key (PERMFAIL).</summary>
    Fail,

    /// <summary>
    /// The signature could not be processed: an algorithm or canonicalization this verifier does not implement
    /// (RFC 6376 §3.4: "Verifiers MUST ignore any signatures that use unrecognized canonicalization algorithms").
    /// </summary>
    Neutral,

    /// <summary>The key could not be fetched now; a later try may work (TEMPFAIL).</summary>
    TempError,

    /// <summary>
    /// The signature or its key record is broken, the key is missing or unsuitable, or the signature is not
    /// acceptable (PERMFAIL). rsa-sha1 lands here: RFC 8301 §3.1 forbids verifying with it.
    /// </summary>
    PermError,
}

/// <summary>Names of <see cref="DkimResult"/> values.</summary>
public static class DkimResults
{
    /// <summary>The Authentication-Results keyword: pass, fail, neutral, temperror or permerror (RFC 8601 §2.7.1).</summary>
    public static string Keyword(this DkimResult result) => result switch
    {
        DkimResult.Pass => "pass",
        DkimResult.Fail => "fail",
        DkimResult.Neutral => "neutral",
        DkimResult.TempError => "temperror",
        DkimResult.PermError => "permerror",
        _ => throw new ArgumentOutOfRangeException(nameof(result)),
    };
}

/// <summary>What the verifier found for one DKIM-Signature field.</summary>
public sealed class DkimSignatureResult
{
    /// <summary>Creates a result.</summary>
    public DkimSignatureResult(DkimHeaderField field, DkimResult result, string? reason, DkimSignature? signature)
    {
        Field = field;
        Result = result;
        Reason = reason;
        Signature = signature;
    }

    /// <summary>The DKIM-Signature field.</summary>
    public DkimHeaderField Field { get; }

    /// <summary>The result.</summary>
    public DkimResult Result { get; }

    /// <summary>Why it is not a pass (null for a pass), in one sentence for logs and Authentication-Results comments.</summary>
    public string? Reason { get; }

    /// <summary>The parsed signature, or null when the field could not be parsed.</summary>
    public DkimSignature? Signature { get; }

    /// <summary>The signing domain (<c>d=</c>), when the field could be parsed.</summary>
    public string? Domain => Signature?.Domain;

    /// <summary>The selector (<c>s=</c>), when the field could be parsed.</summary>
    public string? Selector => Signature?.Selector;

    /// <summary>True when the key record has <c>t=y</c>: the domain is testing DKIM (RFC 6376 §3.6.1 t=).</summary>
    public bool Testing { get; init; }

    /// <summary>
    /// For a pass with <c>l=</c>: how many canonical body octets the signature does not cover (content appended after
    /// signing, RFC 6376 §8.2). Zero otherwise.
    /// </summary>
    public long UnsignedBodyOctets { get; init; }

    /// <inheritdoc />
    public override string ToString() =>
        $"{Result.Keyword()} d={Domain ?? "?"} s={Selector ?? "?"}" + (Reason is null ? string.Empty : $" ({Reason})");
}
