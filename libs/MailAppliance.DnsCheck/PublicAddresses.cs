using System.Net;
using System.Net.NetworkInformation;
using System.Net.Sockets;

namespace MailAppliance.DnsCheck;

/// <summary>
/// The relay's public addresses: <c>Dns:PublicAddresses</c> when set (behind NAT it must be), else the global unicast
/// addresses of the interfaces that are up.
/// </summary>
public static class PublicAddresses
{
    /// <summary>The setting listing the public addresses, comma-separated (shared with <c>mailctl dns records</c>).</summary>
    public const string Setting = "Dns:PublicAddresses";

    /// <summary>Parses a comma-separated list of addresses.</summary>
    /// <exception cref="DnsCheckConfigurationException">An item is not an address, or there is none.</exception>
    public static IReadOnlyList<IPAddress> Parse(string text, string source)
    {
        var addresses = new List<IPAddress>();
        foreach (string item in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (!IPAddress.TryParse(item, out var address) || item.Contains('%') ||
                (address.AddressFamily == AddressFamily.InterNetwork && item.Count(c => c == '.') != 3))
            {
                throw new DnsCheckConfigurationException($"{source}: '{item}' is not an IPv4 or IPv6 address");
            }

            if (!addresses.Contains(address))
            {
                addresses.Add(address);
            }
        }

        return addresses.Count > 0 ? addresses : throw new DnsCheckConfigurationException($"{source} names no address");
    }

    /// <summary>The global unicast addresses of the interfaces that are up.</summary>
    public static IReadOnlyList<IPAddress> Discover()
    {
        var found = new List<IPAddress>();
        foreach (var nic in NetworkInterface.GetAllNetworkInterfaces().Where(n => n.OperationalStatus == OperationalStatus.Up))
        {
            foreach (var unicast in nic.GetIPProperties().UnicastAddresses)
            {
                if (IsGlobalUnicast(unicast.Address) && !found.Contains(unicast.Address))
                {
                    found.Add(unicast.Address);
                }
            }
        }

        return found;
    }

    /// <summary>
    /// True for an address the internet can see: not loopback, private (RFC 1918), shared (RFC 6598), link-local,
    /// unique local (RFC 4193) or outside IPv6 global unicast (2000::/3, RFC 4291 §2.4).
    /// </summary>
    public static bool IsGlobalUnicast(IPAddress address)
    {
        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }

        if (IPAddress.IsLoopback(address))
        {
            return false;
        }

        byte[] b = address.GetAddressBytes();
        return address.AddressFamily switch
        {
            AddressFamily.InterNetwork => !(b[0] is 0 or 10 or >= 224 || (b[0] == 172 && b[1] is >= 16 and <= 31) || (b[0] == 192 && b[1] == 168) ||
                                            (b[0] == 169 && b[1] == 254) || (b[0] == 100 && b[1] is >= 64 and <= 127)),
            AddressFamily.InterNetworkV6 => (b[0] & 0xe0) == 0x20,
            _ => false,
        };
    }
}
