using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace MailAppliance.IntegrationTests.Infrastructure;

/// <summary>Certificates for reload tests, written in the certbot layout the relay reads (config/certs/&lt;name&gt;/).</summary>
public static class TestCertificates
{
    /// <summary>A self-signed ECDSA P-256 certificate for <paramref name="hostname"/> with a random serial.</summary>
    public static X509Certificate2 Create(string hostname, TimeSpan lifetime)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=" + hostname, key, HashAlgorithmName.SHA256);
        var names = new SubjectAlternativeNameBuilder();
        names.AddDnsName(hostname);
        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
        var now = DateTimeOffset.UtcNow;
        return request.CreateSelfSigned(now.AddMinutes(-5), now + lifetime);
    }

    /// <summary>
    /// Writes fullchain.pem and privkey.pem (0600) into <paramref name="directory"/> as CertManager does: each
    /// to a temporary file first, then renamed over the old one, so the relay never reads half a file.
    /// </summary>
    public static void Write(string directory, X509Certificate2 certificate)
    {
        Directory.CreateDirectory(directory);
        using var key = certificate.GetECDsaPrivateKey() ?? throw new InvalidOperationException("the certificate has no ECDSA private key");
        WriteAtomically(Path.Combine(directory, "privkey.pem"), key.ExportPkcs8PrivateKeyPem());
        WriteAtomically(Path.Combine(directory, "fullchain.pem"), certificate.ExportCertificatePem() + "\n");
    }

    private static void WriteAtomically(string path, string text)
    {
        string temp = path + ".tmp";
        using (var file = new FileStream(temp, new FileStreamOptions
        {
            Mode = FileMode.Create,
            Access = FileAccess.Write,
            UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite,
        }))
        {
            file.Write(System.Text.Encoding.ASCII.GetBytes(text));
            file.Flush(flushToDisk: true);
        }

        File.Move(temp, path, overwrite: true);
    }
}
