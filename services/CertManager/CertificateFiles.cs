using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using MailAppliance.Core;

namespace MailAppliance.CertManager;

/// <summary>The certificate on disk, as the relay would read it.</summary>
/// <param name="Leaf">The leaf certificate.</param>
/// <param name="Placeholder">True for the self-signed placeholder written before the first issuance.</param>
public sealed record CurrentCertificate(X509Certificate2 Leaf, bool Placeholder)
{
    /// <summary>Start of validity, UTC.</summary>
    public DateTimeOffset NotBefore => new(Leaf.NotBefore.ToUniversalTime());

    /// <summary>End of validity, UTC.</summary>
    public DateTimeOffset NotAfter => new(Leaf.NotAfter.ToUniversalTime());

    /// <summary>Hex serial.</summary>
    public string Serial => Leaf.SerialNumber;
}

/// <summary>
/// <c>config/certs/&lt;name&gt;/fullchain.pem</c> and <c>privkey.pem</c> (the certbot/acme.sh layout the relay
/// reads): reading what is there, and replacing it atomically (SafeFile: temp file, fsync, rename), key 0600.
/// </summary>
public sealed class CertificateFiles
{
    /// <summary>Subject of the placeholder certificate, so that it is recognized as one.</summary>
    public const string PlaceholderSubject = "O=MailAppliance placeholder";

    /// <summary>Creates the accessor for <c>certsDirectory/name</c>.</summary>
    public CertificateFiles(string certsDirectory, string name)
    {
        Directory = Path.Combine(certsDirectory, name);
        Name = name;
    }

    /// <summary>The certificate's directory.</summary>
    public string Directory { get; }

    /// <summary>The directory name.</summary>
    public string Name { get; }

    /// <summary>fullchain.pem.</summary>
    public string ChainPath => Path.Combine(Directory, "fullchain.pem");

    /// <summary>privkey.pem.</summary>
    public string KeyPath => Path.Combine(Directory, "privkey.pem");

    /// <summary>The certificate and key on disk, when both exist and belong together; otherwise null.</summary>
    public CurrentCertificate? Read()
    {
        if (!File.Exists(ChainPath) || !File.Exists(KeyPath))
        {
            return null;
        }

        try
        {
            var leaf = X509Certificate2.CreateFromPemFile(ChainPath, KeyPath);
            return new CurrentCertificate(leaf, leaf.Subject.Contains(PlaceholderSubject, StringComparison.Ordinal));
        }
        catch (Exception e) when (e is CryptographicException or IOException or ArgumentException)
        {
            return null;
        }
    }

    /// <summary>
    /// Replaces the pair. The pair is checked first (the key must match the leaf): a bad download never reaches
    /// the files. The key is written before the chain; the relay, which loads the pair together, keeps the old
    /// certificate until both match (and reloads on the chain's rename).
    /// </summary>
    /// <exception cref="CryptographicException">The key does not match the certificate.</exception>
    public void Write(string fullChainPem, string privateKeyPem)
    {
        try
        {
            using (X509Certificate2.CreateFromPem(fullChainPem, privateKeyPem))
            {
                // Validates the pair before anything is written.
            }
        }
        catch (ArgumentException e)
        {
            throw new CryptographicException("the private key does not belong to the certificate: " + e.Message, e);
        }

        System.IO.Directory.CreateDirectory(Directory);
        SafeFile.WriteAllText(KeyPath, privateKeyPem.TrimEnd() + "\n", SafeFile.Secret);
        SafeFile.WriteAllText(ChainPath, fullChainPem.TrimEnd() + "\n", SafeFile.Public);
    }

    /// <summary>
    /// Writes a self-signed placeholder for <paramref name="names"/> when no usable pair exists, so the relay
    /// starts with a certificate for its name before the first issuance. Returns true when it wrote one.
    /// </summary>
    public bool EnsurePlaceholder(IReadOnlyList<string> names, TimeProvider clock)
    {
        if (Read() is not null)
        {
            return false;
        }

        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={names[0]}, {PlaceholderSubject}", key, HashAlgorithmName.SHA256);
        var san = new SubjectAlternativeNameBuilder();
        foreach (string name in names)
        {
            san.AddDnsName(name);
        }

        request.CertificateExtensions.Add(san.Build());
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], critical: false));
        var now = clock.GetUtcNow();
        using var certificate = request.CreateSelfSigned(now.AddMinutes(-5), now.AddDays(90));
        Write(certificate.ExportCertificatePem(), key.ExportPkcs8PrivateKeyPem());
        return true;
    }
}
