using System.Security.Cryptography;
using Org.BouncyCastle.Asn1.EdEC;
using Org.BouncyCastle.Asn1.Pkcs;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.Security;

namespace MailAppliance.Dkim;

/// <summary>
/// A DKIM private key: RSA (signs rsa-sha256, RFC 6376 §3.3.2) or Ed25519 (signs ed25519-sha256, RFC 8463 §3).
/// Stored as PKCS#8 PEM (<c>-----BEGIN PRIVATE KEY-----</c>), the format OpenSSL and opendkim-genkey write.
/// </summary>
public abstract class DkimPrivateKey : IDisposable
{
    /// <summary>The key type.</summary>
    public abstract DkimKeyType KeyType { get; }

    /// <summary>The algorithm this key signs with.</summary>
    public DkimAlgorithm Algorithm => KeyType.SigningAlgorithm();

    /// <summary>The key size in bits (256 for Ed25519).</summary>
    public abstract int KeySize { get; }

    /// <summary>The public key as the key record's <c>p=</c> carries it (before base64).</summary>
    public abstract byte[] PublicKeyData();

    /// <summary>The matching public key.</summary>
    public DkimPublicKey PublicKey() => DkimPublicKey.Create(KeyType, PublicKeyData());

    /// <summary>
    /// Signs the SHA-256 header hash (RFC 6376 §3.7 data-hash). RSA: PKCS#1 v1.5 with the SHA-256 DigestInfo
    /// (RFC 6376 §3.3.2). Ed25519: PureEdDSA over the 32 hash octets (RFC 8463 §3).
    /// </summary>
    public abstract byte[] SignHash(ReadOnlySpan<byte> sha256);

    /// <summary>The key as PKCS#8 PEM.</summary>
    public abstract string ExportPkcs8Pem();

    /// <summary>
    /// Reads a PEM private key: PKCS#8 (<c>PRIVATE KEY</c>, RSA or Ed25519) or PKCS#1 (<c>RSA PRIVATE KEY</c>).
    /// </summary>
    /// <exception cref="DkimFormatException">Not such a PEM key, encrypted, or of another algorithm.</exception>
    public static DkimPrivateKey FromPem(string pem)
    {
        if (!PemEncoding.TryFind(pem, out var fields))
        {
            throw new DkimFormatException("no PEM block (-----BEGIN PRIVATE KEY-----) found");
        }

        string label = pem[fields.Label];
        byte[] der;
        try
        {
            der = Convert.FromBase64String(pem[fields.Base64Data]);
        }
        catch (FormatException)
        {
            throw new DkimFormatException("the PEM block is not base64");
        }

        try
        {
            switch (label)
            {
                case "PRIVATE KEY":
                    return FromPkcs8(der);
                case "RSA PRIVATE KEY":
                    var rsa = RSA.Create();
                    rsa.ImportRSAPrivateKey(der, out _);
                    return FromRsa(rsa);
                case "ENCRYPTED PRIVATE KEY":
                    throw new DkimFormatException("the key is encrypted; store it unencrypted, readable by the relay only (mode 0600)");
                default:
                    throw new DkimFormatException($"a PEM '{label}' block is not a private key; expected PRIVATE KEY (PKCS#8)");
            }
        }
        catch (Exception e) when (e is CryptographicException or ArgumentException or InvalidOperationException or IOException
                                      or Org.BouncyCastle.Security.SecurityUtilityException)
        {
            throw new DkimFormatException($"the {label} is damaged: {e.Message}", e);
        }
    }

    /// <summary>Wraps an RSA key (the key now belongs to the returned object).</summary>
    /// <exception cref="DkimFormatException">The key is shorter than 1024 bits (RFC 8301 §3.2).</exception>
    public static DkimPrivateKey FromRsa(RSA rsa) => new DkimRsaPrivateKey(rsa);

    /// <summary>An Ed25519 key from its 32-octet seed (RFC 8032 §5.1.5; the form RFC 8463 Appendix A prints).</summary>
    public static DkimPrivateKey FromEd25519Seed(ReadOnlySpan<byte> seed)
    {
        if (seed.Length != Ed25519PrivateKeyParameters.KeySize)
        {
            throw new DkimFormatException($"an Ed25519 private key has {Ed25519PrivateKeyParameters.KeySize} octets, not {seed.Length}");
        }

        return new DkimEd25519PrivateKey(new Ed25519PrivateKeyParameters(seed));
    }

    /// <inheritdoc />
    public void Dispose()
    {
        Dispose(disposing: true);
        GC.SuppressFinalize(this);
    }

    /// <summary>Releases the key.</summary>
    protected virtual void Dispose(bool disposing)
    {
    }

    private static DkimPrivateKey FromPkcs8(byte[] der)
    {
        var info = PrivateKeyInfo.GetInstance(der);
        var oid = info.PrivateKeyAlgorithm.Algorithm;
        if (oid.Equals(PkcsObjectIdentifiers.RsaEncryption))
        {
            var rsa = RSA.Create();
            rsa.ImportPkcs8PrivateKey(der, out _);
            return FromRsa(rsa);
        }

        if (oid.Equals(EdECObjectIdentifiers.id_Ed25519))
        {
            return new DkimEd25519PrivateKey((Ed25519PrivateKeyParameters)PrivateKeyFactory.CreateKey(info));
        }

        throw new DkimFormatException($"the key's algorithm {oid.Id} is neither RSA nor Ed25519");
    }
}
