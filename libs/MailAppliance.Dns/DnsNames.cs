using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace MailAppliance.Dns;

/// <summary>Helpers for the names the resolver is asked about.</summary>
public static class DnsNames
{
    /// <summary>
    /// The name in the form the resolver uses: no trailing dot (the root stays <c>"."</c>).
    /// </summary>
    /// <exception cref="ArgumentException">The name is not valid (see <see cref="IsValid"/>).</exception>
    public static string Normalize(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        if (!IsValid(name))
        {
            throw new ArgumentException($"not a valid DNS name: \"{name}\"", nameof(name));
        }

        return name == "." ? name : name.TrimEnd('.');
    }

    /// <summary>
    /// True for a name the resolver can ask about: ASCII printable characters (A-labels; convert IDNs first), no
    /// empty label, labels of at most 63 octets, at most 253 octets without the trailing dot (RFC 1035 §2.3.4).
    /// Underscores and other characters are allowed: DNS itself takes any octet (RFC 2181 §11).
    /// </summary>
    public static bool IsValid(string? name)
    {
        if (string.IsNullOrEmpty(name))
        {
            return false;
        }

        if (name == ".")
        {
            return true;
        }

        string trimmed = name.EndsWith('.') ? name[..^1] : name;
        if (trimmed.Length is 0 or > 253)
        {
            return false;
        }

        foreach (char c in trimmed)
        {
            if (c is <= ' ' or > '~')
            {
                return false;
            }
        }

        foreach (string label in trimmed.Split('.'))
        {
            if (label.Length is 0 or > 63)
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>
    /// The reverse-lookup name of an address: <c>4.3.2.1.in-addr.arpa</c> (RFC 1035 §3.5) or the 32 nibbles
    /// under <c>ip6.arpa</c> (RFC 3596 §2.5). An IPv4-mapped IPv6 address is treated as IPv4.
    /// </summary>
    public static string ReverseName(IPAddress address)
    {
        ArgumentNullException.ThrowIfNull(address);
        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }

        byte[] bytes = address.GetAddressBytes();
        var sb = new StringBuilder(73);
        if (address.AddressFamily == AddressFamily.InterNetwork)
        {
            for (int i = bytes.Length - 1; i >= 0; i--)
            {
                sb.Append(bytes[i].ToString(CultureInfo.InvariantCulture)).Append('.');
            }

            return sb.Append("in-addr.arpa").ToString();
        }

        const string hex = "0123456789abcdef";
        for (int i = bytes.Length - 1; i >= 0; i--)
        {
            sb.Append(hex[bytes[i] & 0xF]).Append('.').Append(hex[bytes[i] >> 4]).Append('.');
        }

        return sb.Append("ip6.arpa").ToString();
    }

    /// <summary>The TLSA owner name of a service (RFC 6698 §3): <c>_25._tcp.mx.example.com</c>.</summary>
    public static string TlsaName(int port, string host, string protocol = "tcp") =>
        string.Create(CultureInfo.InvariantCulture, $"_{port}._{protocol}.{Normalize(host)}");

    /// <summary>True when two names are the same name (ASCII case-insensitive, trailing dot ignored; RFC 4343).</summary>
    public static bool AreEqual(string a, string b) =>
        string.Equals(a.TrimEnd('.'), b.TrimEnd('.'), StringComparison.OrdinalIgnoreCase);
}
