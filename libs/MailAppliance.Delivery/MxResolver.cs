using System.Net;
using System.Net.Sockets;
using MailAppliance.Dns;

namespace MailAppliance.Delivery;

/// <summary>Which address families the courier uses, and in which order (RFC 6724 prefers IPv6 on a dual-stack host).</summary>
public sealed class AddressFamilyOptions
{
    /// <summary>Try IPv6 addresses before IPv4 ones. Default true.</summary>
    public bool PreferIPv6 { get; init; } = true;

    /// <summary>Use IPv4 addresses (A records). Default true.</summary>
    public bool EnableIPv4 { get; init; } = true;

    /// <summary>Use IPv6 addresses (AAAA records). Default true.</summary>
    public bool EnableIPv6 { get; init; } = true;
}

/// <summary>Outcome class of an MX resolution.</summary>
public enum MxResolutionStatus
{
    /// <summary>At least one host with addresses: try <see cref="MxResolution.Targets"/> in order.</summary>
    Found,

    /// <summary>Try again later (a DNS lookup failed temporarily).</summary>
    TemporaryFailure,

    /// <summary>The domain does not accept mail (NXDOMAIN, null MX, no host with an address).</summary>
    PermanentFailure,
}

/// <summary>One host to try, with its addresses in the order to try them.</summary>
/// <param name="Host">The MX host name (or the domain itself for an implicit MX).</param>
/// <param name="Preference">The MX preference (0 for an implicit MX).</param>
/// <param name="Addresses">Addresses in connection order (family preference applied, disabled families removed).</param>
/// <param name="IsImplicit">True when there was no MX and the domain itself is used (RFC 5321 §5.1).</param>
public sealed record MxTarget(string Host, ushort Preference, IReadOnlyList<IPAddress> Addresses, bool IsImplicit = false);

/// <summary>The result of <see cref="MxResolver.ResolveAsync"/>.</summary>
/// <param name="Domain">The domain resolved.</param>
/// <param name="Status">Found, temporary or permanent failure.</param>
/// <param name="Targets">Hosts in the order to try (empty unless Found).</param>
/// <param name="Error">Why it failed (null when Found).</param>
public sealed record MxResolution(string Domain, MxResolutionStatus Status, IReadOnlyList<MxTarget> Targets, string? Error)
{
    /// <summary>True when Status is Found.</summary>
    public bool IsFound => Status == MxResolutionStatus.Found;

    internal static MxResolution Temporary(string domain, string error) => new(domain, MxResolutionStatus.TemporaryFailure, [], error);

    internal static MxResolution Permanent(string domain, string error) => new(domain, MxResolutionStatus.PermanentFailure, [], error);
}

/// <summary>
/// Finds where to deliver mail for a domain (RFC 5321 §5.1): MX records in preference order, equal preferences
/// shuffled, the domain's own addresses when it has no MX (implicit MX), null MX (RFC 7505) refused.
/// </summary>
public class MxResolver
{
    private readonly IDnsResolver _dns;
    private readonly AddressFamilyOptions _families;
    private readonly Random _random;

    /// <summary>Creates a resolver.</summary>
    /// <param name="dns">The DNS resolver.</param>
    /// <param name="families">Address family choice (default: both, IPv6 first).</param>
    /// <param name="random">Source for the equal-preference shuffle (default <see cref="Random.Shared"/>).</param>
    public MxResolver(IDnsResolver dns, AddressFamilyOptions? families = null, Random? random = null)
    {
        ArgumentNullException.ThrowIfNull(dns);
        _dns = dns;
        _families = families ?? new AddressFamilyOptions();
        _random = random ?? Random.Shared;
    }

    /// <summary>Resolves the delivery targets of <paramref name="domain"/>.</summary>
    /// <exception cref="ArgumentException">The domain is not a valid DNS name.</exception>
    /// <exception cref="OperationCanceledException">The token was canceled.</exception>
    public async Task<MxResolution> ResolveAsync(string domain, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(domain);
        domain = domain.TrimEnd('.');
        if (!_families.EnableIPv4 && !_families.EnableIPv6)
        {
            return MxResolution.Permanent(domain, "both IPv4 and IPv6 are disabled");
        }

        var mx = await _dns.LookupMxAsync(domain, cancellationToken);
        switch (mx.Status)
        {
            case DnsLookupStatus.TemporaryFailure:
                return MxResolution.Temporary(domain, $"MX lookup for {domain} failed: {mx.Error}");
            case DnsLookupStatus.NxDomain:
                // RFC 5321 §5.1: a name that does not exist cannot receive mail; NXDOMAIN is authoritative.
                return MxResolution.Permanent(domain, $"domain {domain} does not exist (NXDOMAIN)");
            case DnsLookupStatus.NoData:
                return await ResolveImplicitAsync(domain, cancellationToken);
        }

        // RFC 7505 §3: a single MX with the root as exchange says the domain accepts no mail. A "." among other
        // records is a misconfiguration (§4.1); it is skipped and the others are used.
        var records = mx.Records.Where(r => !r.IsNullMx).ToList();
        if (records.Count == 0)
        {
            return MxResolution.Permanent(domain, $"domain {domain} does not accept mail (null MX, RFC 7505)");
        }

        var targets = new List<MxTarget>();
        var errors = new List<string>();
        bool temporary = false;
        foreach (var group in records.GroupBy(r => r.Preference).OrderBy(g => g.Key))
        {
            // RFC 5321 §5.1: hosts of equal preference are tried in random order, to spread the load.
            var hosts = group.Select(r => r.Host).Distinct(StringComparer.OrdinalIgnoreCase).ToArray();
            _random.Shuffle(hosts);
            foreach (string host in hosts)
            {
                var (addresses, status, error) = await LookupAddressesAsync(host, cancellationToken);
                if (addresses.Count > 0)
                {
                    targets.Add(new MxTarget(host, group.Key, addresses));
                }
                else
                {
                    temporary |= status == DnsLookupStatus.TemporaryFailure;
                    errors.Add(error);
                }
            }
        }

        if (targets.Count > 0)
        {
            return new MxResolution(domain, MxResolutionStatus.Found, targets, null);
        }

        string message = $"no MX host of {domain} has a usable address: " + string.Join("; ", errors);
        return temporary ? MxResolution.Temporary(domain, message) : MxResolution.Permanent(domain, message);
    }

    private async Task<MxResolution> ResolveImplicitAsync(string domain, CancellationToken cancellationToken)
    {
        // RFC 5321 §5.1: with no MX records, the domain is treated as an implicit MX of preference 0.
        var (addresses, status, error) = await LookupAddressesAsync(domain, cancellationToken);
        if (addresses.Count > 0)
        {
            return new MxResolution(domain, MxResolutionStatus.Found, [new MxTarget(domain, 0, addresses, IsImplicit: true)], null);
        }

        return status == DnsLookupStatus.TemporaryFailure
            ? MxResolution.Temporary(domain, $"domain {domain} has no MX and its address lookup failed: {error}")
            : MxResolution.Permanent(domain, $"domain {domain} has no MX and no usable address: {error}");
    }

    private async Task<(IReadOnlyList<IPAddress> Addresses, DnsLookupStatus Status, string Error)> LookupAddressesAsync(string host, CancellationToken cancellationToken)
    {
        Task<DnsResult<IPAddress>>? six = _families.EnableIPv6 ? _dns.LookupAaaaAsync(host, cancellationToken) : null;
        Task<DnsResult<IPAddress>>? four = _families.EnableIPv4 ? _dns.LookupAAsync(host, cancellationToken) : null;
        var v6 = six is null ? null : await six;
        var v4 = four is null ? null : await four;
        var v6Addresses = v6?.Records.Where(a => a.AddressFamily == AddressFamily.InterNetworkV6) ?? [];
        var v4Addresses = v4?.Records.Where(a => a.AddressFamily == AddressFamily.InterNetwork) ?? [];
        List<IPAddress> addresses = _families.PreferIPv6 ? [.. v6Addresses, .. v4Addresses] : [.. v4Addresses, .. v6Addresses];
        if (addresses.Count > 0)
        {
            return (addresses, DnsLookupStatus.Found, "");
        }

        var results = new[] { v6, v4 }.OfType<DnsResult<IPAddress>>().ToArray();
        if (results.FirstOrDefault(r => r.IsTemporaryFailure) is { } failed)
        {
            return (addresses, DnsLookupStatus.TemporaryFailure, $"{host}: {failed.Error}");
        }

        var statusOut = results.All(r => r.Status == DnsLookupStatus.NxDomain) ? DnsLookupStatus.NxDomain : DnsLookupStatus.NoData;
        string families = _families.EnableIPv4 && _families.EnableIPv6 ? "A/AAAA" : _families.EnableIPv4 ? "A" : "AAAA";
        return (addresses, statusOut, $"{host}: no {families} record ({(statusOut == DnsLookupStatus.NxDomain ? "NXDOMAIN" : "NODATA")})");
    }
}
