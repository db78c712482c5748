using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using MailAppliance.Dkim;

namespace MailAppliance.DnsRecords;

/// <summary>A domain's DKIM key record under its selector.</summary>
/// <param name="Selector">The selector (the key file's name).</param>
/// <param name="Record">The key record to publish.</param>
public sealed record DkimSelectorRecord(string Selector, DkimKeyRecord Record);

/// <summary>Choices in the records <see cref="ExpectedRecords.For"/> suggests.</summary>
public sealed class ExpectedRecordsOptions
{
    /// <summary>End the SPF record with <c>~all</c> (softfail) instead of <c>-all</c> (RFC 7208 §8.4, §8.5).</summary>
    public bool SpfSoftFail { get; init; }

    /// <summary>Where DMARC aggregate reports go (rua=); null publishes none.</summary>
    public string? DmarcReportAddress { get; init; }

    /// <summary>The DMARC policy; none until the reports show all mail aligns.</summary>
    public DmarcPolicy DmarcPolicy { get; init; } = DmarcPolicy.None;

    /// <summary>Where TLS reports go (RFC 8460); null means <c>postmaster@domain</c>, which must exist (RFC 5321 §4.5.1).</summary>
    public string? TlsReportAddress { get; init; }

    /// <summary>The MTA-STS mode; testing until TLS reports are clean.</summary>
    public MtaStsMode MtaStsMode { get; init; } = MtaStsMode.Testing;

    /// <summary>The MTA-STS max_age in seconds (one week by default).</summary>
    public int MtaStsMaxAge { get; init; } = 604800;

    /// <summary>The certificate authority the CAA record allows (the one CertManager's ACME account uses).</summary>
    public string CaaIssuer { get; init; } = "letsencrypt.org";
}

/// <summary>
/// The DNS records a domain needs for mail sent through this appliance: MX, SPF, DKIM, DMARC, MTA-STS, TLS-RPT, CAA,
/// A/AAAA for the host name and the PTR records the hosting provider sets. Generated from the typed records, so the
/// live checks (which parse with the same types) test exactly what is printed here.
/// </summary>
public sealed class ExpectedRecords
{
    private ExpectedRecords(string domain, string hostName, IReadOnlyList<ZoneRecord> records, MtaStsPolicy policy)
    {
        Domain = domain;
        HostName = hostName;
        Records = records;
        MtaStsPolicy = policy;
    }

    /// <summary>The mail domain.</summary>
    public string Domain { get; }

    /// <summary>The relay's host name (the MX target).</summary>
    public string HostName { get; }

    /// <summary>
    /// The records in the order to publish them, each with its comment. PTR records (type PTR) belong to the address
    /// owner's reverse zone, set at the hosting provider; all others go in DNS zones the operator edits.
    /// </summary>
    public IReadOnlyList<ZoneRecord> Records { get; }

    /// <summary>The records for the operator's zones (all but PTR).</summary>
    public IEnumerable<ZoneRecord> ZoneRecords => Records.Where(r => r.Type != "PTR");

    /// <summary>The PTR records to set at the hosting provider.</summary>
    public IEnumerable<ZoneRecord> ProviderRecords => Records.Where(r => r.Type == "PTR");

    /// <summary>The MTA-STS policy to serve at <see cref="MtaStsPolicyUrl"/>.</summary>
    public MtaStsPolicy MtaStsPolicy { get; }

    /// <summary>Where the MTA-STS policy is served (RFC 8461 §3.3).</summary>
    public string MtaStsPolicyUrl => MtaStsPolicy.Url(Domain);

    /// <summary>Generates the records for <paramref name="domain"/>.</summary>
    /// <param name="domain">The mail domain, e.g. <c>example.com</c>.</param>
    /// <param name="hostName">The relay's host name, e.g. <c>mail.example.com</c>.</param>
    /// <param name="publicAddresses">The relay's public IPv4 and IPv6 addresses (at least one).</param>
    /// <param name="dkimRecords">The domain's DKIM keys by selector.</param>
    /// <param name="options">Choices; null for the defaults.</param>
    /// <exception cref="ArgumentException">A name is not a host name, or there is no address.</exception>
    public static ExpectedRecords For(
        string domain, string hostName, IReadOnlyList<IPAddress> publicAddresses, IReadOnlyList<DkimSelectorRecord> dkimRecords,
        ExpectedRecordsOptions? options = null)
    {
        options ??= new ExpectedRecordsOptions();
        domain = domain.TrimEnd('.').ToLowerInvariant();
        hostName = hostName.TrimEnd('.').ToLowerInvariant();
        if (!DnsNames.IsHostName(domain))
        {
            throw new ArgumentException($"'{domain}' is not a domain name", nameof(domain));
        }

        if (!DnsNames.IsHostName(hostName) || !hostName.Contains('.'))
        {
            throw new ArgumentException($"'{hostName}' is not a fully qualified host name", nameof(hostName));
        }

        if (publicAddresses.Count == 0)
        {
            throw new ArgumentException("no public address: the SPF, A/AAAA and PTR records need at least one", nameof(publicAddresses));
        }

        var v4 = publicAddresses.Where(a => a.AddressFamily == AddressFamily.InterNetwork).Distinct().ToArray();
        var v6 = publicAddresses.Where(a => a.AddressFamily == AddressFamily.InterNetworkV6).Distinct().ToArray();
        IPAddress[] addresses = [.. v4, .. v6];
        var records = new List<ZoneRecord>
        {
            // RFC 5321 §5.1: senders look up the MX of the domain; it must name a host with A/AAAA, not a CNAME.
            new MxRecordSpec(domain, 10, hostName).ToZoneRecord($"MX: mail for {domain} is received by {hostName}"),

            // RFC 7208 §3: one SPF record at the domain; mx, then the relay's own addresses, then -all.
            SpfRecord.ForAddresses(addresses, options.SpfSoftFail).ToZoneRecord(domain,
                $"SPF: only the MX hosts and {string.Join(", ", addresses.Select(a => a.ToString()))} send for {domain}" +
                (options.SpfSoftFail ? " (~all: others soft-fail)" : " (-all: others fail)")),
        };

        foreach (var dkim in dkimRecords)
        {
            // RFC 6376 §3.6.2.1: the key record lives at selector._domainkey.domain.
            records.Add(new ZoneRecord(DkimNames.KeyName(dkim.Selector, domain), "TXT", dkim.Record.TxtStrings(),
                $"DKIM: selector {dkim.Selector} ({dkim.Record.KeyTypeName}); the relay signs with every key in domains/{domain}/dkim"));
        }

        var dmarc = new DmarcRecord
        {
            Policy = options.DmarcPolicy,
            AggregateReportUris = options.DmarcReportAddress is null ? [] : [new DmarcReportUri("mailto:" + options.DmarcReportAddress)],
        };
        records.Add(dmarc.ToZoneRecord(domain, options.DmarcPolicy == DmarcPolicy.None
            ? "DMARC: p=none only monitors; once the reports show all your mail passes, raise it to p=quarantine, then p=reject"
            : $"DMARC: p={DmarcRecord.Name(options.DmarcPolicy)}"));

        var policy = new MtaStsPolicy { Mode = options.MtaStsMode, Mx = [hostName], MaxAge = options.MtaStsMaxAge };
        var sts = new MtaStsRecord { Id = PolicyId(policy) };
        records.Add(sts.ToZoneRecord(domain,
            $"MTA-STS: a policy is served at {MtaStsPolicy.Url(domain)} (mta-sts.{domain} needs A/AAAA and a certificate); id changes with the policy"));

        var tlsRpt = new TlsRptRecord { ReportUris = ["mailto:" + (options.TlsReportAddress ?? "postmaster@" + domain)] };
        records.Add(tlsRpt.ToZoneRecord(domain, "TLS-RPT: where senders report TLS failures delivering to us (RFC 8460)"));

        // RFC 8659 §3: CAA is found by climbing the tree, so one record at the domain covers the host names below it.
        records.Add(new CaaRecordSpec(domain, 0, "issue", options.CaaIssuer).ToZoneRecord(
            $"CAA: only {options.CaaIssuer} may issue certificates for {domain} and its subdomains"));

        foreach (var address in addresses)
        {
            records.Add(new AddressRecordSpec(hostName, address).ToZoneRecord(
                $"{(address.AddressFamily == AddressFamily.InterNetwork ? "A" : "AAAA")}: {hostName} is {address} (in the zone that holds {hostName})"));
        }

        foreach (var address in addresses)
        {
            records.Add(new PtrRecordSpec(address, hostName).ToZoneRecord(
                $"PTR: set at your hosting provider: {address} must resolve back to {hostName} (forward-confirmed reverse DNS)"));
        }

        return new ExpectedRecords(domain, hostName, records, policy);
    }

    // The id only has to change when the policy does (RFC 8461 §3.1), so derive it from the policy text.
    private static string PolicyId(MtaStsPolicy policy) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(policy.ToString())))[..20];
}
