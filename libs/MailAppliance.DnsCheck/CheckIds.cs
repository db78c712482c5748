namespace MailAppliance.DnsCheck;

/// <summary>The stable ids of the checks. Scripts, metrics and tests rely on them: never rename one.</summary>
public static class CheckIds
{
    /// <summary>The host name's A records equal the public IPv4 addresses.</summary>
    public const string HostIPv4 = "host.ipv4";

    /// <summary>The host name's AAAA records equal the public IPv6 addresses.</summary>
    public const string HostIPv6 = "host.ipv6";

    /// <summary>The PTR of a public IPv4 address names the host, which resolves back to it (FCrDNS).</summary>
    public const string PtrIPv4 = "ptr.ipv4";

    /// <summary>The PTR of a public IPv6 address names the host, which resolves back to it (FCrDNS).</summary>
    public const string PtrIPv6 = "ptr.ipv6";

    /// <summary>The domain's MX points at the host name.</summary>
    public const string Mx = "mx";

    /// <summary>Exactly one SPF record, and it parses.</summary>
    public const string SpfRecord = "spf.record";

    /// <summary>At most 10 DNS-querying terms and 2 void lookups (RFC 7208 §4.6.4).</summary>
    public const string SpfLookups = "spf.lookups";

    /// <summary>SPF evaluates to pass for every public IPv4 address.</summary>
    public const string SpfIPv4 = "spf.ipv4";

    /// <summary>SPF evaluates to pass for every public IPv6 address.</summary>
    public const string SpfIPv6 = "spf.ipv6";

    /// <summary>The DKIM key record of a selector matches the private key on disk.</summary>
    public const string Dkim = "dkim";

    /// <summary>The DMARC record parses; its policy and report addresses are valid.</summary>
    public const string Dmarc = "dmarc";

    /// <summary>The MTA-STS TXT record parses.</summary>
    public const string MtaStsRecord = "mta-sts.record";

    /// <summary>The MTA-STS policy is served and agrees with the MX.</summary>
    public const string MtaStsPolicy = "mta-sts.policy";

    /// <summary>The TLS-RPT record parses.</summary>
    public const string TlsRpt = "tls-rpt";

    /// <summary>CAA permits the configured certificate authority.</summary>
    public const string Caa = "caa";

    /// <summary>A public address is not listed on a DNSBL.</summary>
    public const string Dnsbl = "dnsbl";

    /// <summary>The certificate the relay serves covers the host name and is not near expiry.</summary>
    public const string Certificate = "tls.certificate";

    /// <summary>Every id, in the order the checks run.</summary>
    public static IReadOnlyList<string> All { get; } =
    [
        HostIPv4, HostIPv6, PtrIPv4, PtrIPv6, Mx, SpfRecord, SpfLookups, SpfIPv4, SpfIPv6, Dkim, Dmarc, MtaStsRecord, MtaStsPolicy,
        TlsRpt, Caa, Dnsbl, Certificate,
    ];
}
