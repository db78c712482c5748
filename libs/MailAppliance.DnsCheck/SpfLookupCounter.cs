using MailAppliance.Dns;
using DnsNames = MailAppliance.Dns.DnsNames;
using MailAppliance.DnsRecords;

namespace MailAppliance.DnsCheck;

/// <summary>What a worst-case walk of an SPF record costs (RFC 7208 §4.6.4).</summary>
/// <param name="DnsQueryingTerms">include, a, mx, ptr, exists and redirect terms, through every include and redirect.</param>
/// <param name="VoidLookups">Lookups among them that answered NXDOMAIN or NODATA.</param>
/// <param name="VoidNames">The names that gave void answers.</param>
/// <param name="Problems">What would make the evaluation a permerror besides the limits (an include without SPF record, a loop).</param>
/// <param name="Unresolved">Terms whose target has macros, so their cost depends on the sender (counted once, not followed).</param>
public sealed record SpfLookupCount(
    int DnsQueryingTerms, int VoidLookups, IReadOnlyList<string> VoidNames, IReadOnlyList<string> Problems, IReadOnlyList<string> Unresolved);

/// <summary>
/// Counts the DNS-querying terms and void lookups of a domain's SPF record the way an evaluation that matches nothing
/// would meet them (the worst case: a client no term authorizes), following include: and redirect=. RFC 7208 §4.6.4
/// makes more than 10 terms, or more than 2 void lookups, a permerror; an MX with more than 10 names is one too.
/// </summary>
public sealed class SpfLookupCounter(IDnsResolver dns)
{
    private const int MaxDepth = 20;

    /// <summary>Walks the record published at <paramref name="domain"/> (already parsed as <paramref name="record"/>).</summary>
    /// <exception cref="OperationCanceledException">The token was canceled.</exception>
    public async Task<SpfLookupCount> CountAsync(string domain, SpfRecord record, CancellationToken cancellationToken = default)
    {
        var walk = new Walk();
        await WalkAsync(domain, record, walk, [domain.ToLowerInvariant()], cancellationToken);
        return new SpfLookupCount(walk.Terms, walk.VoidNames.Count, walk.VoidNames, walk.Problems, walk.Unresolved);
    }

    private async Task WalkAsync(string domain, SpfRecord record, Walk walk, List<string> path, CancellationToken cancellationToken)
    {
        foreach (var directive in record.Directives.Where(d => d.QueriesDns))
        {
            walk.Terms++;
            string target = directive.Value ?? domain;
            if (target.Contains('%', StringComparison.Ordinal))
            {
                walk.Unresolved.Add($"{directive} (in {domain})");
                continue;
            }

            switch (directive.Mechanism)
            {
                case "include":
                    await FollowAsync(target, $"include:{target} (in {domain})", walk, path, cancellationToken);
                    break;
                case "a":
                    await CountVoidAsync(dns.LookupAddressesAsync(target, cancellationToken), target, walk);
                    break;
                case "mx":
                    var mx = await dns.LookupMxAsync(target, cancellationToken);
                    CountVoid(mx.Status, target, walk);
                    if (mx.Records.Count > 10)
                    {
                        // RFC 7208 §4.6.4: "the evaluation of each 'MX' record MUST NOT result in querying more than 10 address records".
                        walk.Problems.Add($"mx in {domain}: {target} has {mx.Records.Count} MX names (more than 10 is a permerror)");
                    }

                    break;
                case "exists":
                    await CountVoidAsync(dns.LookupAAsync(target, cancellationToken), target, walk);
                    break;
                default:
                    // ptr: its cost depends on the client; RFC 7208 §5.5 says not to use it.
                    walk.Unresolved.Add($"{directive} (in {domain}: RFC 7208 §5.5 says not to use ptr)");
                    break;
            }
        }

        // RFC 7208 §6.1: redirect= is ignored when the record has an "all" mechanism.
        if (record.Redirect is string redirect && !record.Directives.Any(d => d.Mechanism == "all"))
        {
            walk.Terms++;
            if (redirect.Contains('%', StringComparison.Ordinal))
            {
                walk.Unresolved.Add($"redirect={redirect} (in {domain})");
            }
            else
            {
                await FollowAsync(redirect, $"redirect={redirect} (in {domain})", walk, path, cancellationToken);
            }
        }
    }

    private async Task FollowAsync(string target, string term, Walk walk, List<string> path, CancellationToken cancellationToken)
    {
        string key = target.TrimEnd('.').ToLowerInvariant();
        if (path.Contains(key) || path.Count > MaxDepth)
        {
            walk.Problems.Add($"{term} loops back to {key}");
            return;
        }

        if (!DnsNames.IsValid(key))
        {
            walk.Problems.Add($"{term}: '{key}' is not a domain name");
            return;
        }

        var txt = await dns.LookupTxtAsync(key, cancellationToken);
        CountVoid(txt.Status, key, walk);
        var records = txt.Records.Select(r => r.Text).Where(SpfRecord.IsSpf).ToArray();
        if (txt.IsTemporaryFailure)
        {
            walk.Unresolved.Add($"{term}: lookup failed ({txt.Error})");
            return;
        }

        if (records.Length != 1)
        {
            // RFC 7208 §4.5 and §5.2: no record (or several) at an include or redirect target is a permerror.
            walk.Problems.Add($"{term}: {key} has {(records.Length == 0 ? "no" : records.Length.ToString(System.Globalization.CultureInfo.InvariantCulture))} SPF record{(records.Length == 1 ? string.Empty : "s")}");
            return;
        }

        if (!SpfRecord.TryParse(records[0], out var included, out string? problem))
        {
            walk.Problems.Add($"{term}: the SPF record of {key} does not parse: {problem}");
            return;
        }

        path.Add(key);
        await WalkAsync(key, included!, walk, path, cancellationToken);
        path.RemoveAt(path.Count - 1);
    }

    private static async Task CountVoidAsync<T>(Task<DnsResult<T>> lookup, string name, Walk walk) => CountVoid((await lookup).Status, name, walk);

    private static void CountVoid(DnsLookupStatus status, string name, Walk walk)
    {
        if (status is DnsLookupStatus.NxDomain or DnsLookupStatus.NoData)
        {
            walk.VoidNames.Add(name);
        }
    }

    private sealed class Walk
    {
        public int Terms { get; set; }

        public List<string> VoidNames { get; } = [];

        public List<string> Problems { get; } = [];

        public List<string> Unresolved { get; } = [];
    }
}
