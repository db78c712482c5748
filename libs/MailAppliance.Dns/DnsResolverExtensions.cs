using System.Net;

namespace MailAppliance.Dns;

/// <summary>Lookups built from the <see cref="IDnsResolver"/> primitives.</summary>
public static class DnsResolverExtensions
{
    /// <summary>
    /// AAAA and A records of a host, asked in parallel: IPv6 addresses first, then IPv4 (RFC 6724 order for a
    /// dual-stack sender; the courier tries them in turn). The status is Found when either has records, a temporary
    /// failure when neither has records and either failed, NXDOMAIN when both say so, NODATA otherwise.
    /// </summary>
    /// <exception cref="ArgumentException">The name is not a valid DNS name.</exception>
    /// <exception cref="OperationCanceledException">The token was canceled.</exception>
    public static async Task<DnsResult<IPAddress>> LookupAddressesAsync(this IDnsResolver resolver, string host, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(resolver);
        var aaaa = resolver.LookupAaaaAsync(host, cancellationToken);
        var a = resolver.LookupAAsync(host, cancellationToken);
        var (six, four) = (await aaaa, await a);
        string name = six.Name;
        if (six.IsFound || four.IsFound)
        {
            return DnsResult.Found<IPAddress>(name, DnsQueryType.Aaaa, [.. six.Records, .. four.Records], six.Authenticated && four.Authenticated);
        }

        if (six.IsTemporaryFailure || four.IsTemporaryFailure)
        {
            return DnsResult.TemporaryFailure<IPAddress>(name, DnsQueryType.Aaaa, (six.Error ?? four.Error)!);
        }

        return six.Status == DnsLookupStatus.NxDomain && four.Status == DnsLookupStatus.NxDomain
            ? DnsResult.NxDomain<IPAddress>(name, DnsQueryType.Aaaa)
            : DnsResult.NoData<IPAddress>(name, DnsQueryType.Aaaa);
    }
}
