using MailAppliance.Dns;

namespace MailAppliance.DnsCheck;

/// <summary>
/// <c>tls.certificate</c>: the certificate the relay serves covers the host name (senders using MTA-STS or DANE
/// check it, RFC 8461 §4.2) and does not expire within <c>DnsVerifier:CertificateExpiryWarning</c>.
/// </summary>
internal static class CertificateCheck
{
    public static async Task<CheckResult> RunAsync(
        DnsCheckContext context, IRelayCertificateSource? source, TimeProvider time, CancellationToken cancellationToken)
    {
        string host = context.HostName;
        string id = CheckIds.Certificate;
        if (source is null || string.IsNullOrWhiteSpace(context.Options.RelayAdminUrl))
        {
            return CheckResult.NotChecked(id, host, "no relay admin URL is configured (DnsVerifier:RelayAdminUrl)");
        }

        var fetch = await source.GetAsync(cancellationToken);
        if (fetch.Certificate is not RelayCertificate certificate)
        {
            return CheckResult.Warning(id, host, $"could not ask the relay which certificate it serves ({fetch.Url}: {fetch.Problem})",
                "Start SmtpRelay, or set DnsVerifier:RelayAdminUrl to its admin URL.");
        }

        var now = time.GetUtcNow();
        string names = string.Join(", ", certificate.DnsNames);
        if (!certificate.DnsNames.Any(n => Covers(n, host)))
        {
            return CheckResult.Error(id, host, $"the relay serves a certificate for {names}, not {host}",
                $"Have CertManager obtain a certificate for {host} (the Hostname setting) into config/certs/.");
        }

        if (certificate.NotAfter <= now || certificate.NotBefore > now)
        {
            return CheckResult.Error(id, host, $"the certificate for {host} is not valid now ({certificate.NotBefore:u} to {certificate.NotAfter:u})",
                $"Renew the certificate in config/certs/ for {host}: look at CertManager's log for why it did not.");
        }

        if (certificate.SelfSigned)
        {
            return CheckResult.Warning(id, host, $"the relay serves its self-signed fallback certificate for {host}",
                $"Let CertManager obtain a certificate for {host} from {context.Options.CaaIssuer} (or put one in config/certs/).");
        }

        var left = certificate.NotAfter - now;
        if (left < context.Options.CertificateExpiryWarning)
        {
            return CheckResult.Warning(id, host, $"the certificate for {host} expires in {left.Days} days ({certificate.NotAfter:u})",
                $"Renew the certificate in config/certs/ for {host}: look at CertManager's log for why it did not.");
        }

        return CheckResult.Ok(id, host, $"the relay serves a certificate for {names}, valid until {certificate.NotAfter:u}");
    }

    // RFC 6125 §6.4.3: a wildcard covers exactly one left-most label.
    private static bool Covers(string pattern, string host)
    {
        if (!pattern.StartsWith("*.", StringComparison.Ordinal))
        {
            return DnsNames.AreEqual(pattern, host);
        }

        int dot = host.IndexOf('.', StringComparison.Ordinal);
        return dot > 0 && DnsNames.AreEqual(pattern[2..], host[(dot + 1)..]);
    }
}
