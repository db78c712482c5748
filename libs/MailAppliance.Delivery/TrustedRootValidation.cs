using System.Net.Security;
using System.Security.Cryptography.X509Certificates;

namespace MailAppliance.Delivery;

/// <summary>Certificate validation that also accepts chains ending at configured extra roots (a private CA).</summary>
public static class TrustedRootValidation
{
    /// <summary>The errors left after trying <paramref name="roots"/> as extra trust anchors.</summary>
    public static SslPolicyErrors Validate(X509Certificate? certificate, X509Chain? chain, SslPolicyErrors errors, X509Certificate2Collection? roots)
    {
        if (errors != SslPolicyErrors.RemoteCertificateChainErrors || roots is not { Count: > 0 } || certificate is null)
        {
            return errors;
        }

        using var custom = new X509Chain();
        custom.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        custom.ChainPolicy.CustomTrustStore.AddRange(roots);
        custom.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        if (chain is not null)
        {
            foreach (var element in chain.ChainElements.Skip(1))
            {
                custom.ChainPolicy.ExtraStore.Add(element.Certificate);
            }
        }

        var leaf = certificate as X509Certificate2 ?? X509CertificateLoader.LoadCertificate(certificate.GetRawCertData());
        return custom.Build(leaf) ? SslPolicyErrors.None : errors;
    }

    /// <summary>Loads a PEM bundle of root certificates, or null when <paramref name="path"/> is empty.</summary>
    public static X509Certificate2Collection? LoadRoots(string? path)
    {
        if (string.IsNullOrWhiteSpace(path))
        {
            return null;
        }

        var roots = new X509Certificate2Collection();
        roots.ImportFromPemFile(path);
        return roots;
    }
}
