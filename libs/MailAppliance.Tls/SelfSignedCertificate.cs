using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using MailAppliance.Core;

namespace MailAppliance.Tls;

/// <summary>
/// The certificate the relay serves before any real one exists, so it starts at once and still offers TLS
/// (opportunistic TLS between MTAs does not verify certificates; RFC 7435). Kept on disk so it is stable
/// across restarts.
/// </summary>
public static class SelfSignedCertificate
{
    /// <summary>Loads the self-signed certificate from <paramref name="directory"/>, creating it for <paramref name="hostname"/> when missing or expired.</summary>
    public static X509Certificate2 LoadOrCreate(string directory, string hostname, TimeProvider? clock = null)
    {
        var now = (clock ?? TimeProvider.System).GetUtcNow();
        string certPath = Path.Combine(directory, "fullchain.pem");
        string keyPath = Path.Combine(directory, "privkey.pem");
        if (File.Exists(certPath) && File.Exists(keyPath))
        {
            try
            {
                var existing = X509Certificate2.CreateFromPemFile(certPath, keyPath);
                if (existing.NotAfter.ToUniversalTime() > now.UtcDateTime.AddDays(7) && existing.MatchesHostname(hostname))
                {
                    return existing;
                }
            }
            catch (CryptographicException)
            {
                // Unreadable: make a new one below.
            }
        }

        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={hostname}", key, HashAlgorithmName.SHA256);
        var names = new SubjectAlternativeNameBuilder();
        names.AddDnsName(hostname);
        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, critical: true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], critical: false));
        using var certificate = request.CreateSelfSigned(now.AddMinutes(-5), now.AddYears(1));
        SafeFile.WriteAllText(keyPath, key.ExportPkcs8PrivateKeyPem(), SafeFile.Secret);
        SafeFile.WriteAllText(certPath, certificate.ExportCertificatePem() + "\n");
        return X509Certificate2.CreateFromPemFile(certPath, keyPath);
    }
}
