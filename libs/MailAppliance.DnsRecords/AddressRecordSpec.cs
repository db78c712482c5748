using System.Net;
using System.Net.Sockets;

namespace MailAppliance.DnsRecords;

/// <summary>An A (RFC 1035 §3.4.1) or AAAA (RFC 3596 §2.2) record.</summary>
/// <param name="Name">The owner name.</param>
/// <param name="Address">The address; its family decides A or AAAA.</param>
public sealed record AddressRecordSpec(string Name, IPAddress Address)
{
    /// <summary>A for IPv4, AAAA for IPv6.</summary>
    public string Type => Address.AddressFamily == AddressFamily.InterNetworkV6 ? "AAAA" : "A";

    /// <summary>Parses A or AAAA data.</summary>
    /// <exception cref="DnsRecordFormatException">The data is not an address of the type's family.</exception>
    public static AddressRecordSpec Parse(string name, string type, string data)
    {
        var family = type.ToUpperInvariant() switch
        {
            "A" => AddressFamily.InterNetwork,
            "AAAA" => AddressFamily.InterNetworkV6,
            _ => throw new DnsRecordFormatException($"'{type}' is not A or AAAA"),
        };
        return IPAddress.TryParse(data, out var address) && address.AddressFamily == family &&
               (family == AddressFamily.InterNetworkV6 || data.Count(c => c == '.') == 3)
            ? new AddressRecordSpec(name, address)
            : throw new DnsRecordFormatException($"'{data}' is not an {(family == AddressFamily.InterNetwork ? "IPv4" : "IPv6")} address for an {type} record");
    }

    /// <summary>The record to publish.</summary>
    public ZoneRecord ToZoneRecord(string comment) => new(Name, Type, [Address.ToString()], comment);
}
