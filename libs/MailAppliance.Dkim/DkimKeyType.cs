namespace MailAppliance.Dkim;

/// <summary>A DKIM key type, the key record's <c>k=</c> tag (RFC 6376 §3.6.1, RFC 8463 §4).</summary>
public enum DkimKeyType
{
    /// <summary><c>k=rsa</c>: <c>p=</c> holds a DER SubjectPublicKeyInfo (or bare RSAPublicKey).</summary>
    Rsa,

    /// <summary><c>k=ed25519</c>: <c>p=</c> holds the 32-octet public key (RFC 8463 §4).</summary>
    Ed25519,
}

/// <summary>Names of <see cref="DkimKeyType"/> values.</summary>
public static class DkimKeyTypes
{
    /// <summary>The <c>k=</c> value: <c>rsa</c> or <c>ed25519</c>.</summary>
    public static string TagValue(this DkimKeyType keyType) => keyType switch
    {
        DkimKeyType.Rsa => "rsa",
        DkimKeyType.Ed25519 => "ed25519",
        _ => throw new ArgumentOutOfRangeException(nameof(keyType)),
    };

    /// <summary>The algorithm a key of this type signs with.</summary>
    public static DkimAlgorithm SigningAlgorithm(this DkimKeyType keyType) =>
        keyType == DkimKeyType.Ed25519 ? DkimAlgorithm.Ed25519Sha256 : DkimAlgorithm.RsaSha256;

    /// <summary>Parses a <c>k=</c> value (case-insensitive); false for an unknown key type.</summary>
    public static bool TryParse(string value, out DkimKeyType keyType)
    {
        switch (value.ToLowerInvariant())
        {
            case "rsa":
                keyType = DkimKeyType.Rsa;
                return true;
            case "ed25519":
                keyType = DkimKeyType.Ed25519;
                return true;
            default:
                keyType = default;
                return false;
        }
    }
}
