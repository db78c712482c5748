using System.Net;
using System.Net.Sockets;
using MailAppliance.DnsRecords;

namespace MailAppliance.DnsCheck;

/// <summary>What the checks compare the live DNS with: the relay's host name and public addresses, and each domain.</summary>
/// <param name="HostName">The relay's host name (the MX target, the PTR of every public address).</param>
/// <param name="PublicAddresses">The addresses the relay sends from and receives on.</param>
/// <param name="Domains">The mail domains with their DKIM keys.</param>
public sealed record DnsCheckTarget(string HostName, IReadOnlyList<IPAddress> PublicAddresses, IReadOnlyList<DomainCheckTarget> Domains)
{
    /// <summary>The public IPv4 addresses.</summary>
    public IReadOnlyList<IPAddress> IPv4 => PublicAddresses.Where(a => a.AddressFamily == AddressFamily.InterNetwork).ToArray();

    /// <summary>The public IPv6 addresses.</summary>
    public IReadOnlyList<IPAddress> IPv6 => PublicAddresses.Where(a => a.AddressFamily == AddressFamily.InterNetworkV6).ToArray();
}

/// <summary>One mail domain to check.</summary>
/// <param name="Domain">The domain, lower-case.</param>
/// <param name="DkimKeys">The public halves of its DKIM keys on disk, by selector.</param>
public sealed record DomainCheckTarget(string Domain, IReadOnlyList<DkimSelectorRecord> DkimKeys);
