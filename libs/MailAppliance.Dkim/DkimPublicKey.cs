using System.Security.Cryptography;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.Crypto.Signers;

namespace MailAppliance.Dkim;

/// <summary>A DKIM public key from a key record's <c>p=</c>, able to check a signature over the header hash.</summary>
public abstract class DkimPublicKey : IDisposable
{
    /// <summary>The key type.</summary>
    public abstract DkimKeyType KeyType { get; }

    /// <summary>The key size in bits.</summary>
    public abstract int KeySize { get; }

    /// <summary>Checks a signature over the SHA-256 header hash (RFC 6376 §6.1.3 step 4).</summary>
    public abstract bool VerifyHash(ReadOnlySpan<byte> sha256, ReadOnlySpan<byte> signature);

    /// <summary>The key of a record.</summary>
    /// <exception cref="DkimFormatException">The record is revoked, of an unknown type, or its <c>p=</c> is not a key
    /// of its type (RFC 6376 §6.1.2 steps 7, 8).</exception>
    public static DkimPublicKey FromRecord(DkimKeyRecord record)
    {
        if (record.IsRevoked)
        {
            throw new DkimFormatException("the key is revoked (empty p=)");
        }

        return record.KeyType is DkimKeyType type
            ? Create(type, record.PublicKey)
            : throw new DkimFormatException($"unknown key type k={record.KeyTypeName}");
    }

    /// <summary>A key from its type and <c>p=</c> data.</summary>
    /// <exception cref="DkimFormatException">The data is not a key of that type.</exception>
    public static DkimPublicKey Create(DkimKeyType type, byte[] data)
    {
        if (type == DkimKeyType.Ed25519)
        {
            // RFC 8463 §4: the 32-octet public key, base64 in p=.
            return data.Length == Ed25519PublicKeyParameters.KeySize
                ? new Ed25519Key(new Ed25519PublicKeyParameters(data))
                : throw new DkimFormatException($"an Ed25519 public key has 32 octets, not {data.Length}");
        }

        var rsa = RSA.Create();
        try
        {
            // Published keys are SubjectPublicKeyInfo; RFC 6376 §3.6.1 k=rsa literally says RSAPublicKey, accept both.
            try
            {
                rsa.ImportSubjectPublicKeyInfo(data, out int read);
                if (read != data.Length)
                {
                    throw new CryptographicException("trailing data after the key");
                }
            }
            catch (CryptographicException)
            {
                rsa.ImportRSAPublicKey(data, out int read);
                if (read != data.Length)
                {
                    throw;
                }
            }

            return new RsaKey(rsa);
        }
        catch (CryptographicException e)
        {
            rsa.Dispose();
            throw new DkimFormatException("p= is not an RSA public key", e);
        }
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

    private sealed class RsaKey(RSA rsa) : DkimPublicKey
    {
        public override DkimKeyType KeyType => DkimKeyType.Rsa;

        public override int KeySize => rsa.KeySize;

        public override bool VerifyHash(ReadOnlySpan<byte> sha256, ReadOnlySpan<byte> signature) =>
            rsa.VerifyHash(sha256, signature, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                rsa.Dispose();
            }
        }
    }

    private sealed class Ed25519Key(Ed25519PublicKeyParameters key) : DkimPublicKey
    {
        public override DkimKeyType KeyType => DkimKeyType.Ed25519;

        public override int KeySize => 256;

        public override bool VerifyHash(ReadOnlySpan<byte> sha256, ReadOnlySpan<byte> signature)
        {
            if (signature.Length != Ed25519PrivateKeyParameters.SignatureSize)
            {
                return false;
            }

            var verifier = new Ed25519Signer();
            verifier.Init(forSigning: false, key);
            verifier.BlockUpdate(sha256);
            return verifier.VerifySignature(signature.ToArray());
        }
    }
}
