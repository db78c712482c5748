using MailAppliance.DnsRecords;

namespace MailAppliance.DnsCheck;

/// <summary><c>tls-rpt</c>: one TXT record at <c>_smtp._tls.domain</c> that parses (RFC 8460 §3).</summary>
internal static class TlsRptCheck
{
    public static async Task<CheckResult> RunAsync(DnsCheckContext context, string domain, CancellationToken cancellationToken)
    {
        string name = "_smtp._tls." + domain;
        var (lookup, records) = await context.TxtStartingWithAsync(name, "v=TLSRPTv1", cancellationToken);
        if (lookup.IsTemporaryFailure)
        {
            return CheckResult.Warning(CheckIds.TlsRpt, domain, $"the TXT lookup of {name} failed ({lookup.Error})",
                $"Make sure the name servers of {domain} answer, then run the check again.");
        }

        if (records.Count == 0)
        {
            return CheckResult.Warning(CheckIds.TlsRpt, domain, $"{domain} has no TLS-RPT record: senders cannot report TLS failures",
                $"Add '{name}. TXT \"v=TLSRPTv1; rua=mailto:postmaster@{domain}\"' in the zone of {domain}.");
        }

        if (records.Count > 1)
        {
            // RFC 8460 §3: with several records, senders use none.
            return CheckResult.Error(CheckIds.TlsRpt, domain, $"{name} has {records.Count} TLS-RPT records, so senders use none (RFC 8460 §3)",
                $"Keep one TXT record starting v=TLSRPTv1 at {name} and delete the others.");
        }

        try
        {
            var record = TlsRptRecord.Parse(records[0]);
            return CheckResult.Ok(CheckIds.TlsRpt, domain, $"{name}: reports go to {string.Join(", ", record.ReportUris)}");
        }
        catch (DnsRecordFormatException e)
        {
            return CheckResult.Error(CheckIds.TlsRpt, domain, $"the TLS-RPT record \"{records[0]}\" does not parse: {e.Message}",
                $"Fix the TXT record at {name}, e.g. \"v=TLSRPTv1; rua=mailto:postmaster@{domain}\".");
        }
    }
}
