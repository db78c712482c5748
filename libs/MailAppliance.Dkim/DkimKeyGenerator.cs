using System.Globalization;
using System.Security.Cryptography;
using MailAppliance.Core;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.Security;

namespace MailAppliance.Dkim;

/// <summary>Makes DKIM keys and writes them where the relay finds them, private (mode 0600) and atomically.</summary>
public static class DkimKeyGenerator
{
    /// <summary>The default RSA size: RFC 8301 §3.2 says signers SHOULD use at least 2048 bits.</summary>
    public const int DefaultRsaKeySize = 2048;

    /// <summary>A new key.</summary>
    /// <param name="keyType">RSA or Ed25519.</param>
    /// <param name="rsaKeySize">The RSA modulus size in bits, 1024 to 4096 (ignored for Ed25519).</param>
    public static DkimPrivateKey Generate(DkimKeyType keyType, int rsaKeySize = DefaultRsaKeySize)
    {
        if (keyType == DkimKeyType.Ed25519)
        {
            return new DkimEd25519PrivateKey(new Ed25519PrivateKeyParameters(new SecureRandom()));
        }

        // RFC 8301 §3.2: at least 1024 bits; above 4096 some verifiers give up, and the record outgrows a UDP answer.
        if (rsaKeySize is < 1024 or > 4096)
        {
            throw new ArgumentOutOfRangeException(nameof(rsaKeySize), rsaKeySize, "an RSA DKIM key has 1024 to 4096 bits");
        }

        return DkimPrivateKey.FromRsa(RSA.Create(rsaKeySize));
    }

    /// <summary>
    /// The default selector for a key made on <paramref name="date"/>: <c>yyyyMMdd</c> and a letter for the key
    /// type (<c>r</c> RSA, <c>e</c> Ed25519), e.g. <c>20250131r</c>. Dated selectors make rotation plain to see.
    /// </summary>
    public static string DefaultSelector(DkimKeyType keyType, DateTimeOffset date) =>
        date.UtcDateTime.ToString("yyyyMMdd", CultureInfo.InvariantCulture) + (keyType == DkimKeyType.Ed25519 ? "e" : "r");

    /// <summary>
    /// Makes a key and writes it to <c>keyDirectory/selector.pem</c>, mode 0600, atomically (write, fsync, rename).
    /// </summary>
    /// <returns>The new signing key.</returns>
    /// <exception cref="ArgumentException">The domain or selector is not valid.</exception>
    /// <exception cref="IOException">The selector already has a key file: keys are never overwritten, because the
    /// published record and signed mail in flight still depend on it.</exception>
    public static DkimSigningKey CreateKeyFile(
        string keyDirectory, string domain, string selector, DkimKeyType keyType, int rsaKeySize = DefaultRsaKeySize)
    {
        var key = new DkimSigningKey(domain, selector, Generate(keyType, rsaKeySize));
        string path = DkimKeyDirectory.KeyFile(keyDirectory, selector);
        if (File.Exists(path))
        {
            key.Dispose();
            throw new IOException($"{path} already exists: the selector {selector} is taken; choose another");
        }

        SafeFile.WriteAllText(path, key.PrivateKey.ExportPkcs8Pem(), SafeFile.Secret);
        return key;
    }
}
