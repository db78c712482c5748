using System.Net;

namespace MailAppliance.Dns;

/// <summary>
/// The one DNS resolver every part of the appliance uses (DESIGN.md §3 "DNS"). Every lookup returns a
/// <see cref="DnsResult{T}"/> that tells records found, NXDOMAIN, NODATA and temporary failure apart; a lookup
/// never throws for a DNS or network problem. Names are given and returned without a trailing dot, in A-label
/// (ASCII) form.
/// </summary>
/// <remarks>
/// Implementations: <see cref="DnsClientResolver"/> (real servers, configured by <see cref="DnsOptions"/>) and
/// <see cref="FakeDnsResolver"/> (records built in code, for unit tests).
/// </remarks>
public interface IDnsResolver
{
    /// <summary>MX records of a domain, in the server's order (sort by <see cref="MxRecord.Preference"/> yourself).</summary>
    /// <exception cref="ArgumentException">The name is not a valid DNS name (see <see cref="DnsNames.IsValid"/>).</exception>
    /// <exception cref="OperationCanceledException">The token was canceled.</exception>
    Task<DnsResult<MxRecord>> LookupMxAsync(string domain, CancellationToken cancellationToken = default);

    /// <summary>IPv4 addresses (A records) of a name.</summary>
    /// <exception cref="ArgumentException">The name is not a valid DNS name.</exception>
    /// <exception cref="OperationCanceledException">The token was canceled.</exception>
    Task<DnsResult<IPAddress>> LookupAAsync(string name, CancellationToken cancellationToken = default);

    /// <summary>IPv6 addresses (AAAA records) of a name.</summary>
    /// <exception cref="ArgumentException">The name is not a valid DNS name.</exception>
    /// <exception cref="OperationCanceledException">The token was canceled.</exception>
    Task<DnsResult<IPAddress>> LookupAaaaAsync(string name, CancellationToken cancellationToken = default);

    /// <summary>TXT records of a name; each record's strings are kept and also joined (<see cref="TxtRecord.Text"/>).</summary>
    /// <exception cref="ArgumentException">The name is not a valid DNS name.</exception>
    /// <exception cref="OperationCanceledException">The token was canceled.</exception>
    Task<DnsResult<TxtRecord>> LookupTxtAsync(string name, CancellationToken cancellationToken = default);

    /// <summary>PTR names of an address (the query goes to <see cref="DnsNames.ReverseName"/>).</summary>
    /// <exception cref="OperationCanceledException">The token was canceled.</exception>
    Task<DnsResult<string>> LookupPtrAsync(IPAddress address, CancellationToken cancellationToken = default);

    /// <summary>The CNAME target of a name (the name itself, one hop; NODATA when the name is no alias).</summary>
    /// <exception cref="ArgumentException">The name is not a valid DNS name.</exception>
    /// <exception cref="OperationCanceledException">The token was canceled.</exception>
    Task<DnsResult<string>> LookupCnameAsync(string name, CancellationToken cancellationToken = default);

    /// <summary>TLSA records of a name such as <c>_25._tcp.mx.example.com</c> (see <see cref="DnsNames.TlsaName"/>).</summary>
    /// <exception cref="ArgumentException">The name is not a valid DNS name.</exception>
    /// <exception cref="OperationCanceledException">The token was canceled.</exception>
    Task<DnsResult<TlsaRecord>> LookupTlsaAsync(string name, CancellationToken cancellationToken = default);

    /// <summary>CAA records at a name (no tree climbing: RFC 8659 §3's climb is the caller's).</summary>
    /// <exception cref="ArgumentException">The name is not a valid DNS name.</exception>
    /// <exception cref="OperationCanceledException">The token was canceled.</exception>
    Task<DnsResult<CaaRecord>> LookupCaaAsync(string name, CancellationToken cancellationToken = default);
}
