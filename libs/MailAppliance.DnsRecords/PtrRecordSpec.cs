using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace MailAppliance.DnsRecords;

/// <summary>
/// A PTR record mapping an address back to the host name (RFC 1035 §3.5 in-addr.arpa, RFC 3596 §2.5 ip6.arpa). Many
/// receivers reject mail from an address whose PTR does not name a host that resolves back to it; the PTR is set at
/// the hosting provider, not in the domain's zone.
/// </summary>
/// <param name="Address">The address.</param>
/// <param name="HostName">The name it points to.</param>
public sealed record PtrRecordSpec(IPAddress Address, string HostName)
{
    /// <summary>The reverse name of the address, without the trailing dot.</summary>
    public string ReverseName => Reverse(Address);

    /// <summary>
    /// The reverse name: <c>4.3.2.1.in-addr.arpa</c> for 1.2.3.4 (RFC 1035 §3.5); for IPv6 the 32 nibbles in reverse
    /// order under <c>ip6.arpa</c> (RFC 3596 §2.5).
    /// </summary>
    public static string Reverse(IPAddress address)
    {
        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }

        byte[] bytes = address.GetAddressBytes();
        var name = new StringBuilder();
        if (address.AddressFamily == AddressFamily.InterNetwork)
        {
            for (int i = bytes.Length - 1; i >= 0; i--)
            {
                name.Append(bytes[i].ToString(CultureInfo.InvariantCulture)).Append('.');
            }

            return name.Append("in-addr.arpa").ToString();
        }

        for (int i = bytes.Length - 1; i >= 0; i--)
        {
            name.Append("0123456789abcdef"[bytes[i] & 0xf]).Append('.').Append("0123456789abcdef"[bytes[i] >> 4]).Append('.');
        }

        return name.Append("ip6.arpa").ToString();
    }

    /// <summary>Parses PTR data (a host name) for the address.</summary>
    /// <exception cref="DnsRecordFormatException">The data is not a host name.</exception>
    public static PtrRecordSpec Parse(IPAddress address, string data)
    {
        string host = data.TrimEnd('.');
        return DnsNames.IsHostName(host) ? new PtrRecordSpec(address, host)
            : throw new DnsRecordFormatException($"the PTR data '{data}' is not a host name (RFC 1035 §3.3.12)");
    }

    /// <summary>The record to set at the hosting provider.</summary>
    public ZoneRecord ToZoneRecord(string comment) => new(ReverseName, "PTR", [HostName + "."], comment);
}
