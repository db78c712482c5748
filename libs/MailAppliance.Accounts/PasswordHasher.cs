using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Security.Cryptography;

namespace MailAppliance.Accounts;

/// <summary>
/// Password hashes for the users files: PBKDF2-HMAC-SHA512 (RFC 8018 §5.2) over the UTF-8 bytes of the password,
/// with a random salt, encoded as <c>pbkdf2-sha512$ITERATIONS$SALT$HASH</c> where SALT and HASH are standard
/// base64 with padding (RFC 4648 §4).
/// </summary>
/// <remarks>
/// The iteration count is read back from each hash rather than assumed, so <see cref="DefaultIterations"/> can be
/// raised later without invalidating existing hashes; <see cref="NeedsRehash"/> tells which ones are behind.
/// </remarks>
public static class PasswordHasher
{
    /// <summary>The scheme name that starts every hash.</summary>
    public const string Scheme = "pbkdf2-sha512";

    /// <summary>
    /// Iterations for new hashes: the OWASP Password Storage Cheat Sheet figure for PBKDF2-HMAC-SHA512.
    /// </summary>
    public const int DefaultIterations = 210_000;

    /// <summary>Bytes of random salt in new hashes.</summary>
    public const int SaltSize = 16;

    /// <summary>Bytes of derived key in new hashes.</summary>
    public const int HashSize = 32;

    // Bounds for hashes read from a file. The upper iteration bound keeps a typo in a hand-written hash from
    // turning every login into a minutes-long computation, which would be a denial of service.
    private const int MaxIterations = 100_000_000;
    private const int MinSaltSize = 8;
    private const int MinHashSize = 16;
    private const int MaxEncodedPartSize = 128;

    private static readonly HashAlgorithmName Algorithm = HashAlgorithmName.SHA512;

    // A hash nobody knows the password of: random salt and random derived key. Verifying against it costs the
    // same as verifying a real hash made with DefaultIterations, so unknown accounts answer in the same time as
    // known ones and cannot be enumerated by timing.
    private static readonly string UnknownAccountHash = Encode(
        DefaultIterations, RandomNumberGenerator.GetBytes(SaltSize), RandomNumberGenerator.GetBytes(HashSize));

    /// <summary>Hashes a password with a fresh random salt and <see cref="DefaultIterations"/>.</summary>
    /// <exception cref="ArgumentException">The password is empty.</exception>
    public static string Hash(string password) => Hash(password, DefaultIterations);

    /// <summary>Hashes a password with a fresh random salt and the given iteration count.</summary>
    /// <exception cref="ArgumentException">The password is empty.</exception>
    /// <exception cref="ArgumentOutOfRangeException">The iteration count is below 1 or absurdly high.</exception>
    public static string Hash(string password, int iterations)
    {
        ArgumentException.ThrowIfNullOrEmpty(password);
        ArgumentOutOfRangeException.ThrowIfLessThan(iterations, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(iterations, MaxIterations);

        byte[] salt = RandomNumberGenerator.GetBytes(SaltSize);
        byte[] hash = Rfc2898DeriveBytes.Pbkdf2(password, salt, iterations, Algorithm, HashSize);
        return Encode(iterations, salt, hash);
    }

    /// <summary>
    /// True when <paramref name="password"/> matches <paramref name="encodedHash"/>. The comparison takes the same
    /// time wherever the first differing byte is. A malformed hash never matches.
    /// </summary>
    public static bool Verify(string password, string encodedHash)
    {
        if (!TryDecode(encodedHash, out var decoded, out _))
        {
            return false;
        }

        byte[] actual = Rfc2898DeriveBytes.Pbkdf2(password, decoded.Salt, decoded.Iterations, Algorithm, decoded.Hash.Length);
        return CryptographicOperations.FixedTimeEquals(actual, decoded.Hash);
    }

    /// <summary>
    /// Spends the time a real verification would and returns false. Call it for an unknown account or domain, so
    /// that the answer takes as long as for a known account with a wrong password.
    /// </summary>
    public static bool VerifyUnknownAccount(string password)
    {
        _ = Verify(password, UnknownAccountHash);
        return false;
    }

    /// <summary>True when the hash uses fewer iterations than <see cref="DefaultIterations"/> (or is malformed).</summary>
    public static bool NeedsRehash(string encodedHash) =>
        !TryDecode(encodedHash, out var decoded, out _) || decoded.Iterations < DefaultIterations;

    /// <summary>Checks that a hash is in the documented format; <paramref name="problem"/> says what is wrong.</summary>
    public static bool IsWellFormed(string encodedHash, [NotNullWhen(false)] out string? problem) =>
        TryDecode(encodedHash, out _, out problem);

    private static string Encode(int iterations, byte[] salt, byte[] hash) =>
        string.Create(CultureInfo.InvariantCulture, $"{Scheme}${iterations}${Convert.ToBase64String(salt)}${Convert.ToBase64String(hash)}");

    private static bool TryDecode(string encodedHash, out DecodedHash decoded, [NotNullWhen(false)] out string? problem)
    {
        decoded = default;
        string[] parts = encodedHash.Split('$');
        if (parts[0] != Scheme)
        {
            problem = $"unknown password hash scheme '{parts[0]}' (expected {Scheme})";
            return false;
        }

        if (parts.Length != 4)
        {
            problem = $"a {Scheme} hash has four '$'-separated parts: {Scheme}$ITERATIONS$SALT$HASH";
            return false;
        }

        if (!int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out int iterations)
            || iterations < 1 || iterations > MaxIterations)
        {
            problem = $"the iteration count '{parts[1]}' is not a number between 1 and {MaxIterations}";
            return false;
        }

        if (!TryDecodeBase64(parts[2], out byte[]? salt) || salt.Length < MinSaltSize)
        {
            problem = $"the salt is not base64 of at least {MinSaltSize} bytes";
            return false;
        }

        if (!TryDecodeBase64(parts[3], out byte[]? hash) || hash.Length < MinHashSize || hash.Length > 64)
        {
            problem = $"the hash is not base64 of {MinHashSize} to 64 bytes";
            return false;
        }

        decoded = new DecodedHash(iterations, salt, hash);
        problem = null;
        return true;
    }

    private static bool TryDecodeBase64(string text, [NotNullWhen(true)] out byte[]? bytes)
    {
        Span<byte> buffer = stackalloc byte[MaxEncodedPartSize];
        if (text.Length > 0 && Convert.TryFromBase64String(text, buffer, out int written))
        {
            bytes = buffer[..written].ToArray();
            return true;
        }

        bytes = null;
        return false;
    }

    private readonly record struct DecodedHash(int Iterations, byte[] Salt, byte[] Hash);
}
