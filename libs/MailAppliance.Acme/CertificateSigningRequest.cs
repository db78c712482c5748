using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace MailAppliance.Acme;

/// <summary>A fresh certificate key and the PKCS#10 request for it (RFC 8555 §7.4, RFC 2986).</summary>
public sealed class CertificateSigningRequest : IDisposable
{
    private readonly AsymmetricAlgorithm _key;

    private CertificateSigningRequest(AsymmetricAlgorithm key, byte[] der)
    {
        _key = key;
        Der = der;
    }

    /// <summary>The DER request, as finalize wants it (base64url of it).</summary>
    public byte[] Der { get; }

    /// <summary>The new key as PKCS#8 PEM (the future privkey.pem).</summary>
    public string PrivateKeyPem => _key.ExportPkcs8PrivateKeyPem();

    /// <summary>
    /// Makes a new key and a request naming every name in the subject alternative name extension; the subject
    /// CN is the first name (RFC 8555 §7.4 lets the CA ignore it; some still read it).
    /// </summary>
    public static CertificateSigningRequest Create(IReadOnlyList<string> names, CertificateKeyAlgorithm algorithm)
    {
        if (names.Count == 0)
        {
            throw new ArgumentException("a certificate needs at least one name", nameof(names));
        }

        AsymmetricAlgorithm key;
        CertificateRequest request;
        string subject = "CN=" + names[0];
        if (algorithm == CertificateKeyAlgorithm.Rsa2048)
        {
            var rsa = RSA.Create(2048);
            key = rsa;
            request = new CertificateRequest(subject, rsa, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        }
        else
        {
            var ecdsa = ECDsa.Create(ECCurve.NamedCurves.nistP256);
            key = ecdsa;
            request = new CertificateRequest(subject, ecdsa, HashAlgorithmName.SHA256);
        }

        var san = new SubjectAlternativeNameBuilder();
        foreach (string name in names)
        {
            san.AddDnsName(name);
        }

        request.CertificateExtensions.Add(san.Build());
        return new CertificateSigningRequest(key, request.CreateSigningRequest());
    }

    /// <inheritdoc />
    public void Dispose() => _key.Dispose();
}
