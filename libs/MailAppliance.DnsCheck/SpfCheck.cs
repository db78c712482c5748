using System.Net;
using System.Net.Sockets;
using MailAppliance.DnsRecords;

namespace MailAppliance.DnsCheck;

/// <summary>
/// <c>spf.record</c>: exactly one SPF record at the domain (RFC 7208 §4.5), and it parses. <c>spf.lookups</c>: at
/// most 10 DNS-querying terms and 2 void lookups (RFC 7208 §4.6.4). <c>spf.ipv4</c>, <c>spf.ipv6</c>: the record
/// gives pass for each public address (RFC 7208 §2.6.3). Each later check runs only when the earlier ones pass: a
/// broken record makes every evaluation a permerror, and the first failing check carries the instruction.
/// </summary>
internal static class SpfCheck
{
    public static async Task<IReadOnlyList<CheckResult>> RunAsync(
        DnsCheckContext context, ISpfPassEvaluator? evaluator, string domain, CancellationToken cancellationToken)
    {
        var addresses = context.Target.PublicAddresses;
        string suggested = SpfRecord.ForAddresses(addresses).ToString();
        var results = new List<CheckResult>();
        var (lookup, records) = await context.TxtStartingWithAsync(domain, "v=spf1", cancellationToken);
        records = records.Where(SpfRecord.IsSpf).ToArray();
        SpfRecord? record = null;
        if (lookup.IsTemporaryFailure)
        {
            results.Add(CheckResult.Warning(CheckIds.SpfRecord, domain, $"the TXT lookup of {domain} failed ({lookup.Error})",
                $"Make sure the name servers of {domain} answer, then run the check again."));
        }
        else if (records.Count == 0)
        {
            results.Add(CheckResult.Error(CheckIds.SpfRecord, domain, $"{domain} has no SPF record",
                $"Add '{domain}. TXT \"{suggested}\"' in the zone of {domain}."));
        }
        else if (records.Count > 1)
        {
            results.Add(CheckResult.Error(CheckIds.SpfRecord, domain,
                $"{domain} has {records.Count} SPF records, which makes every SPF check a permerror (RFC 7208 §4.5): {string.Join(" | ", records)}",
                $"Merge them into one TXT record at {domain}, e.g. \"{suggested}\", and delete the others."));
        }
        else if (!SpfRecord.TryParse(records[0], out record, out string? problem))
        {
            results.Add(CheckResult.Error(CheckIds.SpfRecord, domain, $"the SPF record \"{records[0]}\" does not parse: {problem}",
                $"Fix the TXT record at {domain}, e.g. \"{suggested}\"."));
        }
        else
        {
            results.Add(CheckResult.Ok(CheckIds.SpfRecord, domain, $"{domain}: {records[0]}"));
        }

        if (record is null)
        {
            results.Add(CheckResult.NotChecked(CheckIds.SpfLookups, domain, $"no usable SPF record: see {CheckIds.SpfRecord}"));
            AddNotChecked(results, context, domain, $"no usable SPF record: see {CheckIds.SpfRecord}");
            return results;
        }

        var lookups = await Lookups(context, domain, record, cancellationToken);
        results.Add(lookups);
        if (lookups.Status == CheckStatus.Error)
        {
            AddNotChecked(results, context, domain, $"the record is a permerror for every client: see {CheckIds.SpfLookups}");
            return results;
        }

        foreach (var address in addresses)
        {
            results.Add(await PassAsync(evaluator, context, domain, address, cancellationToken));
        }

        return results;
    }

    private static async Task<CheckResult> Lookups(DnsCheckContext context, string domain, SpfRecord record, CancellationToken cancellationToken)
    {
        var count = await new SpfLookupCounter(context.Dns).CountAsync(domain, record, cancellationToken);
        string costs = $"{count.DnsQueryingTerms} DNS-querying terms, {count.VoidLookups} void lookups";
        if (count.DnsQueryingTerms > SpfRecord.MaxDnsQueryingTerms)
        {
            return CheckResult.Error(CheckIds.SpfLookups, domain, $"the SPF record of {domain} needs {costs}; more than 10 is a permerror (RFC 7208 §4.6.4)",
                $"Replace include:, a and mx terms in the SPF record of {domain} with ip4:/ip6: terms until at most 10 DNS-querying terms remain.");
        }

        if (count.VoidLookups > 2)
        {
            return CheckResult.Error(CheckIds.SpfLookups, domain,
                $"the SPF record of {domain} needs {costs} ({string.Join(", ", count.VoidNames)}); more than 2 void lookups is a permerror (RFC 7208 §4.6.4)",
                $"Remove the terms naming {string.Join(", ", count.VoidNames)} from the SPF record of {domain}: those names do not exist.");
        }

        if (count.Problems.Count > 0)
        {
            return CheckResult.Error(CheckIds.SpfLookups, domain, $"the SPF record of {domain} is a permerror: {string.Join("; ", count.Problems)}",
                $"Remove or correct {count.Problems[0].Split(':')[0]} in the SPF record of {domain}.");
        }

        string unresolved = count.Unresolved.Count == 0 ? string.Empty : $" (not followed: {string.Join(", ", count.Unresolved)})";
        return CheckResult.Ok(CheckIds.SpfLookups, domain, $"{costs} of at most 10 and 2{unresolved}");
    }

    private static async Task<CheckResult> PassAsync(
        ISpfPassEvaluator? evaluator, DnsCheckContext context, string domain, IPAddress address, CancellationToken cancellationToken)
    {
        string id = address.AddressFamily == AddressFamily.InterNetworkV6 ? CheckIds.SpfIPv6 : CheckIds.SpfIPv4;
        string subject = $"{domain} {address}";
        if (evaluator is null)
        {
            return CheckResult.NotChecked(id, subject, "no SPF evaluator is available");
        }

        var evaluation = await evaluator.EvaluateAsync(address, domain, context.HostName, cancellationToken);
        if (evaluation.Pass)
        {
            return CheckResult.Ok(id, subject, $"SPF of {domain} gives pass for {address}" + (evaluation.Mechanism is null ? string.Empty : $" ({evaluation.Mechanism})"));
        }

        if (evaluation.Result == "temperror")
        {
            return CheckResult.Warning(id, subject, $"SPF of {domain} gives temperror for {address} ({evaluation.Problem})",
                $"Make sure the name servers of {domain} and of the names its SPF record includes answer, then run the check again.");
        }

        string term = address.AddressFamily == AddressFamily.InterNetworkV6 ? "ip6:" : "ip4:";
        return CheckResult.Error(id, subject,
            $"SPF of {domain} gives {evaluation.Result} for {address}" + (evaluation.Problem is null ? string.Empty : $" ({evaluation.Problem})"),
            $"Add {term}{address} to the SPF record of {domain}, before its all term.");
    }

    private static void AddNotChecked(List<CheckResult> results, DnsCheckContext context, string domain, string reason)
    {
        foreach (var address in context.Target.PublicAddresses)
        {
            results.Add(CheckResult.NotChecked(address.AddressFamily == AddressFamily.InterNetworkV6 ? CheckIds.SpfIPv6 : CheckIds.SpfIPv4,
                $"{domain} {address}", reason));
        }
    }
}
