using System.Globalization;
using System.Net;
using MailAppliance.Dns;
using MailAppliance.IntegrationTests.Infrastructure;

namespace MailAppliance.IntegrationTests.Network;

/// <summary>
/// A private internet for integration tests, made of Linux network namespaces: "hosts" on one LAN (a bridge in a
/// hub namespace), each with an IPv4 address from 198.51.100.0/24 or 203.0.113.0/24 and an IPv6 address from
/// 2001:db8:7e57::/48 (documentation ranges; 192.0.2.0/24 is avoided, some machines use it for their real uplink), a real bind9 serving the test zones in the host "dns", and real SMTP peers (aiosmtpd,
/// Postfix) in other hosts. The test process reaches every host through a veth from its own namespace, which
/// carries only routes for the test prefixes: the default route and every other interface are left alone, and
/// no packet of the test internet leaves it.
/// </summary>
/// <remarks>
/// <para>Needs root and <c>ip netns</c>; <see cref="Unavailable"/> says why not (tests use <see cref="NetFactAttribute"/>).</para>
/// <para>
/// Up to <see cref="Slots"/> instances run at once on one machine (other test runs, other fixtures): each takes a
/// slot (an exclusive lock file), with its own names (<c>mat{slot}-*</c>) and addresses: a /27 of IPv4 (slots 0-7
/// in 198.51.100.0/24, 8-15 in 203.0.113.0/24) and IPv6 2001:db8:7e57:{slot}::/64. The test process is .1 / ::1,
/// the DNS host .2 / ::2, hosts added later .3 / ::3 onwards. Taking a slot first removes whatever a crashed run
/// left in it (namespaces, links, processes, files); a slot whose prefixes overlap any route or address the
/// machine already has is skipped, so the test internet never shadows a real network.
/// </para>
/// </remarks>
/// <example>
/// <code>
/// await using var net = await TestInternet.StartAsync();
/// var mx = await net.AddSmtpSinkAsync("mx1");
/// await net.Dns.SetZoneAsync("dest.test", "@ MX 10 mx1\n" + mx.Host.AddressRecords("mx1"));
/// // ... let the code under test (Dns:Servers = net.Dns.Servers) send to someone@dest.test ...
/// var received = await mx.WaitForMessagesAsync(1);
/// </code>
/// </example>
public sealed class TestInternet : IAsyncDisposable
{
    /// <summary>How many instances can run at once on one machine.</summary>
    public const int Slots = 16;

    /// <summary>Prefix of every namespace and link name, followed by the slot number.</summary>
    public const string NamePrefix = "mat";

    /// <summary>The Python with aiosmtpd (Debian's, not a virtualenv's).</summary>
    public const string Python = "/usr/bin/python3";

    private const string LockDirectory = "/run/mailappliance-testnet";
    private static readonly Lazy<string?> UnavailableReason = new(FindUnavailableReason);

    private readonly FileStream _lock;
    private readonly Dictionary<string, NetHost> _hosts = new(StringComparer.OrdinalIgnoreCase);
    private readonly List<IAsyncDisposable> _peers = [];
    private readonly SemaphoreSlim _gate = new(1, 1);
    private TestDns? _dns;
    private int _disposed;

    private TestInternet(int slot, FileStream slotLock)
    {
        Slot = slot;
        _lock = slotLock;
        Prefix = NamePrefix + slot.ToString(CultureInfo.InvariantCulture);
        Directory = Path.Combine(Path.GetTempPath(), "mailappliance-testnet", Prefix);
        RootIPv4 = V4(1);
        RootIPv6 = V6(1);
    }

    /// <summary>Why the test internet cannot run here (not root, no <c>ip netns</c>), or null when it can.</summary>
    public static string? Unavailable => UnavailableReason.Value;

    /// <summary>tests/scripts/netns: the helper scripts (the SMTP sink).</summary>
    public static string ScriptsDirectory => Path.Combine(Repo.Root, "tests", "scripts", "netns");

    /// <summary>This instance's slot (0..15).</summary>
    public int Slot { get; }

    /// <summary>Prefix of this instance's names: <c>mat{slot}</c> (root link), <c>mat{slot}-{host}</c> (namespaces).</summary>
    public string Prefix { get; }

    /// <summary>Temporary directory of this instance (DNS zones, peers' spools and logs); removed on dispose.</summary>
    public string Directory { get; }

    /// <summary>The test process's IPv4 address on the test LAN (the source of its connections to hosts).</summary>
    public IPAddress RootIPv4 { get; }

    /// <summary>The test process's IPv6 address on the test LAN.</summary>
    public IPAddress RootIPv6 { get; }

    /// <summary>The IPv4 test network, e.g. <c>198.51.100.32/27</c>.</summary>
    public string IPv4Network => IPv4NetworkOf(Slot);

    /// <summary>The IPv6 test network, e.g. <c>2001:db8:7e57:1::/64</c>.</summary>
    public string IPv6Network => IPv6NetworkOf(Slot);

    /// <summary>The DNS server (bind9).</summary>
    public TestDns Dns => _dns ?? throw new InvalidOperationException("the test internet is not started");

    /// <summary>The hosts, by name.</summary>
    public IReadOnlyDictionary<string, NetHost> Hosts => _hosts;

    private string HubNamespace => Prefix + "-hub";

    private string RootLink => Prefix;

    /// <summary>
    /// Builds the test internet: takes a free slot (cleaning up a crashed run's leftovers), makes the LAN, connects
    /// the test process to it, and starts bind9 in the host "dns" with the root zone and the reverse zones.
    /// </summary>
    /// <exception cref="InvalidOperationException">Not available here (see <see cref="Unavailable"/>), no free slot, or a step failed.</exception>
    public static async Task<TestInternet> StartAsync()
    {
        if (Unavailable is { } reason)
        {
            throw new InvalidOperationException("the test internet cannot run here: " + reason);
        }

        System.IO.Directory.CreateDirectory(LockDirectory);
        for (int slot = 0; slot < Slots; slot++)
        {
            FileStream slotLock;
            try
            {
                // FileShare.None takes an exclusive flock(2): held until this process closes it or dies.
                slotLock = new FileStream(Path.Combine(LockDirectory, $"slot{slot}.lock"), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            }
            catch (IOException)
            {
                continue;
            }

            var net = new TestInternet(slot, slotLock);
            try
            {
                await CleanUpSlotAsync(net.Prefix, net.Directory);
                if (await FindOverlapAsync(IPv4NetworkOf(slot), IPv6NetworkOf(slot)) is not null)
                {
                    // The machine already uses these addresses (its uplink, a VPN, a container network): not ours to shadow.
                    await net.DisposeAsync();
                    continue;
                }

                await net.BuildAsync();
                return net;
            }
            catch
            {
                await net.DisposeAsync();
                throw;
            }
        }

        throw new InvalidOperationException($"all {Slots} test internet slots are in use ({LockDirectory})");
    }

    /// <summary>Adds a host (a namespace on the LAN with the next free addresses), or returns the existing one.</summary>
    public async Task<NetHost> AddHostAsync(string name)
    {
        if (string.IsNullOrEmpty(name) || name.Any(c => !char.IsAsciiLetterOrDigit(c) && c != '-') || name.Length > 30)
        {
            throw new ArgumentException("host names are letters, digits and '-', at most 30", nameof(name));
        }

        await _gate.WaitAsync();
        try
        {
            if (_hosts.TryGetValue(name, out var existing))
            {
                return existing;
            }

            int index = _hosts.Count + 2;
            if (index > 30)
            {
                throw new InvalidOperationException("a test internet holds at most 29 hosts");
            }

            var host = new NetHost(this, name, $"{Prefix}-{name}", index, V4(index), V6(index));
            await CreateHostAsync(host);
            _hosts[name] = host;
            return host;
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>
    /// Starts an aiosmtpd sink on port 25 (by default) of a host, creating the host if needed. If that host and port
    /// already have a sink, returns it, running again and with the options' behavior (its messages are kept).
    /// </summary>
    public async Task<SmtpSink> AddSmtpSinkAsync(string hostName, SmtpSinkOptions? options = null)
    {
        options ??= new SmtpSinkOptions();
        var host = await AddHostAsync(hostName);
        SmtpSink? sink;
        lock (_peers)
        {
            sink = _peers.OfType<SmtpSink>().FirstOrDefault(p => p.Host == host && p.Port == options.Port);
        }

        if (sink is not null)
        {
            await sink.SetBehaviorAsync(options.Behavior);
            await sink.StartAsync();
            return sink;
        }

        sink = await SmtpSink.StartAsync(host, Path.Combine(Directory, $"sink-{hostName}-{options.Port}"), options);
        lock (_peers)
        {
            _peers.Add(sink);
        }

        return sink;
    }

    /// <summary>
    /// Starts a Postfix receiving MX on port 25 of a host, creating the host if needed. If the host already has
    /// one, returns it (running again; the options are not applied again).
    /// </summary>
    public async Task<PostfixMx> AddPostfixAsync(string hostName, PostfixOptions? options = null)
    {
        var host = await AddHostAsync(hostName);
        PostfixMx? postfix;
        lock (_peers)
        {
            postfix = _peers.OfType<PostfixMx>().FirstOrDefault(p => p.Host == host);
        }

        if (postfix is not null)
        {
            await postfix.EnsureRunningAsync();
            return postfix;
        }

        postfix = await PostfixMx.StartAsync(host, Path.Combine(Directory, $"postfix-{hostName}"), options ?? new PostfixOptions());
        lock (_peers)
        {
            _peers.Add(postfix);
        }

        return postfix;
    }

    /// <summary>
    /// Removes everything: kills every process in the hosts, deletes the namespaces, the root link and the
    /// temporary directory, and frees the slot. Also runs at process exit if a test forgot.
    /// </summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        AppDomain.CurrentDomain.ProcessExit -= OnProcessExit;
        if (_dns is not null)
        {
            await _dns.DisposeAsync();
        }

        foreach (var sink in _peers.OfType<SmtpSink>())
        {
            await sink.DisposeAsync();
        }

        await CleanUpSlotAsync(Prefix, Directory);
        _gate.Dispose();
        _lock.Dispose();
    }

    private async Task BuildAsync()
    {
        AppDomain.CurrentDomain.ProcessExit += OnProcessExit;
        System.IO.Directory.CreateDirectory(Directory);

        // The LAN: a bridge in the hub namespace. Nothing in it has an address; it only switches.
        await Ip("netns", "add", HubNamespace);
        await Ip("-n", HubNamespace, "link", "set", "lo", "up");
        await Ip("-n", HubNamespace, "link", "add", "br0", "type", "bridge");
        await Ip("-n", HubNamespace, "link", "set", "br0", "up");

        // The test process's leg: a veth from this namespace into the bridge. Its addresses give the kernel the two
        // connected routes of the test prefixes, and nothing else.
        await Ip("link", "add", RootLink, "type", "veth", "peer", "name", "root", "netns", HubNamespace);
        await Ip("-n", HubNamespace, "link", "set", "root", "master", "br0");
        await Ip("-n", HubNamespace, "link", "set", "root", "up");
        await Ip("addr", "add", $"{RootIPv4}/27", "dev", RootLink);
        await Ip("addr", "add", $"{RootIPv6}/64", "dev", RootLink, "nodad");
        await Ip("link", "set", RootLink, "up");

        var dnsHost = await AddHostAsync("dns");
        string v6Nibbles = DnsNames.ReverseName(V6(1));
        string reverseV6 = v6Nibbles[(v6Nibbles.Length - "ip6.arpa".Length - 32)..]; // the /64: 16 nibbles + ip6.arpa
        string reverseV4 = string.Join('.', V4(1).GetAddressBytes().Take(3).Reverse()) + ".in-addr.arpa";
        _dns = await TestDns.StartAsync(dnsHost, Path.Combine(Directory, "dns"), reverseV4, reverseV6);
    }

    private async Task CreateHostAsync(NetHost host)
    {
        string ns = host.Namespace;
        string hubSide = "v" + host.Index.ToString(CultureInfo.InvariantCulture);

        // /etc/netns/NS/resolv.conf is bind-mounted over /etc/resolv.conf by "ip netns exec": programs in the host
        // (Postfix, a relay started there) resolve through the test DNS server.
        string etc = Path.Combine("/etc/netns", ns);
        System.IO.Directory.CreateDirectory(etc);
        await File.WriteAllTextAsync(Path.Combine(etc, "resolv.conf"), $"nameserver {V4(2)}\nnameserver {V6(2)}\n");

        await Ip("netns", "add", ns);
        await Ip("-n", ns, "link", "set", "lo", "up");
        await Ip("link", "add", "eth0", "netns", ns, "type", "veth", "peer", "name", hubSide, "netns", HubNamespace);
        await Ip("-n", HubNamespace, "link", "set", hubSide, "master", "br0");
        await Ip("-n", HubNamespace, "link", "set", hubSide, "up");
        await Ip("-n", ns, "addr", "add", $"{host.IPv4}/27", "dev", "eth0");
        await Ip("-n", ns, "addr", "add", $"{host.IPv6}/64", "dev", "eth0", "nodad");
        await Ip("-n", ns, "link", "set", "eth0", "up");
    }

    private IPAddress V4(int index) => Offset(IPNetwork.Parse(IPv4NetworkOf(Slot)).BaseAddress, index);

    private IPAddress V6(int index) => Offset(IPNetwork.Parse(IPv6NetworkOf(Slot)).BaseAddress, index);

    private static string IPv4NetworkOf(int slot) => slot < 8
        ? string.Create(CultureInfo.InvariantCulture, $"198.51.100.{32 * slot}/27")
        : string.Create(CultureInfo.InvariantCulture, $"203.0.113.{32 * (slot - 8)}/27");

    private static string IPv6NetworkOf(int slot) => string.Create(CultureInfo.InvariantCulture, $"2001:db8:7e57:{slot:x}::/64");

    private static IPAddress Offset(IPAddress network, int index)
    {
        byte[] bytes = network.GetAddressBytes();
        bytes[^1] += (byte)index;
        return new IPAddress(bytes);
    }

    /// <summary>A route or address of this machine (any namespace-less table) that overlaps the prefixes, or null.</summary>
    private static async Task<string?> FindOverlapAsync(params string[] prefixes)
    {
        var networks = prefixes.Select(IPNetwork.Parse).ToList();
        var routes = await Command.RunAsync("ip", ["route", "show", "table", "all"]);
        var routes6 = await Command.RunAsync("ip", ["-6", "route", "show", "table", "all"]);
        var addresses = await Command.RunAsync("ip", ["-o", "addr", "show"]);
        var candidates = routes.StdOut.Split('\n').Concat(routes6.StdOut.Split('\n'))
            .Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .Where(f => f.Length > 0)
            .Select(f => f[0] is "local" or "broadcast" or "unicast" or "anycast" or "multicast" && f.Length > 1 ? f[1] : f[0])
            .Concat(addresses.StdOut.Split('\n').Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries)).Where(f => f.Length > 3).Select(f => f[3]));
        foreach (string candidate in candidates)
        {
            string prefix = candidate.Contains('/', StringComparison.Ordinal) ? candidate : candidate + (candidate.Contains(':', StringComparison.Ordinal) ? "/128" : "/32");
            if (!TryParseHostPrefix(prefix, out var other))
            {
                continue;
            }

            if (networks.Any(n => n.BaseAddress.AddressFamily == other.BaseAddress.AddressFamily && (n.Contains(other.BaseAddress) || other.Contains(n.BaseAddress))))
            {
                return candidate;
            }
        }

        return null;
    }

    /// <summary>"192.0.2.2/24" (an interface address, not a network) as its network.</summary>
    private static bool TryParseHostPrefix(string text, out IPNetwork network)
    {
        network = default;
        int slash = text.IndexOf('/', StringComparison.Ordinal);
        if (slash < 0 || !IPAddress.TryParse(text[..slash], out var address) || !int.TryParse(text[(slash + 1)..], CultureInfo.InvariantCulture, out int length))
        {
            return false;
        }

        byte[] bytes = address.GetAddressBytes();
        for (int bit = length; bit < bytes.Length * 8; bit++)
        {
            bytes[bit / 8] &= (byte)~(0x80 >> (bit % 8));
        }

        network = new IPNetwork(new IPAddress(bytes), length);
        return true;
    }

    private static Task<CommandResult> Ip(params string[] arguments) => Command.RunCheckedAsync("ip", arguments);

    private void OnProcessExit(object? sender, EventArgs e) => CleanUpSlotAsync(Prefix, Directory).GetAwaiter().GetResult();

    /// <summary>Removes everything named after a slot: processes in its namespaces, the namespaces, the root link, files.</summary>
    private static async Task CleanUpSlotAsync(string prefix, string directory)
    {
        var list = await Command.RunAsync("ip", ["netns", "list"]);
        var namespaces = list.StdOut.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(l => l.Split(' ')[0])
            .Where(n => n.StartsWith(prefix + "-", StringComparison.Ordinal))
            .ToList();
        foreach (string ns in namespaces)
        {
            await KillNamespaceProcessesAsync(ns);
        }

        // Hosts first, the hub last: deleting a namespace deletes its ends of the veths.
        foreach (string ns in namespaces.OrderBy(n => n.EndsWith("-hub", StringComparison.Ordinal) ? 1 : 0))
        {
            await Command.RunAsync("ip", ["netns", "delete", ns]);
        }

        if ((await Command.RunAsync("ip", ["link", "show", prefix])).Succeeded)
        {
            await Command.RunAsync("ip", ["link", "delete", prefix]);
        }

        if (System.IO.Directory.Exists("/etc/netns"))
        {
            foreach (string dir in System.IO.Directory.EnumerateDirectories("/etc/netns", prefix + "-*"))
            {
                System.IO.Directory.Delete(dir, recursive: true);
            }
        }

        if (System.IO.Directory.Exists(directory))
        {
            System.IO.Directory.Delete(directory, recursive: true);
        }
    }

    private static async Task KillNamespaceProcessesAsync(string ns)
    {
        for (int attempt = 0; attempt < 50; attempt++)
        {
            var pids = (await Command.RunAsync("ip", ["netns", "pids", ns])).StdOut
                .Split('\n', StringSplitOptions.RemoveEmptyEntries)
                .Select(p => int.Parse(p.Trim(), CultureInfo.InvariantCulture))
                .ToList();
            if (pids.Count == 0)
            {
                return;
            }

            foreach (int pid in pids)
            {
                // Only processes inside this test namespace: kill(2) by id, never by name.
                await Command.RunAsync("kill", ["-KILL", pid.ToString(CultureInfo.InvariantCulture)]);
            }

            await Task.Delay(20);
        }
    }

    private static string? FindUnavailableReason()
    {
        if (!OperatingSystem.IsLinux())
        {
            return "network namespaces need Linux";
        }

        if (!Environment.IsPrivilegedProcess)
        {
            return "network namespaces need root (run the tests as root, as CI does)";
        }

        try
        {
            var result = Command.RunAsync("ip", ["netns", "list"], TimeSpan.FromSeconds(10)).GetAwaiter().GetResult();
            return result.Succeeded ? null : "\"ip netns\" does not work here: " + result.StdErr.Trim();
        }
        catch (Exception e) when (e is System.ComponentModel.Win32Exception or TimeoutException or InvalidOperationException)
        {
            return "\"ip\" (iproute2) is not available: " + e.Message;
        }
    }
}

/// <summary>A test that needs the test internet: skipped, with the reason, where network namespaces cannot be made.</summary>
public sealed class NetFactAttribute : FactAttribute
{
    public NetFactAttribute()
    {
        if (TestInternet.Unavailable is { } reason)
        {
            Skip = "test internet unavailable: " + reason;
        }
    }
}

/// <summary>
/// One test internet shared by the tests of a class (<c>IClassFixture&lt;TestInternetFixture&gt;</c>). Tests that
/// change zones or peers should set what they need rather than rely on another test's leftovers.
/// </summary>
public sealed class TestInternetFixture : IAsyncLifetime
{
    private TestInternet? _net;

    /// <summary>The running test internet.</summary>
    public TestInternet Net => _net ?? throw new InvalidOperationException("the test internet is unavailable: " + TestInternet.Unavailable);

    public async Task InitializeAsync()
    {
        if (TestInternet.Unavailable is null)
        {
            _net = await TestInternet.StartAsync();
        }
    }

    public async Task DisposeAsync()
    {
        if (_net is not null)
        {
            await _net.DisposeAsync();
        }
    }
}
