using System.Security.Cryptography;
using System.Text;

namespace MailAppliance.Srs;

/// <summary>
/// The SRS hash: HMAC-SHA1 with a secret over the lower-cased fields, base64, truncated (libsrs2's srs_hash_create:
/// lower-cased so that a case change in transit does not break it, compared without case for the same reason).
/// </summary>
internal static class SrsHash
{
    /// <summary>The base64 length of a whole HMAC-SHA1 without padding.</summary>
    public const int MaxLength = 27;

    public static string Create(byte[] secret, int length, params string[] fields)
    {
        byte[] data = Encoding.UTF8.GetBytes(string.Concat(fields).ToLowerInvariant());
        return Convert.ToBase64String(HMACSHA1.HashData(secret, data))[..length];
    }

    /// <summary>True when <paramref name="hash"/> (at least <paramref name="minimumLength"/> long) matches under one of the secrets.</summary>
    public static bool Check(IReadOnlyList<byte[]> secrets, string hash, int minimumLength, params string[] fields)
    {
        if (hash.Length < minimumLength || hash.Length > MaxLength)
        {
            return false;
        }

        byte[] given = Encoding.ASCII.GetBytes(hash.ToLowerInvariant());
        bool match = false;
        foreach (byte[] secret in secrets)
        {
            byte[] expected = Encoding.ASCII.GetBytes(Create(secret, hash.Length, fields).ToLowerInvariant());
            // Every secret is tried, whatever matched, so the time taken says nothing about which one did.
            match |= CryptographicOperations.FixedTimeEquals(given, expected);
        }

        return match;
    }
}
