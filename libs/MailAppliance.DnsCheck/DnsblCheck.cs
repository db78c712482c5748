using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using MailAppliance.Dns;

namespace MailAppliance.DnsCheck;

/// <summary>
/// <c>dnsbl</c>: each public address is looked up in each configured DNS blocklist (RFC 5782 §2.1: the octets, or
/// for IPv6 the nibbles, reversed under the list's zone). An A record in 127.0.0.0/8 means listed; NXDOMAIN means not
/// listed. Answers in 127.255.255.0/24 are Spamhaus's "query refused" codes (public resolver, no access), not listings.
/// </summary>
public static class DnsblCheck
{
    internal static async Task<IReadOnlyList<CheckResult>> RunAsync(DnsCheckContext context, CancellationToken cancellationToken)
    {
        var zones = context.Options.DnsblZones();
        var results = new List<CheckResult>();
        foreach (var address in context.Target.PublicAddresses)
        {
            foreach (string zone in zones)
            {
                results.Add(await CheckAsync(context, address, zone, cancellationToken));
            }
        }

        return results;
    }

    /// <summary>The name to query for an address in a list (RFC 5782 §2.1, §2.4).</summary>
    public static string QueryName(IPAddress address, string zone)
    {
        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }

        byte[] bytes = address.GetAddressBytes();
        var name = new StringBuilder();
        for (int i = bytes.Length - 1; i >= 0; i--)
        {
            if (address.AddressFamily == AddressFamily.InterNetwork)
            {
                name.Append(bytes[i].ToString(CultureInfo.InvariantCulture)).Append('.');
            }
            else
            {
                name.Append("0123456789abcdef"[bytes[i] & 0xf]).Append('.').Append("0123456789abcdef"[bytes[i] >> 4]).Append('.');
            }
        }

        return name.Append(zone.TrimEnd('.')).ToString();
    }

    private static async Task<CheckResult> CheckAsync(DnsCheckContext context, IPAddress address, string zone, CancellationToken cancellationToken)
    {
        string subject = $"{address} in {zone}";
        string query = QueryName(address, zone);
        var lookup = await context.Dns.LookupAAsync(query, cancellationToken);
        if (lookup.IsTemporaryFailure)
        {
            return CheckResult.Warning(CheckIds.Dnsbl, subject, $"the lookup of {query} failed ({lookup.Error})",
                $"Run the check again; if {zone} keeps failing, remove it from DnsVerifier:Dnsbls.");
        }

        if (!lookup.IsFound)
        {
            return CheckResult.Ok(CheckIds.Dnsbl, subject, $"{address} is not listed in {zone}");
        }

        var codes = lookup.Records.Where(a => a.AddressFamily == AddressFamily.InterNetwork).Select(a => a.GetAddressBytes()).ToArray();
        if (codes.Length > 0 && codes.All(b => b[0] == 127 && b[1] == 255 && b[2] == 255))
        {
            return CheckResult.Warning(CheckIds.Dnsbl, subject, $"{zone} refused the query (answer {HostAddressCheck.List(lookup.Records)}): it blocks public or unregistered resolvers",
                $"Point Dns:Servers at a resolver of your own to query {zone}, or remove it from DnsVerifier:Dnsbls.");
        }

        if (!codes.Any(b => b[0] == 127))
        {
            return CheckResult.Warning(CheckIds.Dnsbl, subject, $"{zone} answered {HostAddressCheck.List(lookup.Records)}, which is not a listing code (127.0.0.0/8, RFC 5782 §2.1)",
                $"Remove {zone} from DnsVerifier:Dnsbls: it does not behave as a blocklist.");
        }

        // RFC 5782 §2.1: the TXT record at the same name usually says why and where to ask for removal.
        var reason = await context.Dns.LookupTxtAsync(query, cancellationToken);
        string why = reason.IsFound ? $": {string.Join(" ", reason.Records.Select(r => r.Text))}" : string.Empty;
        return CheckResult.Error(CheckIds.Dnsbl, subject, $"{address} is listed in {zone} (answer {HostAddressCheck.List(lookup.Records)}){why}",
            $"Find out why {address} was listed (an open relay, a compromised account, a previous owner), fix it, then request removal on {zone}'s web site.");
    }
}
