using System.Net.Security;
using System.Security.Cryptography.X509Certificates;

namespace MailAppliance.Acme;

/// <summary>The HTTP client an <see cref="AcmeClient"/> talks through.</summary>
public static class AcmeHttp
{
    /// <summary>
    /// A handler that validates the CA's HTTPS certificate normally, or, when <paramref name="trustedRootsFile"/>
    /// is given, against the roots in that PEM file only (a private CA or Pebble). Validation is never off.
    /// </summary>
    public static SocketsHttpHandler CreateHandler(string? trustedRootsFile)
    {
        var handler = new SocketsHttpHandler
        {
            PooledConnectionLifetime = TimeSpan.FromMinutes(5),
            ConnectTimeout = TimeSpan.FromSeconds(30),
        };
        if (!string.IsNullOrEmpty(trustedRootsFile))
        {
            var roots = new X509Certificate2Collection();
            roots.ImportFromPemFile(trustedRootsFile);
            handler.SslOptions.RemoteCertificateValidationCallback = (_, certificate, presented, errors) =>
                certificate is X509Certificate2 leaf && ValidateAgainst(roots, leaf, presented, errors);
        }

        return handler;
    }

    private static bool ValidateAgainst(X509Certificate2Collection roots, X509Certificate2 certificate, X509Chain? presented, SslPolicyErrors errors)
    {
        // The name must still match; only the set of trusted roots is replaced.
        if ((errors & (SslPolicyErrors.RemoteCertificateNameMismatch | SslPolicyErrors.RemoteCertificateNotAvailable)) != 0)
        {
            return false;
        }

        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.AddRange(roots);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        if (presented is not null)
        {
            foreach (var element in presented.ChainElements)
            {
                chain.ChainPolicy.ExtraStore.Add(element.Certificate);
            }
        }

        return chain.Build(certificate);
    }

    /// <summary>An HttpClient over <see cref="CreateHandler"/>.</summary>
    public static HttpClient CreateClient(string? trustedRootsFile, TimeSpan? timeout = null) =>
        new(CreateHandler(trustedRootsFile)) { Timeout = timeout ?? TimeSpan.FromSeconds(60) };
}
