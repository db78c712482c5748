using MailAppliance.Dns;

namespace MailAppliance.DnsCheck;

/// <summary><c>mx</c>: the domain's MX records point at the relay's host name (RFC 5321 §5.1).</summary>
internal static class MxCheck
{
    public static async Task<CheckResult> RunAsync(DnsCheckContext context, string domain, CancellationToken cancellationToken)
    {
        string host = context.HostName;
        string publish = $"'{domain}. MX 10 {host}.'";
        var mx = await context.MxAsync(domain, cancellationToken);
        if (mx.IsTemporaryFailure)
        {
            return CheckResult.Warning(CheckIds.Mx, domain, $"the MX lookup of {domain} failed ({mx.Error})",
                $"Make sure the name servers of {domain} answer, then run the check again.");
        }

        if (!mx.IsFound)
        {
            return CheckResult.Error(CheckIds.Mx, domain, $"{domain} has no MX record ({mx.Status})", $"Add {publish} in the zone of {domain}.");
        }

        if (mx.Records.Any(r => r.IsNullMx))
        {
            return CheckResult.Error(CheckIds.Mx, domain, $"{domain} publishes a null MX (RFC 7505): it accepts no mail",
                $"Replace the MX '0 .' of {domain} with {publish}.");
        }

        var ordered = mx.Records.OrderBy(r => r.Preference).ToArray();
        string found = string.Join(", ", ordered.Select(r => r.ToString()));
        if (!ordered.Any(r => DnsNames.AreEqual(r.Host, host)))
        {
            return CheckResult.Error(CheckIds.Mx, domain, $"MX {domain} → {found}, not {host}",
                $"Change the MX record of {domain} to {publish} in the zone of {domain}.");
        }

        return CheckResult.Ok(CheckIds.Mx, domain, $"MX {domain} → {found}");
    }
}
