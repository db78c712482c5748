using MailAppliance.Dkim;
using MailAppliance.Spf;

namespace MailAppliance.Dmarc;

/// <summary>One DKIM signature's outcome as DMARC needs it (RFC 7489 §3.1.1, §4.2): the signing domain and the result.</summary>
/// <param name="Domain">The <c>d=</c> domain.</param>
/// <param name="Result">The verification result.</param>
/// <param name="Selector">The <c>s=</c> selector (for reports and Authentication-Results), or null.</param>
public sealed record DmarcDkimIdentifier(string Domain, DkimResult Result, string? Selector = null)
{
    /// <summary>The identifiers of the verifier's results; signatures that could not be parsed have no domain and are left out.</summary>
    public static IReadOnlyList<DmarcDkimIdentifier> From(IEnumerable<DkimSignatureResult> results) =>
        results.Where(r => r.Domain is not null).Select(r => new DmarcDkimIdentifier(r.Domain!, r.Result, r.Selector)).ToArray();
}

/// <summary>The SPF outcome as DMARC needs it (RFC 7489 §3.1.2, §4.2).</summary>
/// <param name="Domain">The domain SPF checked: the MAIL FROM domain, or the HELO name when MAIL FROM was null.</param>
/// <param name="Result">The SPF result.</param>
public sealed record DmarcSpfIdentifier(string? Domain, SpfResult Result)
{
    /// <summary>From an <see cref="SpfCheck"/> of the MAIL FROM identity (SpfEvaluator.CheckMailFromAsync).</summary>
    public static DmarcSpfIdentifier From(SpfCheck check) => new(check.Domain, check.Result);
}
