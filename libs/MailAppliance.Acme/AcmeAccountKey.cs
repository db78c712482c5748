using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using MailAppliance.Core;

namespace MailAppliance.Acme;

/// <summary>
/// The ACME account key: ECDSA P-256 signing with ES256 (RFC 7518 §3.4), its JWK (RFC 7517) and JWK thumbprint
/// (RFC 7638). Kept as a PKCS#8 PEM file, mode 0600.
/// </summary>
public sealed class AcmeAccountKey : IDisposable
{
    private readonly ECDsa _key;

    private AcmeAccountKey(ECDsa key)
    {
        _key = key;
        var parameters = key.ExportParameters(includePrivateParameters: false);
        // RFC 7638 §3.2: the members crv, kty, x, y in lexicographic order, no whitespace. The same string
        // serves as the JWK in a JWS header (RFC 8555 §6.2), so the thumbprint is always of what we send.
        JwkJson = $"{{\"crv\":\"P-256\",\"kty\":\"EC\",\"x\":\"{Base64Url.EncodeToString(parameters.Q.X)}\",\"y\":\"{Base64Url.EncodeToString(parameters.Q.Y)}\"}}";
        Thumbprint = Base64Url.EncodeToString(SHA256.HashData(Encoding.UTF8.GetBytes(JwkJson)));
    }

    /// <summary>The JWS algorithm name.</summary>
    public const string Algorithm = "ES256";

    /// <summary>The public key as a JWK in canonical member order (RFC 7638 §3.2).</summary>
    public string JwkJson { get; }

    /// <summary>The base64url SHA-256 JWK thumbprint (RFC 7638), used in key authorizations (RFC 8555 §8.1).</summary>
    public string Thumbprint { get; }

    /// <summary>Makes a new P-256 key.</summary>
    public static AcmeAccountKey Create() => new(ECDsa.Create(ECCurve.NamedCurves.nistP256));

    /// <summary>Reads a PEM key (PKCS#8 or SEC1 EC).</summary>
    /// <exception cref="CryptographicException">Not a P-256 key.</exception>
    public static AcmeAccountKey FromPem(string pem)
    {
        var key = ECDsa.Create();
        key.ImportFromPem(pem);
        if (key.KeySize != 256)
        {
            key.Dispose();
            throw new CryptographicException("the ACME account key must be ECDSA P-256");
        }

        return new AcmeAccountKey(key);
    }

    /// <summary>Loads the key from <paramref name="path"/>, or makes one and writes it there (0600, atomically).</summary>
    public static AcmeAccountKey LoadOrCreate(string path)
    {
        if (File.Exists(path))
        {
            return FromPem(File.ReadAllText(path));
        }

        var key = Create();
        SafeFile.WriteAllText(path, key.ExportPem(), SafeFile.Secret);
        return key;
    }

    /// <summary>The private key as PKCS#8 PEM.</summary>
    public string ExportPem() => _key.ExportPkcs8PrivateKeyPem();

    /// <summary>ES256 signature: SHA-256, then the fixed-width r || s form JWS requires (RFC 7518 §3.4).</summary>
    public byte[] Sign(ReadOnlySpan<byte> data) =>
        _key.SignData(data, HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation);

    /// <summary>Checks an ES256 signature made by this key.</summary>
    public bool Verify(ReadOnlySpan<byte> data, ReadOnlySpan<byte> signature) =>
        _key.VerifyData(data, signature, HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation);

    /// <summary>The key authorization for a challenge token: <c>token "." thumbprint</c> (RFC 8555 §8.1).</summary>
    public string KeyAuthorization(string token) => token + "." + Thumbprint;

    /// <inheritdoc />
    public void Dispose() => _key.Dispose();
}
