namespace MailAppliance.Dkim;

/// <summary>A DKIM signing algorithm, the <c>a=</c> tag of a DKIM-Signature (RFC 6376 §3.3, RFC 8463 §3).</summary>
public enum DkimAlgorithm
{
    /// <summary><c>rsa-sha256</c> (RFC 6376 §3.3.2): what every verifier understands.</summary>
    RsaSha256,

    /// <summary><c>ed25519-sha256</c> (RFC 8463 §3): PureEdDSA over the SHA-256 header hash.</summary>
    Ed25519Sha256,

    /// <summary>
    /// <c>rsa-sha1</c> (RFC 6376 §3.3.1). Recognized only to refuse it: RFC 8301 §3.1 says it MUST NOT be used for
    /// signing or verifying, so a signature with it never passes.
    /// </summary>
    RsaSha1,
}

/// <summary>Names and properties of <see cref="DkimAlgorithm"/> values.</summary>
public static class DkimAlgorithms
{
    /// <summary>The <c>a=</c> tag value, e.g. <c>rsa-sha256</c>.</summary>
    public static string TagValue(this DkimAlgorithm algorithm) => algorithm switch
    {
        DkimAlgorithm.RsaSha256 => "rsa-sha256",
        DkimAlgorithm.Ed25519Sha256 => "ed25519-sha256",
        DkimAlgorithm.RsaSha1 => "rsa-sha1",
        _ => throw new ArgumentOutOfRangeException(nameof(algorithm)),
    };

    /// <summary>The key type the algorithm needs (the key record's <c>k=</c>, RFC 6376 §3.6.1).</summary>
    public static DkimKeyType KeyType(this DkimAlgorithm algorithm) =>
        algorithm == DkimAlgorithm.Ed25519Sha256 ? DkimKeyType.Ed25519 : DkimKeyType.Rsa;

    /// <summary>The hash name as key records list it in <c>h=</c> (RFC 6376 §3.6.1): <c>sha256</c> or <c>sha1</c>.</summary>
    public static string HashName(this DkimAlgorithm algorithm) => algorithm == DkimAlgorithm.RsaSha1 ? "sha1" : "sha256";

    /// <summary>Parses an <c>a=</c> value; false for an algorithm this implementation does not know.</summary>
    public static bool TryParse(string value, out DkimAlgorithm algorithm)
    {
        // RFC 6376 §3.5 a=: the ABNF tokens are lower case; compare without case to be lenient on the spelling only.
        switch (value.ToLowerInvariant())
        {
            case "rsa-sha256":
                algorithm = DkimAlgorithm.RsaSha256;
                return true;
            case "ed25519-sha256":
                algorithm = DkimAlgorithm.Ed25519Sha256;
                return true;
            case "rsa-sha1":
                algorithm = DkimAlgorithm.RsaSha1;
                return true;
            default:
                algorithm = default;
                return false;
        }
    }
}
