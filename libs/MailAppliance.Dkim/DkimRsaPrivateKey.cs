using System.Security.Cryptography;

namespace MailAppliance.Dkim;

/// <summary>An RSA DKIM key (rsa-sha256, RFC 6376 §3.3.2).</summary>
internal sealed class DkimRsaPrivateKey : DkimPrivateKey
{
    /// <summary>RFC 8301 §3.2: "Signers MUST use RSA keys of at least 1024 bits".</summary>
    public const int MinimumKeySize = 1024;

    private readonly RSA rsa;

    public DkimRsaPrivateKey(RSA rsa)
    {
        if (rsa.KeySize < MinimumKeySize)
        {
            throw new DkimFormatException($"the RSA key has {rsa.KeySize} bits; RFC 8301 §3.2 requires at least {MinimumKeySize}");
        }

        this.rsa = rsa;
    }

    public override DkimKeyType KeyType => DkimKeyType.Rsa;

    public override int KeySize => rsa.KeySize;

    // RFC 6376 §3.6.1 k=rsa names an RSAPublicKey, but in practice (and in RFC 6376's own examples) p= holds the
    // SubjectPublicKeyInfo; every verifier accepts that, so publish it.
    public override byte[] PublicKeyData() => rsa.ExportSubjectPublicKeyInfo();

    public override byte[] SignHash(ReadOnlySpan<byte> sha256) =>
        rsa.SignHash(sha256.ToArray(), HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);

    public override string ExportPkcs8Pem() => rsa.ExportPkcs8PrivateKeyPem() + "\n";

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            rsa.Dispose();
        }
    }
}
