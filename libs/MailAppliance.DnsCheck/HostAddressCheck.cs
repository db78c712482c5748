using System.Net;
using System.Net.Sockets;
using MailAppliance.Dns;

namespace MailAppliance.DnsCheck;

/// <summary>
/// <c>host.ipv4</c>, <c>host.ipv6</c>: the host name's A and AAAA records are exactly the public addresses. Receivers
/// look up the MX target's addresses (RFC 5321 §5.1) and confirm the PTR forward (FCrDNS); an address missing from
/// DNS, or one DNS names but the relay does not use, breaks one of the two.
/// </summary>
internal static class HostAddressCheck
{
    public static async Task<IReadOnlyList<CheckResult>> RunAsync(DnsCheckContext context, CancellationToken cancellationToken)
    {
        var (a, aaaa) = await context.HostAddressesAsync(cancellationToken);
        return
        [
            Compare(context, CheckIds.HostIPv4, "A", a, context.Target.IPv4),
            Compare(context, CheckIds.HostIPv6, "AAAA", aaaa, context.Target.IPv6),
        ];
    }

    private static CheckResult Compare(DnsCheckContext context, string id, string type, DnsResult<IPAddress> lookup, IReadOnlyList<IPAddress> expected)
    {
        string host = context.HostName;
        if (lookup.IsTemporaryFailure)
        {
            return CheckResult.Warning(id, host, $"the {type} lookup of {host} failed ({lookup.Error})",
                $"Make sure the name servers of the zone holding {host} answer, then run the check again.");
        }

        var published = lookup.Records.Distinct().ToArray();
        var missing = expected.Except(published).ToArray();
        var extra = published.Except(expected).ToArray();
        string family = type == "A" ? "IPv4" : "IPv6";
        if (missing.Length > 0)
        {
            return CheckResult.Error(id, host,
                published.Length == 0
                    ? $"{host} has no {type} record, but the relay uses {List(missing)}"
                    : $"{host} {type} is {List(published)}, without {List(missing)}",
                $"Add {string.Join(" and ", missing.Select(m => $"'{host}. {type} {m}'"))} in the zone that holds {host}.");
        }

        if (extra.Length > 0)
        {
            return CheckResult.Error(id, host, $"{host} {type} includes {List(extra)}, which is not a public address of the relay",
                $"Remove {string.Join(" and ", extra.Select(x => $"'{host}. {type} {x}'"))} from the zone that holds {host}, " +
                $"or add the address to {PublicAddresses.Setting} if the relay uses it.");
        }

        return expected.Count == 0
            ? CheckResult.Ok(id, host, $"the relay has no public {family} address and {host} has no {type} record")
            : CheckResult.Ok(id, host, $"{host} {type} {List(published)}");
    }

    internal static string List(IEnumerable<IPAddress> addresses) => string.Join(", ", addresses.Select(a => a.ToString()));

    internal static string Family(IPAddress address) => address.AddressFamily == AddressFamily.InterNetworkV6 ? "IPv6" : "IPv4";
}
