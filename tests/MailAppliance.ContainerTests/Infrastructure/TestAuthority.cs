using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace MailAppliance.ContainerTests.Infrastructure;

/// <summary>
/// A private CA for the tests that issues the relay's certificates, each with its own random serial, written as
/// the certbot/acme.sh pair (<c>fullchain.pem</c>, <c>privkey.pem</c>) CertManager's External mode imports.
/// </summary>
public sealed class TestAuthority : IDisposable
{
    private readonly ECDsa _key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
    private readonly X509Certificate2 _root;

    /// <summary>Creates the CA (valid for 100 days).</summary>
    public TestAuthority()
    {
        var request = new CertificateRequest("CN=MailAppliance container tests CA", _key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        _root = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-10), DateTimeOffset.UtcNow.AddDays(100));
    }

    /// <summary>
    /// Issues a certificate for <paramref name="hostname"/> and writes <c>privkey.pem</c>, then <c>fullchain.pem</c>
    /// (the order certbot's renewals leave them in) into <paramref name="directory"/>; returns its hex serial.
    /// </summary>
    public string IssueInto(string directory, string hostname)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={hostname}", key, HashAlgorithmName.SHA256);
        var san = new SubjectAlternativeNameBuilder();
        san.AddDnsName(hostname);
        request.CertificateExtensions.Add(san.Build());
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
        byte[] serial = RandomNumberGenerator.GetBytes(16);
        serial[0] &= 0x7f; // RFC 5280 §4.1.2.2: a positive integer.
        serial[0] |= 0x10; // No leading zero octet, so the hex form is stable.
        // 60 days, like a fresh Let's Encrypt certificate: the relay reports Degraded within 7 days of expiry.
        using var leaf = request.Create(_root, DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(60), serial);
        Directory.CreateDirectory(directory);
        File.WriteAllText(Path.Combine(directory, "privkey.pem"), key.ExportPkcs8PrivateKeyPem() + "\n");
        File.WriteAllText(Path.Combine(directory, "fullchain.pem"), leaf.ExportCertificatePem() + "\n" + _root.ExportCertificatePem() + "\n");
        return leaf.SerialNumber;
    }

    /// <inheritdoc />
    public void Dispose()
    {
        _root.Dispose();
        _key.Dispose();
    }
}
