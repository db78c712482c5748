using MailAppliance.DnsRecords;

namespace MailAppliance.Dmarc;

/// <summary>The outcome of a DMARC evaluation (RFC 7489 §6.6).</summary>
public sealed record DmarcCheck
{
    /// <summary>The result.</summary>
    public required DmarcResult Result { get; init; }

    /// <summary>The RFC5322.From domain that was evaluated (lower-case).</summary>
    public required string FromDomain { get; init; }

    /// <summary>
    /// The domain whose record applies (the From domain or its organizational domain, §6.6.3); when no record was
    /// found, the last domain looked at.
    /// </summary>
    public string? PolicyDomain { get; init; }

    /// <summary>The record that applies, or null.</summary>
    public DmarcRecord? Record { get; init; }

    /// <summary>
    /// The published policy for this From domain: p=, or sp= when the record was found at the organizational domain
    /// of a subdomain (§6.3). <see cref="DmarcPolicy.None"/> without a record.
    /// </summary>
    public DmarcPolicy Policy { get; init; }

    /// <summary>True when SPF passed for a domain aligned with the From domain (§3.1.2).</summary>
    public bool SpfAligned { get; init; }

    /// <summary>True when a DKIM signature passed for a domain aligned with the From domain (§3.1.1).</summary>
    public bool DkimAligned { get; init; }

    /// <summary>The <c>d=</c> of the first aligned passing signature, or null.</summary>
    public string? AlignedDkimDomain { get; init; }

    /// <summary>
    /// True when the message fell outside the pct= sample (§6.6.4): the next less strict policy was applied.
    /// </summary>
    public bool SampledOut { get; init; }

    /// <summary>What to do with the message: the policy for a fail (lowered by pct= sampling), otherwise none.</summary>
    public DmarcDisposition Disposition { get; init; }

    /// <summary>For temperror and permerror (and none): what went wrong, for logs; otherwise null.</summary>
    public string? Problem { get; init; }

    /// <inheritdoc />
    public override string ToString() =>
        $"{Result.Keyword()} header.from={FromDomain} policy={DmarcRecord.Name(Policy)} disposition={Disposition.Keyword()}" +
        (Problem is null ? string.Empty : $": {Problem}");
}
