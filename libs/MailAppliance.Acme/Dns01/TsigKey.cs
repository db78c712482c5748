using System.Security.Cryptography;

namespace MailAppliance.Acme.Dns01;

/// <summary>A TSIG key (RFC 8945): its name, algorithm and shared secret, as in bind's <c>key "name" { ... }</c>.</summary>
public sealed record TsigKey
{
    /// <summary>HMAC-SHA256 (RFC 8945 §6, mandatory to implement).</summary>
    public const string HmacSha256 = "hmac-sha256";

    /// <summary>HMAC-SHA512.</summary>
    public const string HmacSha512 = "hmac-sha512";

    /// <summary>Creates a key.</summary>
    /// <exception cref="ArgumentException">Unknown algorithm.</exception>
    public TsigKey(string name, string algorithm, byte[] secret)
    {
        algorithm = algorithm.Trim().TrimEnd('.').ToLowerInvariant();
        if (algorithm is not (HmacSha256 or HmacSha512))
        {
            throw new ArgumentException($"TSIG algorithm {algorithm} is not supported (hmac-sha256, hmac-sha512)", nameof(algorithm));
        }

        Name = name.Trim().TrimEnd('.').ToLowerInvariant();
        Algorithm = algorithm;
        Secret = secret;
    }

    /// <summary>Key name, lower-case, without the trailing dot.</summary>
    public string Name { get; }

    /// <summary>Algorithm name (<c>hmac-sha256</c>).</summary>
    public string Algorithm { get; }

    /// <summary>The shared secret.</summary>
    public byte[] Secret { get; }

    /// <summary>Reads the base64 secret of a bind key statement.</summary>
    public static TsigKey FromBase64(string name, string algorithm, string base64Secret) => new(name, algorithm, Convert.FromBase64String(base64Secret.Trim()));

    internal byte[] Mac(ReadOnlySpan<byte> data) => Algorithm == HmacSha512 ? HMACSHA512.HashData(Secret, data) : HMACSHA256.HashData(Secret, data);
}
