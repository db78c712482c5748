using MailAppliance.Dns;
using DnsNames = MailAppliance.Dns.DnsNames;
using MailAppliance.DnsRecords;

namespace MailAppliance.DnsCheck;

/// <summary>
/// <c>mta-sts.record</c>: one TXT record at <c>_mta-sts.domain</c> that parses (RFC 8461 §3.1).
/// <c>mta-sts.policy</c>: the policy is served (RFC 8461 §3.3), parses (§3.2) and lists every MX host (§4.1).
/// </summary>
internal static class MtaStsCheck
{
    public static async Task<IReadOnlyList<CheckResult>> RunAsync(
        DnsCheckContext context, IMtaStsPolicySource? policies, string domain, CancellationToken cancellationToken)
    {
        string name = "_mta-sts." + domain;
        var (lookup, records) = await context.TxtStartingWithAsync(name, "v=STSv1", cancellationToken);
        CheckResult record;
        if (lookup.IsTemporaryFailure)
        {
            record = CheckResult.Warning(CheckIds.MtaStsRecord, domain, $"the TXT lookup of {name} failed ({lookup.Error})",
                $"Make sure the name servers of {domain} answer, then run the check again.");
        }
        else if (records.Count == 0)
        {
            record = CheckResult.Warning(CheckIds.MtaStsRecord, domain, $"{domain} has no MTA-STS record: senders may deliver to it without TLS",
                $"Publish the _mta-sts TXT record and serve the policy that 'mailctl dns records {domain}' prints.");
        }
        else if (records.Count > 1)
        {
            record = CheckResult.Error(CheckIds.MtaStsRecord, domain, $"{name} has {records.Count} MTA-STS records, so senders use none (RFC 8461 §3.1)",
                $"Keep one TXT record starting v=STSv1 at {name} and delete the others.");
        }
        else if (!MtaStsRecordParsing.TryParse(records[0], out string? problem))
        {
            record = CheckResult.Error(CheckIds.MtaStsRecord, domain, $"the MTA-STS record \"{records[0]}\" does not parse: {problem}",
                $"Fix the TXT record at {name} as 'mailctl dns records {domain}' prints it.");
        }
        else
        {
            record = CheckResult.Ok(CheckIds.MtaStsRecord, domain, $"{name}: {records[0]}");
        }

        return [record, await PolicyAsync(context, policies, domain, record, cancellationToken)];
    }

    private static async Task<CheckResult> PolicyAsync(
        DnsCheckContext context, IMtaStsPolicySource? policies, string domain, CheckResult record, CancellationToken cancellationToken)
    {
        string id = CheckIds.MtaStsPolicy;
        string url = MtaStsPolicy.Url(domain);
        if (record.Status != CheckStatus.Ok)
        {
            return CheckResult.NotChecked(id, domain, $"no usable MTA-STS record, so senders do not fetch {url}: see {CheckIds.MtaStsRecord}");
        }

        if (!context.Options.CheckMtaStsPolicy || policies is null)
        {
            return CheckResult.NotChecked(id, domain, $"fetching {url} is switched off (DnsVerifier:CheckMtaStsPolicy)");
        }

        var fetch = await policies.FetchAsync(domain, cancellationToken);
        if (fetch.Text is null)
        {
            return CheckResult.Error(id, domain, $"senders cannot fetch {url}: {fetch.Problem}",
                $"Serve the policy 'mailctl dns records {domain}' prints at {url}, over HTTPS with a certificate for mta-sts.{domain}.");
        }

        if (!MtaStsPolicyParsing.TryParse(fetch.Text, out var policy, out string? problem))
        {
            return CheckResult.Error(id, domain, $"the policy at {url} does not parse: {problem}",
                $"Replace the file served at {url} with the policy 'mailctl dns records {domain}' prints.");
        }

        // The policy must cover the relay's host name, and every MX host when the MX is right. A wrong MX is the mx
        // check's error; asking to add the wrong host to the policy would be a wrong instruction.
        var mx = await context.MxAsync(domain, cancellationToken);
        var mxHosts = mx.Records.Where(r => !r.IsNullMx).Select(r => r.Host).ToArray();
        string[] hosts = mxHosts.Any(h => DnsNames.AreEqual(h, context.HostName))
            ? mxHosts.Distinct(StringComparer.OrdinalIgnoreCase).ToArray()
            : [context.HostName];
        var unlisted = hosts.Where(h => !policy!.Mx.Any(p => Matches(p, h))).ToArray();
        if (policy!.Mode != MtaStsMode.None && unlisted.Length > 0)
        {
            return CheckResult.Error(id, domain, $"the policy at {url} does not list the MX host {string.Join(", ", unlisted)} (mx: {string.Join(", ", policy.Mx)})",
                $"Add {string.Join(" and ", unlisted.Select(h => $"'mx: {h}'"))} to the policy at {url} and change the id= of {"_mta-sts." + domain}.");
        }

        return CheckResult.Ok(id, domain, $"{url}: mode {policy.Mode.ToString().ToLowerInvariant()}, mx {string.Join(", ", policy.Mx)}, max_age {policy.MaxAge}");
    }

    // RFC 8461 §4.1: a pattern is a host name, or "*." followed by a name matching exactly one more label on the left.
    private static bool Matches(string pattern, string host)
    {
        if (!pattern.StartsWith("*.", StringComparison.Ordinal))
        {
            return DnsNames.AreEqual(pattern, host);
        }

        int dot = host.IndexOf('.', StringComparison.Ordinal);
        return dot > 0 && DnsNames.AreEqual(pattern[2..], host[(dot + 1)..]);
    }
}

/// <summary>The Try forms of the MTA-STS parsers the checks need.</summary>
internal static class MtaStsRecordParsing
{
    public static bool TryParse(string text, out string? problem)
    {
        try
        {
            MtaStsRecord.Parse(text);
            problem = null;
            return true;
        }
        catch (DnsRecordFormatException e)
        {
            problem = e.Message;
            return false;
        }
    }
}

/// <summary>The Try form of <see cref="MtaStsPolicy.Parse"/>.</summary>
internal static class MtaStsPolicyParsing
{
    public static bool TryParse(string text, out MtaStsPolicy? policy, out string? problem)
    {
        try
        {
            policy = MtaStsPolicy.Parse(text);
            problem = null;
            return true;
        }
        catch (DnsRecordFormatException e)
        {
            policy = null;
            problem = e.Message;
            return false;
        }
    }
}
