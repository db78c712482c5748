using System.Net;
using System.Net.Sockets;
using MailAppliance.Dns;

namespace MailAppliance.Spf;

/// <summary>
/// One run of <c>check_host()</c> with its includes and redirects: the client, the sender and the counters that
/// RFC 7208 §4.6.4 limits across the whole evaluation.
/// </summary>
internal sealed class SpfEvaluation
{
    private readonly IDnsResolver dns;
    private readonly SpfEvaluatorOptions options;
    private readonly IPAddress client;
    private readonly string sender;
    private readonly string localPart;
    private readonly string senderDomain;
    private readonly string helo;
    private int lookups;
    private int voids;

    public SpfEvaluation(IDnsResolver dns, SpfEvaluatorOptions options, IPAddress client, string sender, string domain, string helo)
    {
        this.dns = dns;
        this.options = options;
        // RFC 7208 §5 (ip4/ip6) and §5.6: an IPv4-mapped IPv6 client is the IPv4 client it stands for.
        this.client = client.IsIPv4MappedToIPv6 ? client.MapToIPv4() : client;
        int at = sender.LastIndexOf('@');
        // §4.3: a sender without a local part is "postmaster" at the domain.
        localPart = at <= 0 ? "postmaster" : sender[..at];
        senderDomain = at < 0 ? (sender.Length > 0 ? sender : domain) : sender[(at + 1)..];
        this.sender = localPart + "@" + senderDomain;
        this.helo = helo;
    }

    private bool ClientIsIPv6 => client.AddressFamily == AddressFamily.InterNetworkV6;

    public async Task<SpfCheck> RunAsync(string domain, CancellationToken cancellationToken)
    {
        string checkedDomain = domain.TrimEnd('.');
        if (!IsCheckableDomain(checkedDomain))
        {
            // §4.3: a malformed domain (not a FQDN, too-long or empty labels, a domain literal) is "none".
            return Result(SpfResult.None, checkedDomain, null, null, $"\"{domain}\" is not a fully qualified domain name");
        }

        try
        {
            var outcome = await EvaluateAsync(checkedDomain, wantExplanation: true, cancellationToken);
            return Result(outcome.Result, checkedDomain, outcome.Mechanism, outcome.Explanation,
                outcome.Result == SpfResult.None ? "no SPF record" : null);
        }
        catch (SpfAbortException e)
        {
            return Result(e.Result, checkedDomain, e.Mechanism, null, e.Message);
        }
    }

    private SpfCheck Result(SpfResult result, string domain, string? mechanism, string? explanation, string? problem) =>
        new(result, domain, mechanism, explanation, problem, lookups, voids);

    /// <summary>check_host() for one domain (the top one, an include's or a redirect's target).</summary>
    private async Task<Outcome> EvaluateAsync(string domain, bool wantExplanation, CancellationToken cancellationToken)
    {
        var policy = await FindPolicyAsync(domain, cancellationToken);
        if (policy is null)
        {
            return new Outcome(SpfResult.None, null, null);
        }

        var scope = new MacroScope(this, domain);
        foreach (var directive in policy.Directives)
        {
            if (!await MatchesAsync(directive, scope, cancellationToken))
            {
                continue;
            }

            string? explanation = null;
            if (directive.Qualifier == SpfResult.Fail && wantExplanation)
            {
                explanation = await ExplainAsync(policy, scope, cancellationToken);
            }

            return new Outcome(directive.Qualifier, directive.Text, explanation);
        }

        // §6.1: redirect= applies only when nothing matched, and is ignored when the record has "all".
        if (policy.Redirect is not null && !policy.HasAll)
        {
            CountLookup("redirect=" + policy.Redirect);
            string? target = await TargetAsync(policy.Redirect, scope, cancellationToken);
            var redirected = target is null ? new Outcome(SpfResult.None, null, null) : await EvaluateAsync(target, wantExplanation, cancellationToken);
            if (redirected.Result == SpfResult.None)
            {
                // §6.1: a redirect to a domain without a record is permerror.
                throw new SpfAbortException(SpfResult.PermError, $"redirect={policy.Redirect}: {target ?? "(invalid name)"} has no SPF record", "redirect=" + policy.Redirect);
            }

            return redirected;
        }

        // §4.7: no match and no redirect: neutral, as if "?all" ended the record.
        return new Outcome(SpfResult.Neutral, null, null);
    }

    /// <summary>The one SPF record of a domain (§4.4, §4.5); null when there is none.</summary>
    private async Task<SpfPolicy?> FindPolicyAsync(string domain, CancellationToken cancellationToken)
    {
        var answer = await dns.LookupTxtAsync(domain, cancellationToken);
        if (answer.IsTemporaryFailure)
        {
            // §4.4: a DNS error other than NXDOMAIN while getting the record: temperror.
            throw new SpfAbortException(SpfResult.TempError, $"TXT lookup of {domain} failed: {answer.Error}", null);
        }

        var records = answer.Records.Select(r => r.Text).Where(SpfPolicyParser.IsSpfRecord).ToList();
        if (records.Count == 0)
        {
            return null;
        }

        if (records.Count > 1)
        {
            throw new SpfAbortException(SpfResult.PermError, $"{domain} has {records.Count} SPF records (RFC 7208 §4.5: exactly one)", null);
        }

        if (records[0].Any(c => c > '~'))
        {
            // §3.1 and §4.6: records are US-ASCII.
            throw new SpfAbortException(SpfResult.PermError, $"the SPF record of {domain} contains non-ASCII characters", null);
        }

        if (!SpfPolicyParser.TryParse(records[0], out var policy, out string? problem))
        {
            // §4.6: a syntax error anywhere makes the result permerror, before anything is evaluated.
            throw new SpfAbortException(SpfResult.PermError, $"the SPF record of {domain} is invalid: {problem}", null);
        }

        return policy;
    }

    private async Task<bool> MatchesAsync(SpfDirective directive, MacroScope scope, CancellationToken cancellationToken)
    {
        if (directive.QueriesDns)
        {
            CountLookup(directive.Text);
        }

        switch (directive.Kind)
        {
            case SpfMechanismKind.All:
                return true;
            case SpfMechanismKind.Ip4:
            case SpfMechanismKind.Ip6:
                // §5.6: ip4 never matches an IPv6 client and ip6 never an IPv4 one.
                return directive.Network!.AddressFamily == client.AddressFamily &&
                       InNetwork(client, directive.Network, ClientIsIPv6 ? directive.Ip6Prefix : directive.Ip4Prefix);
            case SpfMechanismKind.Include:
                return await IncludeAsync(directive, scope, cancellationToken);
            case SpfMechanismKind.A:
            {
                string? target = await TargetAsync(directive.DomainSpec, scope, cancellationToken);
                var addresses = await AddressesAsync(target, directive, cancellationToken);
                return addresses.Any(a => InNetwork(client, a, Prefix(directive)));
            }

            case SpfMechanismKind.Mx:
                return await MxAsync(directive, scope, cancellationToken);
            case SpfMechanismKind.Ptr:
            {
                string target = await TargetAsync(directive.DomainSpec, scope, cancellationToken) ?? scope.CurrentDomain;
                var names = await ValidatedNamesAsync(countVoid: true, cancellationToken);
                // §5.5: a validated name equal to the target or a subdomain of it.
                return names.Any(n => DnsNames.AreEqual(n, target) || n.EndsWith("." + target, StringComparison.OrdinalIgnoreCase));
            }

            case SpfMechanismKind.Exists:
            {
                string? target = await TargetAsync(directive.DomainSpec, scope, cancellationToken);
                if (target is null)
                {
                    Void(directive.Text);
                    return false;
                }

                // §5.7: always an A query, whatever the client's address family.
                var answer = await dns.LookupAAsync(target, cancellationToken);
                ThrowIfTemporary(answer, directive.Text);
                if (answer.IsEmpty)
                {
                    Void(directive.Text);
                }

                return answer.IsFound;
            }

            default:
                throw new InvalidOperationException($"unknown mechanism {directive.Kind}");
        }
    }

    private async Task<bool> IncludeAsync(SpfDirective directive, MacroScope scope, CancellationToken cancellationToken)
    {
        string? target = await TargetAsync(directive.DomainSpec, scope, cancellationToken);
        var included = target is null ? new Outcome(SpfResult.None, null, null) : await EvaluateAsync(target, wantExplanation: false, cancellationToken);
        // §5.2 table: pass matches; fail, softfail and neutral do not; none is permerror (errors propagate as thrown).
        return included.Result switch
        {
            SpfResult.Pass => true,
            SpfResult.None => throw new SpfAbortException(SpfResult.PermError, $"{directive.Text}: {target ?? "(invalid name)"} has no SPF record", directive.Text),
            _ => false,
        };
    }

    private async Task<bool> MxAsync(SpfDirective directive, MacroScope scope, CancellationToken cancellationToken)
    {
        string? target = await TargetAsync(directive.DomainSpec, scope, cancellationToken);
        if (target is null)
        {
            Void(directive.Text);
            return false;
        }

        var answer = await dns.LookupMxAsync(target, cancellationToken);
        ThrowIfTemporary(answer, directive.Text);
        if (answer.IsEmpty)
        {
            // §5.4: no implicit MX here; no MX record is simply no match (and a void lookup).
            Void(directive.Text);
            return false;
        }

        if (answer.Records.Count > options.MaxNamesPerLookup)
        {
            throw new SpfAbortException(SpfResult.PermError, $"{directive.Text}: {target} has {answer.Records.Count} MX records (RFC 7208 §4.6.4: at most {options.MaxNamesPerLookup})", directive.Text);
        }

        foreach (var mx in answer.Records.OrderBy(r => r.Preference))
        {
            if (mx.IsNullMx || !DnsNames.IsValid(mx.Host))
            {
                continue;
            }

            var addresses = ClientIsIPv6 ? await dns.LookupAaaaAsync(mx.Host, cancellationToken) : await dns.LookupAAsync(mx.Host, cancellationToken);
            ThrowIfTemporary(addresses, directive.Text);
            if (addresses.Records.Any(a => InNetwork(client, a, Prefix(directive))))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>The A or AAAA records of the target, by the client's family (§5.3).</summary>
    private async Task<IReadOnlyList<IPAddress>> AddressesAsync(string? target, SpfDirective directive, CancellationToken cancellationToken)
    {
        if (target is null)
        {
            Void(directive.Text);
            return [];
        }

        var answer = ClientIsIPv6 ? await dns.LookupAaaaAsync(target, cancellationToken) : await dns.LookupAAsync(target, cancellationToken);
        ThrowIfTemporary(answer, directive.Text);
        if (answer.IsEmpty)
        {
            Void(directive.Text);
        }

        return answer.Records;
    }

    /// <summary>
    /// The client's validated host names (§5.5): PTR names (at most the limit) whose A/AAAA records include the
    /// client. A failed PTR lookup gives none; a failed address lookup skips that name.
    /// </summary>
    internal async Task<IReadOnlyList<string>> ValidatedNamesAsync(bool countVoid, CancellationToken cancellationToken)
    {
        var ptr = await dns.LookupPtrAsync(client, cancellationToken);
        if (ptr.IsEmpty && countVoid)
        {
            Void("ptr");
        }

        var validated = new List<string>();
        foreach (string name in ptr.Records.Take(options.MaxNamesPerLookup))
        {
            if (!DnsNames.IsValid(name))
            {
                continue;
            }

            var addresses = ClientIsIPv6 ? await dns.LookupAaaaAsync(name, cancellationToken) : await dns.LookupAAsync(name, cancellationToken);
            if (addresses.Records.Any(a => a.Equals(client)))
            {
                validated.Add(name);
            }
        }

        return validated;
    }

    /// <summary>The explanation of a fail (§6.2): the exp= text expanded, else the default explanation.</summary>
    private async Task<string> ExplainAsync(SpfPolicy policy, MacroScope scope, CancellationToken cancellationToken)
    {
        if (policy.Explanation is not null)
        {
            try
            {
                string? name = await TargetAsync(policy.Explanation, scope, cancellationToken);
                if (name is not null)
                {
                    var answer = await dns.LookupTxtAsync(name, cancellationToken);
                    // §6.2: a DNS error, no record or more than one record: as if there were no exp=.
                    if (answer.IsFound && answer.Records.Count == 1 && answer.Records[0].Text.All(c => c is >= ' ' and <= '~'))
                    {
                        return await SpfMacroString.ExpandAsync(answer.Records[0].Text, SpfMacroString.ExplanationLetters, scope, cancellationToken);
                    }
                }
            }
            catch (SpfSyntaxException)
            {
                // §6.2: a syntax error in the explanation string: as if there were no exp=.
            }
            catch (SpfAbortException)
            {
                // The explanation never changes the result (§6.2).
            }
        }

        try
        {
            return await SpfMacroString.ExpandAsync(options.DefaultExplanation, SpfMacroString.ExplanationLetters, scope, cancellationToken);
        }
        catch (SpfSyntaxException)
        {
            return options.DefaultExplanation;
        }
    }

    /// <summary>
    /// The name a domain-spec stands for (the current domain when absent), macro-expanded and shortened from the
    /// left to 253 characters (§7.3); null when it cannot be a DNS name (empty or over-long labels), which is treated
    /// as a name that does not exist.
    /// </summary>
    private async Task<string?> TargetAsync(string? domainSpec, MacroScope scope, CancellationToken cancellationToken)
    {
        if (domainSpec is null)
        {
            return scope.CurrentDomain;
        }

        string name;
        try
        {
            name = await SpfMacroString.ExpandAsync(domainSpec, SpfMacroString.DomainLetters, scope, cancellationToken);
        }
        catch (SpfSyntaxException e)
        {
            throw new SpfAbortException(SpfResult.PermError, e.Message, domainSpec);
        }

        name = name.TrimEnd('.');
        while (name.Length > 253 && name.IndexOf('.') is int dot and >= 0)
        {
            name = name[(dot + 1)..];
        }

        return DnsNames.IsValid(name) && name.Length <= 253 ? name : null;
    }

    private void CountLookup(string term)
    {
        if (++lookups > options.MaxDnsLookups)
        {
            throw new SpfAbortException(SpfResult.PermError, $"more than {options.MaxDnsLookups} DNS-querying terms (RFC 7208 §4.6.4), at {term}", term);
        }
    }

    private void Void(string term)
    {
        if (++voids > options.MaxVoidLookups)
        {
            throw new SpfAbortException(SpfResult.PermError, $"more than {options.MaxVoidLookups} void lookups (RFC 7208 §4.6.4), at {term}", term);
        }
    }

    private static void ThrowIfTemporary<T>(DnsResult<T> answer, string term)
    {
        if (answer.IsTemporaryFailure)
        {
            throw new SpfAbortException(SpfResult.TempError, $"{term}: {answer.Type} lookup of {answer.Name} failed: {answer.Error}", term);
        }
    }

    private int Prefix(SpfDirective directive) => ClientIsIPv6 ? directive.Ip6Prefix : directive.Ip4Prefix;

    internal static bool InNetwork(IPAddress address, IPAddress network, int prefix)
    {
        if (address.AddressFamily != network.AddressFamily)
        {
            return false;
        }

        byte[] a = address.GetAddressBytes();
        byte[] n = network.GetAddressBytes();
        int whole = prefix / 8;
        for (int i = 0; i < whole; i++)
        {
            if (a[i] != n[i])
            {
                return false;
            }
        }

        int rest = prefix % 8;
        if (rest == 0)
        {
            return true;
        }

        int mask = 0xFF << (8 - rest) & 0xFF;
        return (a[whole] & mask) == (n[whole] & mask);
    }

    /// <summary>
    /// §4.3: a domain check_host() can work on: a valid DNS name of at least two labels, each at most 63 octets,
    /// not a domain literal.
    /// </summary>
    internal static bool IsCheckableDomain(string domain) =>
        domain.Length <= 253 && DnsNames.IsValid(domain) && domain.Contains('.') && !domain.Contains('[') && !domain.Contains(']');

    private sealed record Outcome(SpfResult Result, string? Mechanism, string? Explanation);

    /// <summary>The macro values while evaluating one domain's record (%{d} is that domain).</summary>
    private sealed class MacroScope(SpfEvaluation evaluation, string currentDomain) : ISpfMacroValues
    {
        public string Sender => evaluation.sender;

        public string LocalPart => evaluation.localPart;

        public string SenderDomain => evaluation.senderDomain;

        public string CurrentDomain => currentDomain;

        public IPAddress Client => evaluation.client;

        public string Helo => evaluation.helo;

        public string ReceiverName => evaluation.options.ReceiverName;

        public async Task<string> ValidatedClientNameAsync(CancellationToken cancellationToken)
        {
            // §7.3 "p": prefer the domain itself, then a subdomain of it, then any validated name; else "unknown".
            var names = await evaluation.ValidatedNamesAsync(countVoid: false, cancellationToken);
            return names.FirstOrDefault(n => DnsNames.AreEqual(n, currentDomain))
                ?? names.FirstOrDefault(n => n.EndsWith("." + currentDomain, StringComparison.OrdinalIgnoreCase))
                ?? names.FirstOrDefault()
                ?? "unknown";
        }
    }
}

/// <summary>Ends an evaluation with temperror or permerror (caught at the top; never leaves the library).</summary>
internal sealed class SpfAbortException(SpfResult result, string message, string? mechanism) : Exception(message)
{
    public SpfResult Result { get; } = result;

    public string? Mechanism { get; } = mechanism;
}
