namespace MailAppliance.Dns;

/// <summary>
/// How a lookup ended. Callers need the difference: SPF counts NXDOMAIN and NODATA as "void lookups"
/// (RFC 7208 §4.6.4) and turns a temporary failure into temperror (§2.6.6); the courier treats a temporary
/// failure as "try again later" (RFC 5321 §5.1) but NXDOMAIN for the domain as permanent.
/// </summary>
public enum DnsLookupStatus
{
    /// <summary>At least one record of the asked type was returned (<see cref="DnsResult{T}.Records"/> is not empty).</summary>
    Found,

    /// <summary>The name does not exist (RCODE 3, NXDOMAIN; RFC 1035 §4.1.1, RFC 8020).</summary>
    NxDomain,

    /// <summary>The name exists but has no record of the asked type (NOERROR with an empty answer; RFC 2308 §2.2).</summary>
    NoData,

    /// <summary>
    /// No usable answer: SERVFAIL, REFUSED or any other error RCODE, a timeout, or a network error. The answer may
    /// differ on a later try; never treat it as "does not exist".
    /// </summary>
    TemporaryFailure,
}
