using MailAppliance.Core;
using MailAppliance.Dns;
using DnsNames = MailAppliance.Dns.DnsNames;
using MailAppliance.DnsRecords;

namespace MailAppliance.DnsCheck;

/// <summary>
/// <c>dmarc</c>: exactly one record at <c>_dmarc.domain</c> (RFC 7489 §6.6.3), it parses, and its report
/// addresses are mailto: addresses that accept the reports (an address outside the domain must authorize it,
/// RFC 7489 §7.1).
/// </summary>
internal static class DmarcCheck
{
    public static async Task<CheckResult> RunAsync(DnsCheckContext context, string domain, CancellationToken cancellationToken)
    {
        string name = "_dmarc." + domain;
        string suggested = new DmarcRecord().ToString();
        var (lookup, records) = await context.TxtStartingWithAsync(name, "v=DMARC", cancellationToken);
        if (lookup.IsTemporaryFailure)
        {
            return CheckResult.Warning(CheckIds.Dmarc, domain, $"the TXT lookup of {name} failed ({lookup.Error})",
                $"Make sure the name servers of {domain} answer, then run the check again.");
        }

        if (records.Count == 0)
        {
            return CheckResult.Warning(CheckIds.Dmarc, domain, $"{domain} has no DMARC record",
                $"Add '{name}. TXT \"{suggested}\"' in the zone of {domain} (p=none only asks for reports).");
        }

        if (records.Count > 1)
        {
            return CheckResult.Error(CheckIds.Dmarc, domain, $"{name} has {records.Count} DMARC records, so receivers use none (RFC 7489 §6.6.3)",
                $"Keep one TXT record starting v=DMARC1 at {name} and delete the others.");
        }

        if (!DmarcRecord.TryParse(records[0], out var record, out string? problem))
        {
            return CheckResult.Error(CheckIds.Dmarc, domain, $"the DMARC record \"{records[0]}\" does not parse: {problem}",
                $"Fix the TXT record at {name} in the zone of {domain}, e.g. \"{suggested}\".");
        }

        foreach (var uri in record!.AggregateReportUris.Concat(record.FailureReportUris))
        {
            if (await ReportProblemAsync(context, domain, uri, cancellationToken) is (string detail, string instruction))
            {
                return CheckResult.Error(CheckIds.Dmarc, domain, detail, instruction);
            }
        }

        string policy = $"p={DmarcRecord.Name(record.Policy)}";
        return CheckResult.Ok(CheckIds.Dmarc, domain, record.Policy == DmarcPolicy.None
            ? $"{name}: {policy} (monitoring only; raise it once reports show your mail aligns)"
            : $"{name}: {policy}" + (record.Percent < 100 ? $" for {record.Percent}% of mail" : string.Empty));
    }

    private static async Task<(string Detail, string Instruction)?> ReportProblemAsync(
        DnsCheckContext context, string domain, DmarcReportUri uri, CancellationToken cancellationToken)
    {
        string fix = $"Change the report address in the TXT record at _dmarc.{domain} to mailto: followed by an address that exists.";
        if (!uri.Uri.StartsWith("mailto:", StringComparison.OrdinalIgnoreCase))
        {
            // RFC 7489 §6.2 allows other URI schemes, but receivers only send reports by mail in practice.
            return ($"the report address {uri.Uri} is not a mailto: URI, which is what receivers send reports to", fix);
        }

        if (!EmailAddress.TryParse(Uri.UnescapeDataString(uri.Uri["mailto:".Length..]), out var address) || address.IsNull)
        {
            return ($"the report address {uri.Uri} is not a valid mail address", fix);
        }

        string reportDomain = address.Domain.ToLowerInvariant();
        if (reportDomain == domain || reportDomain.EndsWith("." + domain, StringComparison.Ordinal) ||
            domain.EndsWith("." + reportDomain, StringComparison.Ordinal))
        {
            return null;
        }

        // RFC 7489 §7.1: the report domain publishes <domain>._report._dmarc.<report domain> with v=DMARC1.
        string authorization = $"{domain}._report._dmarc.{reportDomain}";
        if (!DnsNames.IsValid(authorization))
        {
            return null;
        }

        var (lookup, records) = await context.TxtStartingWithAsync(authorization, "v=DMARC1", cancellationToken);
        return records.Count > 0 || lookup.IsTemporaryFailure
            ? null
            : ($"{reportDomain} does not accept DMARC reports for {domain}: no TXT v=DMARC1 at {authorization} (RFC 7489 §7.1)",
               $"Add '{authorization}. TXT \"v=DMARC1\"' in the zone of {reportDomain}, or send reports to an address in {domain}.");
    }
}
