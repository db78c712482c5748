namespace MailAppliance.DnsCheck;

/// <summary>
/// Settings of the DNS checks, section <c>DnsVerifier</c> of <c>appliance.json</c> (read by DnsVerifier and by
/// <c>mailctl dns check</c>). The public addresses are <c>Dns:PublicAddresses</c>, shared with <c>mailctl dns records</c>.
/// </summary>
public sealed class DnsCheckOptions
{
    /// <summary>The configuration section.</summary>
    public const string Section = "DnsVerifier";

    /// <summary>How often DnsVerifier runs the checks (<c>POST /checks/run</c> runs them at once).</summary>
    public TimeSpan Interval { get; set; } = TimeSpan.FromHours(1);

    /// <summary>Comma-separated domains to check; empty checks every domain under <c>config/domains</c>.</summary>
    public string? Domains { get; set; }

    /// <summary>
    /// Comma-separated DNS blocklist zones each public address is looked up in (RFC 5782). Empty checks none. Public
    /// lists refuse queries from large public resolvers, so point <c>Dns:Servers</c> at your own resolver.
    /// </summary>
    public string? Dnsbls { get; set; } = "zen.spamhaus.org, bl.spamcop.net";

    /// <summary>The certificate authority CAA must permit (RFC 8659 §4.2 issuer domain name), the one CertManager uses.</summary>
    public string CaaIssuer { get; set; } = "letsencrypt.org";

    /// <summary>The relay's admin URL; its <c>/admin/tls</c> says which certificate it serves. Empty skips the certificate check.</summary>
    public string? RelayAdminUrl { get; set; } = "http://127.0.0.1:8025";

    /// <summary>A served certificate expiring sooner than this is a warning (CertManager renews 30 days ahead).</summary>
    public TimeSpan CertificateExpiryWarning { get; set; } = TimeSpan.FromDays(20);

    /// <summary>Fetch each domain's MTA-STS policy over HTTPS (RFC 8461 §3.3) and compare it with the MX; false skips it.</summary>
    public bool CheckMtaStsPolicy { get; set; } = true;

    /// <summary>The DNSBL zones as a list.</summary>
    public IReadOnlyList<string> DnsblZones() => SplitList(Dnsbls);

    /// <summary>The configured domains as a list (empty: all).</summary>
    public IReadOnlyList<string> DomainList() => SplitList(Domains).Select(d => d.TrimEnd('.').ToLowerInvariant()).ToArray();

    private static string[] SplitList(string? text) =>
        (text ?? string.Empty).Split([',', ' ', ';'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
}
