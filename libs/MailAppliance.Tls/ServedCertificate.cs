using System.Net.Security;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;

namespace MailAppliance.Tls;

/// <summary>One certificate ready to serve, with what the admin endpoint reports about it.</summary>
public sealed class ServedCertificate
{
    public ServedCertificate(string name, X509Certificate2 leaf, X509Certificate2Collection chain, bool selfSigned)
    {
        Name = name;
        Leaf = leaf;
        SelfSigned = selfSigned;
        Context = SslStreamCertificateContext.Create(leaf, chain, offline: true);
        DnsNames = leaf.Extensions.OfType<X509SubjectAlternativeNameExtension>()
            .SelectMany(e => e.EnumerateDnsNames()).Select(n => n.ToLowerInvariant()).ToArray();
        ServerOptions = new SslServerAuthenticationOptions
        {
            // RFC 8996 retired TLS 1.0 and 1.1; RFC 8314 §4.1 asks for TLS 1.2 or later.
            EnabledSslProtocols = SslProtocols.Tls12 | SslProtocols.Tls13,
            ServerCertificateContext = Context,
            ClientCertificateRequired = false,
            AllowRenegotiation = false,
            CertificateRevocationCheckMode = X509RevocationMode.NoCheck,
        };
    }

    /// <summary>Handshake settings serving this certificate.</summary>
    public SslServerAuthenticationOptions ServerOptions { get; }

    /// <summary>The directory name under <c>config/certs/</c>, or "self-signed".</summary>
    public string Name { get; }

    /// <summary>The leaf certificate.</summary>
    public X509Certificate2 Leaf { get; }

    /// <summary>True for the fallback certificate.</summary>
    public bool SelfSigned { get; }

    /// <summary>What SslStream serves (leaf plus intermediates).</summary>
    public SslStreamCertificateContext Context { get; }

    /// <summary>DNS names of the subject alternative name extension, lower-case.</summary>
    public IReadOnlyList<string> DnsNames { get; }

    /// <summary>Hex serial number.</summary>
    public string Serial => Leaf.SerialNumber;

    /// <summary>True when the certificate covers <paramref name="host"/> (exact name or one-label wildcard, RFC 6125 §6.4.3).</summary>
    public bool Covers(string host)
    {
        host = host.ToLowerInvariant();
        foreach (string name in DnsNames)
        {
            if (name == host)
            {
                return true;
            }

            if (name.StartsWith("*.", StringComparison.Ordinal))
            {
                int dot = host.IndexOf('.');
                if (dot > 0 && host[(dot + 1)..] == name[2..])
                {
                    return true;
                }
            }
        }

        return false;
    }
}
