using System.Globalization;
using System.Net;

namespace MailAppliance.Dns;

/// <summary>Settings of the <c>Dns</c> section: which servers the resolver asks, and how.</summary>
public sealed class DnsOptions
{
    /// <summary>The configuration section.</summary>
    public const string Section = "Dns";

    /// <summary>The file the system resolvers are read from when <see cref="Servers"/> is empty.</summary>
    public const string ResolvConfPath = "/etc/resolv.conf";

    /// <summary>
    /// Recursive resolvers to ask, comma-separated: <c>192.0.2.53</c>, <c>192.0.2.53:5353</c>, <c>2001:db8::53</c>,
    /// <c>[2001:db8::53]:5353</c>. Empty (the default): the <c>nameserver</c> lines of /etc/resolv.conf, or
    /// 127.0.0.1 when it has none (as the C library does). Tests point this at their own DNS server.
    /// </summary>
    public string? Servers { get; set; }

    /// <summary>How long to wait for one answer from one server. Default 5 seconds.</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Extra tries of a server after a timeout or network error, before the next server. Default 2.</summary>
    public int Retries { get; set; } = 2;

    /// <summary>Cache answers for their TTL. Default true. Negative answers and failures are not cached.</summary>
    public bool UseCache { get; set; } = true;

    /// <summary>
    /// Set the DO bit (RFC 3225) so that a validating resolver reports validation in the AD bit
    /// (<see cref="DnsResult{T}.Authenticated"/>), which DANE needs. Default false.
    /// </summary>
    public bool Dnssec { get; set; }

    /// <summary>The servers to use: <see cref="Servers"/> parsed, or the system's.</summary>
    /// <exception cref="FormatException"><see cref="Servers"/> has an entry that is not an address or address:port.</exception>
    public IReadOnlyList<IPEndPoint> ResolveServers() =>
        string.IsNullOrWhiteSpace(Servers) ? SystemServers(ResolvConfPath) : ParseServers(Servers);

    /// <summary>Parses a comma- (or space-) separated list of <c>ip</c>, <c>ip:port</c> or <c>[ipv6]:port</c>; port 53 by default.</summary>
    /// <exception cref="FormatException">An entry is not an address or address:port.</exception>
    public static IReadOnlyList<IPEndPoint> ParseServers(string servers)
    {
        ArgumentNullException.ThrowIfNull(servers);
        var result = new List<IPEndPoint>();
        foreach (string raw in servers.Split([',', ' ', ';'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            result.Add(ParseServer(raw));
        }

        if (result.Count == 0)
        {
            throw new FormatException("Dns:Servers names no server");
        }

        return result;
    }

    private static IPEndPoint ParseServer(string entry)
    {
        // A bare IPv6 address has several colons and no brackets: the whole entry is the address.
        if (IPAddress.TryParse(entry, out var bare) && !entry.StartsWith('[') && (bare.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 || !entry.Contains(':', StringComparison.Ordinal)))
        {
            return new IPEndPoint(bare, 53);
        }

        if (IPEndPoint.TryParse(entry, out var endpoint))
        {
            if (endpoint.Port != 0)
            {
                return endpoint;
            }

            if (entry.EndsWith(']'))
            {
                return new IPEndPoint(endpoint.Address, 53);
            }
        }

        throw new FormatException($"Dns:Servers: \"{entry}\" is not an address or address:port (192.0.2.53, 192.0.2.53:5353, [2001:db8::53]:5353)");
    }

    /// <summary>The <c>nameserver</c> lines of a resolv.conf file; 127.0.0.1 when there is none or no file.</summary>
    public static IReadOnlyList<IPEndPoint> SystemServers(string path)
    {
        var result = new List<IPEndPoint>();
        if (File.Exists(path))
        {
            foreach (string line in File.ReadLines(path))
            {
                string[] fields = line.Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries);
                if (fields.Length >= 2 && fields[0] == "nameserver" && IPAddress.TryParse(fields[1], out var address))
                {
                    result.Add(new IPEndPoint(address, 53));
                }
            }
        }

        // resolv.conf(5): "If there are no nameserver lines ... the default is to use the name server on the local machine."
        // Never fall back to a public resolver (DnsClient's own discovery would).
        return result.Count > 0 ? result : [new IPEndPoint(IPAddress.Loopback, 53)];
    }

    /// <inheritdoc />
    public override string ToString() =>
        string.Create(CultureInfo.InvariantCulture, $"Servers={Servers ?? "(system)"} Timeout={Timeout} Retries={Retries} UseCache={UseCache} Dnssec={Dnssec}");
}
