using System.Net;
using System.Net.Sockets;
using MailAppliance.Dns;

namespace MailAppliance.DnsCheck;

/// <summary>
/// <c>ptr.ipv4</c>, <c>ptr.ipv6</c>: each public address has a PTR naming the host name, and the host name resolves
/// back to the address (forward-confirmed reverse DNS; many receivers refuse mail without it, e.g. RFC 8601 §2.7.3
/// iprev). When the PTR is right but the host lacks the address, <c>host.ipv4</c>/<c>host.ipv6</c> carries the
/// instruction and this check says it waits for that one.
/// </summary>
internal static class PtrCheck
{
    public static async Task<IReadOnlyList<CheckResult>> RunAsync(DnsCheckContext context, CancellationToken cancellationToken)
    {
        var results = new List<CheckResult>();
        foreach (var address in context.Target.PublicAddresses)
        {
            results.Add(await CheckAsync(context, address, cancellationToken));
        }

        return results;
    }

    private static async Task<CheckResult> CheckAsync(DnsCheckContext context, IPAddress address, CancellationToken cancellationToken)
    {
        bool v6 = address.AddressFamily == AddressFamily.InterNetworkV6;
        string id = v6 ? CheckIds.PtrIPv6 : CheckIds.PtrIPv4;
        string subject = address.ToString();
        string host = context.HostName;
        string fix = $"Ask your hosting provider (where {address} comes from) to set its reverse DNS (PTR) to {host}.";
        var ptr = await context.Dns.LookupPtrAsync(address, cancellationToken);
        if (ptr.IsTemporaryFailure)
        {
            return CheckResult.Warning(id, subject, $"the PTR lookup of {address} failed ({ptr.Error})",
                $"Run the check again; if it keeps failing, ask your hosting provider why {DnsNames.ReverseName(address)} does not answer.");
        }

        if (!ptr.IsFound)
        {
            return CheckResult.Error(id, subject, $"{address} has no PTR record", fix);
        }

        var names = ptr.Records.Distinct(StringComparer.OrdinalIgnoreCase).ToArray();
        if (!names.Any(n => DnsNames.AreEqual(n, host)))
        {
            return CheckResult.Error(id, subject, $"PTR {address} → {string.Join(", ", names)}, not {host}",
                $"Ask your hosting provider to change the reverse DNS (PTR) of {address} from {string.Join(", ", names)} to {host}.");
        }

        if (names.Length > 1)
        {
            return CheckResult.Warning(id, subject, $"{address} has several PTR records: {string.Join(", ", names)}",
                $"Ask your hosting provider to keep only the PTR {host} for {address}: receivers may check any one of them.");
        }

        var (a, aaaa) = await context.HostAddressesAsync(cancellationToken);
        var forward = v6 ? aaaa : a;
        if (forward.Records.Contains(address))
        {
            return CheckResult.Ok(id, subject, $"PTR {address} → {host}, and {host} resolves back to {address}");
        }

        return CheckResult.NotChecked(id, subject,
            $"PTR {address} → {host}, but {host} does not resolve back to {address}: see {(v6 ? CheckIds.HostIPv6 : CheckIds.HostIPv4)}");
    }
}
