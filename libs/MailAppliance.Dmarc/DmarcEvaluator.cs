using System.Diagnostics;
using MailAppliance.Dkim;
using MailAppliance.Dns;
using MailAppliance.DnsRecords;
using MailAppliance.Spf;
using DnsNames = MailAppliance.Dns.DnsNames;

namespace MailAppliance.Dmarc;

/// <summary>
/// Evaluates DMARC (RFC 7489) for a message whose SPF and DKIM results are known: policy discovery at the From
/// domain and its organizational domain (§6.6.3, Public Suffix List), relaxed or strict alignment (§3.1), the
/// result, and the disposition from p=/sp= and pct= (§6.6.4). DNS problems are results, never exceptions.
/// Thread-safe; one instance can serve every session.
/// </summary>
public sealed class DmarcEvaluator
{
    /// <summary>The DNS label DMARC records live under (§6.1).</summary>
    public const string RecordPrefix = "_dmarc.";

    private readonly IDnsResolver dns;
    private readonly Func<int> sample;

    /// <summary>An evaluator.</summary>
    /// <param name="dns">The shared resolver.</param>
    /// <param name="publicSuffixes">The Public Suffix List (see <see cref="PublicSuffixList.Load"/>).</param>
    /// <param name="percentSampler">Returns a number from 0 to 99 for the pct= sample (§6.6.4); null for a random one.
    /// A message is inside the sample when the number is below pct.</param>
    public DmarcEvaluator(IDnsResolver dns, PublicSuffixList publicSuffixes, Func<int>? percentSampler = null)
    {
        ArgumentNullException.ThrowIfNull(dns);
        ArgumentNullException.ThrowIfNull(publicSuffixes);
        this.dns = dns;
        PublicSuffixes = publicSuffixes;
        sample = percentSampler ?? (() => Random.Shared.Next(100));
    }

    /// <summary>The Public Suffix List in use.</summary>
    public PublicSuffixList PublicSuffixes { get; }

    /// <summary>An evaluator reading the Public Suffix List named by the options.</summary>
    /// <exception cref="IOException">The list cannot be read.</exception>
    /// <exception cref="UnauthorizedAccessException">The list cannot be read.</exception>
    public static DmarcEvaluator Create(IDnsResolver dns, DmarcOptions? options = null) =>
        new(dns, PublicSuffixList.Load((options ?? new DmarcOptions()).PublicSuffixListPath));

    /// <summary>Evaluates DMARC with the results of <see cref="SpfEvaluator.CheckMailFromAsync"/> and <see cref="DkimVerifier"/>.</summary>
    /// <param name="fromDomain">The domain of the RFC5322.From address.</param>
    /// <param name="spf">The SPF check of the MAIL FROM identity (the HELO identity when MAIL FROM was null).</param>
    /// <param name="dkim">Every DKIM signature's result.</param>
    /// <param name="cancellationToken">Cancels the DNS lookups.</param>
    /// <exception cref="OperationCanceledException">The token was canceled.</exception>
    public Task<DmarcCheck> EvaluateAsync(string fromDomain, SpfCheck? spf, IEnumerable<DkimSignatureResult> dkim, CancellationToken cancellationToken = default) =>
        EvaluateAsync(fromDomain, spf is null ? null : DmarcSpfIdentifier.From(spf), DmarcDkimIdentifier.From(dkim), cancellationToken);

    /// <summary>Evaluates DMARC (RFC 7489 §6.6).</summary>
    /// <param name="fromDomain">The domain of the RFC5322.From address.</param>
    /// <param name="spf">The SPF outcome, or null when SPF was not checked (it then cannot align).</param>
    /// <param name="dkim">The DKIM outcomes (empty when the message had no signature).</param>
    /// <param name="cancellationToken">Cancels the DNS lookups.</param>
    /// <returns>The result, the policy and the disposition to apply.</returns>
    /// <exception cref="OperationCanceledException">The token was canceled.</exception>
    public async Task<DmarcCheck> EvaluateAsync(string fromDomain, DmarcSpfIdentifier? spf, IEnumerable<DmarcDkimIdentifier> dkim,
                                                CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(fromDomain);
        ArgumentNullException.ThrowIfNull(dkim);
        string from = fromDomain.Trim().TrimEnd('.').ToLowerInvariant();
        using var activity = DmarcTelemetry.Source.StartActivity("dmarc.check");
        activity?.SetTag("dmarc.from_domain", from);
        var check = await EvaluateCoreAsync(from, spf, dkim.ToArray(), cancellationToken);
        activity?.SetTag("dmarc.result", check.Result.Keyword());
        activity?.SetTag("dmarc.disposition", check.Disposition.Keyword());
        if (check.Result is DmarcResult.TempError or DmarcResult.PermError)
        {
            activity?.SetStatus(ActivityStatusCode.Error, check.Problem);
        }

        DmarcTelemetry.Checks.Add(1, new KeyValuePair<string, object?>("result", check.Result.Keyword()),
            new KeyValuePair<string, object?>("disposition", check.Disposition.Keyword()));
        return check;
    }

    /// <summary>
    /// Policy discovery (§6.6.3): the record at <c>_dmarc.</c> the From domain, else at its organizational domain.
    /// </summary>
    /// <exception cref="OperationCanceledException">The token was canceled.</exception>
    public async Task<DmarcRecordLookup> FindRecordAsync(string fromDomain, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(fromDomain);
        string from = fromDomain.Trim().TrimEnd('.').ToLowerInvariant();
        var atFrom = await LookupAsync(from, cancellationToken);
        if (atFrom.Status != DmarcRecordStatus.None || atFrom.Problem is not null)
        {
            return atFrom;
        }

        string? organizational = PublicSuffixes.OrganizationalDomain(from);
        if (organizational is null || organizational == from)
        {
            return atFrom;
        }

        return await LookupAsync(organizational, cancellationToken);
    }

    /// <summary>
    /// True when an authenticated identifier aligns with the From domain (§3.1): strict means the same domain;
    /// relaxed means the same organizational domain. A public suffix never aligns.
    /// </summary>
    public bool IsAligned(string identifier, string fromDomain, bool strict)
    {
        string a = identifier.Trim().TrimEnd('.');
        string b = fromDomain.Trim().TrimEnd('.');
        if (strict)
        {
            return string.Equals(a, b, StringComparison.OrdinalIgnoreCase) && PublicSuffixes.OrganizationalDomain(b) is not null;
        }

        string? orgA = PublicSuffixes.OrganizationalDomain(a);
        return orgA is not null && string.Equals(orgA, PublicSuffixes.OrganizationalDomain(b), StringComparison.OrdinalIgnoreCase);
    }

    private async Task<DmarcCheck> EvaluateCoreAsync(string from, DmarcSpfIdentifier? spf, DmarcDkimIdentifier[] dkim, CancellationToken cancellationToken)
    {
        if (!DnsNames.IsValid(from) || !from.Contains('.'))
        {
            return new DmarcCheck { Result = DmarcResult.None, FromDomain = from, Problem = $"\"{from}\" is not a domain DMARC can check" };
        }

        var lookup = await FindRecordAsync(from, cancellationToken);
        switch (lookup.Status)
        {
            case DmarcRecordStatus.TempError:
                return new DmarcCheck { Result = DmarcResult.TempError, FromDomain = from, PolicyDomain = lookup.Domain, Problem = lookup.Problem };
            case DmarcRecordStatus.PermError:
                return new DmarcCheck { Result = DmarcResult.PermError, FromDomain = from, PolicyDomain = lookup.Domain, Problem = lookup.Problem };
            case DmarcRecordStatus.None:
                return new DmarcCheck { Result = DmarcResult.None, FromDomain = from, PolicyDomain = lookup.Domain, Problem = lookup.Problem ?? "no DMARC record" };
        }

        var record = lookup.Record!;
        // §6.3 sp=: the policy for subdomains applies when the record came from the organizational domain.
        var policy = lookup.Domain == from ? record.Policy : record.SubdomainPolicy ?? record.Policy;

        bool spfAligned = spf is { Result: SpfResult.Pass, Domain: not null } && IsAligned(spf.Domain, from, record.StrictSpfAlignment);
        var alignedDkim = dkim.FirstOrDefault(d => d.Result == DkimResult.Pass && IsAligned(d.Domain, from, record.StrictDkimAlignment));
        var check = new DmarcCheck
        {
            Result = DmarcResult.Fail,
            FromDomain = from,
            PolicyDomain = lookup.Domain,
            Record = record,
            Policy = policy,
            SpfAligned = spfAligned,
            DkimAligned = alignedDkim is not null,
            AlignedDkimDomain = alignedDkim?.Domain,
        };

        if (spfAligned || alignedDkim is not null)
        {
            return check with { Result = DmarcResult.Pass };
        }

        // Nothing passed aligned; if an aligned identifier could not be checked now, the answer may change later:
        // temperror (RFC 7489 §6.6.2 lets the receiver defer rather than apply the policy to a transient failure).
        bool spfTemporary = spf is { Result: SpfResult.TempError, Domain: not null } && IsAligned(spf.Domain, from, record.StrictSpfAlignment);
        bool dkimTemporary = dkim.Any(d => d.Result == DkimResult.TempError && IsAligned(d.Domain, from, record.StrictDkimAlignment));
        if (spfTemporary || dkimTemporary)
        {
            return check with
            {
                Result = DmarcResult.TempError,
                Problem = spfTemporary ? "SPF of an aligned domain failed temporarily" : "DKIM of an aligned signature failed temporarily",
            };
        }

        // §6.6.4: outside the pct= sample, apply the next less strict policy.
        bool sampledOut = record.Percent < 100 && sample() >= record.Percent;
        var disposition = policy switch
        {
            DmarcPolicy.Reject => sampledOut ? DmarcDisposition.Quarantine : DmarcDisposition.Reject,
            DmarcPolicy.Quarantine => sampledOut ? DmarcDisposition.None : DmarcDisposition.Quarantine,
            _ => DmarcDisposition.None,
        };
        return check with { SampledOut = sampledOut, Disposition = disposition };
    }

    private async Task<DmarcRecordLookup> LookupAsync(string domain, CancellationToken cancellationToken)
    {
        string name = RecordPrefix + domain;
        if (!DnsNames.IsValid(name))
        {
            return new DmarcRecordLookup(DmarcRecordStatus.None, domain, null, $"{name} is not a valid DNS name");
        }

        var answer = await dns.LookupTxtAsync(name, cancellationToken);
        if (answer.IsTemporaryFailure)
        {
            return new DmarcRecordLookup(DmarcRecordStatus.TempError, domain, null, $"TXT lookup of {name} failed: {answer.Error}");
        }

        // §6.6.3: records that do not start with v=DMARC1 are discarded; more than one left means no DMARC at all.
        var records = answer.Records.Select(r => r.Text).Where(IsDmarcRecord).ToList();
        if (records.Count == 0)
        {
            return new DmarcRecordLookup(DmarcRecordStatus.None, domain, null, null);
        }

        if (records.Count > 1)
        {
            return new DmarcRecordLookup(DmarcRecordStatus.None, domain, null, $"{name} has {records.Count} DMARC records (RFC 7489 §6.6.3: not applied)");
        }

        return DmarcRecord.TryParse(records[0], out var record, out string? problem)
            ? new DmarcRecordLookup(DmarcRecordStatus.Found, domain, record, null)
            : new DmarcRecordLookup(DmarcRecordStatus.PermError, domain, null, $"the DMARC record at {name} is invalid: {problem}");
    }

    private static bool IsDmarcRecord(string text)
    {
        string trimmed = text.TrimStart(' ', '\t');
        if (!trimmed.StartsWith("v=DMARC1", StringComparison.Ordinal))
        {
            return false;
        }

        string rest = trimmed["v=DMARC1".Length..].TrimStart(' ', '\t');
        return rest.Length == 0 || rest[0] == ';';
    }
}

/// <summary>How policy discovery ended.</summary>
public enum DmarcRecordStatus
{
    /// <summary>One valid record was found.</summary>
    Found,

    /// <summary>No record (or several, which counts as none: RFC 7489 §6.6.3).</summary>
    None,

    /// <summary>The DNS lookup failed temporarily.</summary>
    TempError,

    /// <summary>The record has a syntax error.</summary>
    PermError,
}

/// <summary>The outcome of policy discovery (RFC 7489 §6.6.3).</summary>
/// <param name="Status">How it ended.</param>
/// <param name="Domain">Where the record is (or the last domain looked at).</param>
/// <param name="Record">The record when found.</param>
/// <param name="Problem">What went wrong, or null.</param>
public sealed record DmarcRecordLookup(DmarcRecordStatus Status, string Domain, DmarcRecord? Record, string? Problem);
