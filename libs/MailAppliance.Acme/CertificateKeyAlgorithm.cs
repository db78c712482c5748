namespace MailAppliance.Acme;

/// <summary>The key type of an issued certificate.</summary>
public enum CertificateKeyAlgorithm
{
    /// <summary>ECDSA on P-256 with SHA-256: small, fast, accepted by every CA and current TLS client.</summary>
    EcdsaP256,

    /// <summary>RSA 2048 with PKCS#1 v1.5 SHA-256, for peers that still cannot do ECDSA.</summary>
    Rsa2048,
}
