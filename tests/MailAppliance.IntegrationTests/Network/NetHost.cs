using System.Globalization;
using System.Net;

namespace MailAppliance.IntegrationTests.Network;

/// <summary>
/// A host of the test internet: a network namespace with one interface (<c>eth0</c>) on the test LAN, an IPv4 and
/// an IPv6 address (documentation ranges; the IPv6 one without duplicate address detection, so usable at once),
/// and /etc/resolv.conf pointing at the test DNS server for every process run in it.
/// </summary>
public sealed class NetHost
{
    private readonly TestInternet _net;

    internal NetHost(TestInternet net, string name, string ns, int index, IPAddress ipv4, IPAddress ipv6)
    {
        _net = net;
        Name = name;
        Namespace = ns;
        Index = index;
        IPv4 = ipv4;
        IPv6 = ipv6;
    }

    /// <summary>The host's short name (as given to <see cref="TestInternet.AddHostAsync"/>).</summary>
    public string Name { get; }

    /// <summary>The network namespace (<c>ip netns exec NAMESPACE ...</c>).</summary>
    public string Namespace { get; }

    /// <summary>The host's IPv4 address.</summary>
    public IPAddress IPv4 { get; }

    /// <summary>The host's IPv6 address.</summary>
    public IPAddress IPv6 { get; }

    /// <summary>Both addresses, IPv4 first.</summary>
    public IReadOnlyList<IPAddress> Addresses => [IPv4, IPv6];

    internal int Index { get; }

    /// <summary>
    /// Zone-file lines giving <paramref name="owner"/> this host's addresses: <c>owner A 192.0.2.x</c> and
    /// <c>owner AAAA 2001:db8:...</c>.
    /// </summary>
    public string AddressRecords(string owner) =>
        string.Create(CultureInfo.InvariantCulture, $"{owner} IN A {IPv4}\n{owner} IN AAAA {IPv6}\n");

    /// <summary>Runs a command inside this host (<c>ip netns exec</c>) to completion.</summary>
    public Task<CommandResult> RunAsync(string fileName, params string[] arguments) =>
        Command.RunAsync("ip", ["netns", "exec", Namespace, fileName, .. arguments], TimeSpan.FromSeconds(60));

    /// <summary>Starts a long-running program inside this host; the test internet kills it on dispose too.</summary>
    public HostProcess Start(string fileName, params string[] arguments) =>
        HostProcess.Start("ip", ["netns", "exec", Namespace, fileName, .. arguments]);

    /// <summary>
    /// Takes the host's link down (packets to it go unanswered: connections fail with "no route to host" after the
    /// neighbour lookup times out) or brings it back up.
    /// </summary>
    public Task SetLinkAsync(bool up) => Command.RunCheckedAsync("ip", "-n", Namespace, "link", "set", "eth0", up ? "up" : "down");

    /// <summary>Publishes PTR records for both of this host's addresses (replacing earlier ones).</summary>
    public async Task SetPtrAsync(string name)
    {
        await _net.Dns.SetPtrAsync(IPv4, name);
        await _net.Dns.SetPtrAsync(IPv6, name);
    }

    public override string ToString() => $"{Name} ({IPv4}, {IPv6})";
}
