namespace MailAppliance.Arc;

/// <summary>The three header fields of an ARC Set (RFC 8617 §4.1).</summary>
public static class ArcHeaderNames
{
    /// <summary>ARC-Authentication-Results (AAR, RFC 8617 §4.1.1): a copy of the Authentication-Results of a hop.</summary>
    public const string AuthenticationResults = "ARC-Authentication-Results";

    /// <summary>ARC-Message-Signature (AMS, RFC 8617 §4.1.2): a DKIM-like signature over the message.</summary>
    public const string MessageSignature = "ARC-Message-Signature";

    /// <summary>ARC-Seal (AS, RFC 8617 §4.1.3): a signature over the ARC header fields of the chain.</summary>
    public const string Seal = "ARC-Seal";

    /// <summary>True for any of the three names (without case, RFC 5322 §1.2.2).</summary>
    public static bool IsArcField(string name) =>
        name.Equals(AuthenticationResults, StringComparison.OrdinalIgnoreCase)
        || name.Equals(MessageSignature, StringComparison.OrdinalIgnoreCase)
        || name.Equals(Seal, StringComparison.OrdinalIgnoreCase);
}
