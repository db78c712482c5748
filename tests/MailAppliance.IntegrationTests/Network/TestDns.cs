using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using MailAppliance.Dns;

namespace MailAppliance.IntegrationTests.Network;

/// <summary>
/// The test internet's DNS: a real bind9 (<c>named</c>) in the host "dns", authoritative (no recursion) for the
/// root zone — so any name outside the test zones is NXDOMAIN, as on the internet — for the zones a test sets,
/// and for the reverse zones of the test addresses (PTR records set with <see cref="SetPtrAsync"/>).
/// Point the code under test at <see cref="Servers"/> (<c>Dns:Servers</c>) or use <see cref="CreateResolver"/>.
/// </summary>
public sealed class TestDns : IAsyncDisposable
{
    /// <summary>The name server host name every zone's NS record names (it has glue in the root zone).</summary>
    public const string NameServer = "ns.test";

    private readonly string _dir;
    private readonly string _rndcConf;
    private readonly Dictionary<string, string> _zones = new(StringComparer.OrdinalIgnoreCase);
    private readonly Dictionary<IPAddress, string[]> _ptr = [];
    private readonly SemaphoreSlim _gate = new(1, 1);
    private HostProcess? _named;
    private uint _serial = (uint)(DateTimeOffset.UtcNow.ToUnixTimeSeconds() % 1_000_000_000);

    private TestDns(NetHost host, string dir, string reverseV4, string reverseV6)
    {
        Host = host;
        _dir = dir;
        _rndcConf = System.IO.Path.Combine(dir, "rndc.conf");
        ReverseZoneV4 = reverseV4;
        ReverseZoneV6 = reverseV6;
    }

    /// <summary>The host the server runs in.</summary>
    public NetHost Host { get; }

    /// <summary>The server's IPv4 address (port 53, UDP and TCP).</summary>
    public IPAddress Address => Host.IPv4;

    /// <summary>The server as <c>Dns:Servers</c> takes it: <c>192.0.2.x:53</c>.</summary>
    public string Servers => Address + ":53";

    /// <summary>The IPv4 reverse zone served (<c>2.0.192.in-addr.arpa</c>).</summary>
    public string ReverseZoneV4 { get; }

    /// <summary>The IPv6 reverse zone served (the /64 of the test addresses under <c>ip6.arpa</c>).</summary>
    public string ReverseZoneV6 { get; }

    /// <summary>What named printed (it runs with -g: every log line goes there).</summary>
    public string Log => _named?.Output ?? string.Empty;

    internal static async Task<TestDns> StartAsync(NetHost host, string dir, string reverseV4, string reverseV6)
    {
        Directory.CreateDirectory(dir);
        Directory.CreateDirectory(System.IO.Path.Combine(dir, "zones"));
        var dns = new TestDns(host, dir, reverseV4, reverseV6);
        await dns.StartNamedAsync();
        return dns;
    }

    /// <summary>A resolver (the product's own) asking this server only: no cache, short timeout.</summary>
    public DnsClientResolver CreateResolver() =>
        new(new DnsOptions { Servers = Servers, UseCache = false, Timeout = TimeSpan.FromSeconds(2), Retries = 1 });

    /// <summary>
    /// Serves a zone, replacing its previous contents, and returns once the server answers with the new data.
    /// <paramref name="records"/> is zone-file text relative to the zone (<c>$ORIGIN</c> is the zone): e.g.
    /// <c>"@ MX 10 mx1\nmx1 A 192.0.2.34\n"</c>. SOA (with a fresh serial), NS and <c>$TTL 60</c> are added; do not
    /// write them. Checked with named-checkzone first: a zone bind would refuse throws, with its message.
    /// </summary>
    /// <exception cref="InvalidOperationException">named-checkzone refused the zone, or named did not load it.</exception>
    public async Task SetZoneAsync(string zone, string records)
    {
        zone = Normalize(zone);
        if (zone is "." || DnsNames.AreEqual(zone, ReverseZoneV4) || DnsNames.AreEqual(zone, ReverseZoneV6))
        {
            throw new ArgumentException($"the zone {zone} is managed by the test internet (use SetPtrAsync for reverse records)", nameof(zone));
        }

        await _gate.WaitAsync();
        try
        {
            await WriteAndLoadAsync(zone, records);
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Stops serving a zone (its names become NXDOMAIN, from the root zone).</summary>
    public async Task RemoveZoneAsync(string zone)
    {
        zone = Normalize(zone);
        await _gate.WaitAsync();
        try
        {
            if (_zones.Remove(zone))
            {
                await WriteZonesConfAsync();
                await RndcAsync("reconfig");
                await WaitForRcodeAsync(zone, rcode => rcode != 0);
            }
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>
    /// Makes the server answer SERVFAIL for every name in a zone (the zone is configured but cannot be loaded), as
    /// a broken or unreachable authoritative server makes a resolver do. <see cref="SetZoneAsync"/> repairs it.
    /// </summary>
    public async Task BreakZoneAsync(string zone)
    {
        zone = Normalize(zone);
        await _gate.WaitAsync();
        try
        {
            if (_zones.Remove(zone))
            {
                await WriteZonesConfAsync();
                await RndcAsync("reconfig");
            }

            _zones[zone] = System.IO.Path.Combine(_dir, "zones", zone + ".missing");
            await WriteZonesConfAsync();
            await RndcAsync("reconfig");
            await WaitForRcodeAsync(zone, rcode => rcode == 2);
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Sets the PTR records of an address of the test ranges (none: removes them).</summary>
    public async Task SetPtrAsync(IPAddress address, params string[] names)
    {
        string reverse = DnsNames.ReverseName(address);
        string zone = reverse.EndsWith("." + ReverseZoneV4, StringComparison.OrdinalIgnoreCase) ? ReverseZoneV4
            : reverse.EndsWith("." + ReverseZoneV6, StringComparison.OrdinalIgnoreCase) ? ReverseZoneV6
            : throw new ArgumentException($"{address} is not in the test ranges ({ReverseZoneV4}, {ReverseZoneV6})", nameof(address));
        await _gate.WaitAsync();
        try
        {
            if (names.Length == 0)
            {
                _ptr.Remove(address);
            }
            else
            {
                _ptr[address] = names;
            }

            await WriteAndLoadAsync(zone, ReverseRecords(zone));
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Runs dig against this server from the test process's namespace: <c>dig @server ARGS</c>.</summary>
    public Task<CommandResult> DigAsync(params string[] arguments) =>
        Command.RunAsync("dig", ["@" + Address, "+time=2", "+tries=2", .. arguments]);

    public async ValueTask DisposeAsync()
    {
        if (_named is not null)
        {
            await _named.DisposeAsync();
        }

        _gate.Dispose();
    }

    private async Task StartNamedAsync()
    {
        string secret = Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32));
        string key = $"key \"rndc-key\" {{ algorithm hmac-sha256; secret \"{secret}\"; }};\n";
        await File.WriteAllTextAsync(System.IO.Path.Combine(_dir, "named.conf"), $$"""
            options {
                directory "{{_dir}}";
                pid-file "{{_dir}}/named.pid";
                listen-on port 53 { {{Host.IPv4}}; };
                listen-on-v6 port 53 { {{Host.IPv6}}; };
                recursion no;
                allow-query { any; };
                dnssec-validation no;
                notify no;
                // Reloaded zones take effect at once; tests change zones often.
                zone-statistics no;
            };
            {{key}}
            controls { inet 127.0.0.1 port 953 allow { 127.0.0.1; } keys { "rndc-key"; }; };
            include "{{_dir}}/zones.conf";

            """);
        await File.WriteAllTextAsync(_rndcConf, key + "options { default-key \"rndc-key\"; default-server 127.0.0.1; default-port 953; };\n");

        // The root zone: NS ns.test with its glue, and nothing else, so every other name is NXDOMAIN.
        _zones["."] = WriteZone(".", string.Create(CultureInfo.InvariantCulture, $"{NameServer}. IN A {Host.IPv4}\n{NameServer}. IN AAAA {Host.IPv6}\n"));
        uint rootSerial = _serial;
        _zones[ReverseZoneV4] = WriteZone(ReverseZoneV4, string.Empty);
        _zones[ReverseZoneV6] = WriteZone(ReverseZoneV6, string.Empty);
        await WriteZonesConfAsync();

        // lo must be up for rndc's control channel on 127.0.0.1 inside the namespace (the host setup does it).
        _named = Host.Start("/usr/sbin/named", "-g", "-c", System.IO.Path.Combine(_dir, "named.conf"));
        await _named.WaitForOutputAsync("running", TimeSpan.FromSeconds(30));
        await WaitForSerialAsync(".", rootSerial);
    }

    private async Task WriteAndLoadAsync(string zone, string records)
    {
        string file = WriteZone(zone, records);
        bool reconfig = !_zones.TryGetValue(zone, out string? configured) || configured != file;
        var check = await Command.RunAsync("named-checkzone", ["-q", zone, file]);
        if (!check.Succeeded)
        {
            var verbose = await Command.RunAsync("named-checkzone", [zone, file]);
            throw new InvalidOperationException($"zone {zone} refused by named-checkzone:\n{verbose.StdOut}{verbose.StdErr}\n--- zone file ---\n{await File.ReadAllTextAsync(file)}");
        }

        _zones[zone] = file;
        uint serial = _serial;
        if (reconfig)
        {
            await WriteZonesConfAsync();
            await RndcAsync("reconfig");
        }
        else
        {
            await RndcAsync("reload", zone);
        }

        await WaitForSerialAsync(zone, serial);
    }

    private string WriteZone(string zone, string records)
    {
        _serial++;
        string origin = zone == "." ? "." : zone + ".";
        string file = System.IO.Path.Combine(_dir, "zones", (zone == "." ? "root" : zone) + ".zone");
        var text = new StringBuilder()
            .Append(CultureInfo.InvariantCulture, $"$ORIGIN {origin}\n$TTL 60\n")
            .Append(CultureInfo.InvariantCulture, $"@ IN SOA {NameServer}. hostmaster.{NameServer}. {_serial} 60 60 600 60\n")
            .Append(CultureInfo.InvariantCulture, $"@ IN NS {NameServer}.\n")
            .Append(records)
            .Append('\n');
        File.WriteAllText(file, text.ToString());
        return file;
    }

    private string ReverseRecords(string zone)
    {
        var text = new StringBuilder();
        foreach (var (address, names) in _ptr)
        {
            string reverse = DnsNames.ReverseName(address);
            if (reverse.EndsWith("." + zone, StringComparison.OrdinalIgnoreCase))
            {
                foreach (string name in names)
                {
                    text.Append(CultureInfo.InvariantCulture, $"{reverse}. IN PTR {name.TrimEnd('.')}.\n");
                }
            }
        }

        return text.ToString();
    }

    private Task WriteZonesConfAsync()
    {
        var conf = new StringBuilder();
        foreach (var (zone, file) in _zones)
        {
            conf.Append(CultureInfo.InvariantCulture, $"zone \"{zone}\" {{ type primary; file \"{file}\"; }};\n");
        }

        return File.WriteAllTextAsync(System.IO.Path.Combine(_dir, "zones.conf"), conf.ToString());
    }

    private async Task RndcAsync(params string[] arguments)
    {
        var result = await Host.RunAsync("/usr/sbin/rndc", ["-c", _rndcConf, .. arguments]);
        if (!result.Succeeded)
        {
            throw new InvalidOperationException($"{result}\n--- named ---\n{Log}");
        }
    }

    /// <summary>Waits until the server answers the zone's SOA with at least this serial (a reload is asynchronous).</summary>
    private async Task WaitForSerialAsync(string zone, uint serial)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(15);
        var nextReload = DateTime.UtcNow + TimeSpan.FromSeconds(1);
        while (true)
        {
            uint? served = (await QuerySoaAsync(zone)).Serial;
            if (served >= serial)
            {
                return;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new InvalidOperationException($"named did not load zone {zone} serial {serial} (serves {served?.ToString(CultureInfo.InvariantCulture) ?? "nothing"}):\n{Log}");
            }

            if (zone != "." && DateTime.UtcNow > nextReload)
            {
                // A zone file rewritten within the same second as the last load can look unchanged to named.
                File.SetLastWriteTimeUtc(_zones[zone], DateTime.UtcNow.AddSeconds(1));
                await Host.RunAsync("/usr/sbin/rndc", "-c", _rndcConf, "reload", zone);
                nextReload = DateTime.UtcNow + TimeSpan.FromSeconds(1);
            }

            await Task.Delay(30);
        }
    }

    private async Task WaitForRcodeAsync(string zone, Func<int, bool> done)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(15);
        while (true)
        {
            var (rcode, _) = await QuerySoaAsync(zone);
            if (rcode is { } code && done(code))
            {
                return;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new InvalidOperationException($"named did not change zone {zone} in time (RCODE {rcode}):\n{Log}");
            }

            await Task.Delay(30);
        }
    }

    /// <summary>A raw SOA query over UDP from the test process (the cheapest check: no tool started): RCODE and serial.</summary>
    private async Task<(int? Rcode, uint? Serial)> QuerySoaAsync(string zone)
    {
        using var udp = new UdpClient(AddressFamily.InterNetwork);
        byte[] query = BuildQuery(zone, 6);
        try
        {
            await udp.SendAsync(query, new IPEndPoint(Address, 53));
            using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(500));
            var reply = await udp.ReceiveAsync(cts.Token);
            return (reply.Buffer[3] & 0xF, ParseSoaSerial(reply.Buffer));
        }
        catch (Exception e) when (e is SocketException or OperationCanceledException or IndexOutOfRangeException or ArgumentOutOfRangeException)
        {
            return (null, null);
        }
    }

    private static byte[] BuildQuery(string zone, ushort type)
    {
        var q = new List<byte> { 0x12, 0x34, 0x00, 0x00, 0, 1, 0, 0, 0, 0, 0, 0 };
        foreach (string label in zone.Split('.', StringSplitOptions.RemoveEmptyEntries))
        {
            q.Add((byte)label.Length);
            q.AddRange(Encoding.ASCII.GetBytes(label));
        }

        q.AddRange([0, (byte)(type >> 8), (byte)type, 0, 1]);
        return [.. q];
    }

    private static uint? ParseSoaSerial(byte[] m)
    {
        int rcode = m[3] & 0xF;
        int answers = (m[6] << 8) | m[7];
        if (rcode != 0 || answers == 0 || (m[2] & 0x04) == 0)
        {
            return null;
        }

        int i = 12;
        i = SkipName(m, i) + 4; // question
        i = SkipName(m, i);
        int type = (m[i] << 8) | m[i + 1];
        if (type != 6)
        {
            return null;
        }

        i += 10; // type, class, ttl, rdlength
        i = SkipName(m, i); // mname
        i = SkipName(m, i); // rname
        return (uint)((m[i] << 24) | (m[i + 1] << 16) | (m[i + 2] << 8) | m[i + 3]);
    }

    private static int SkipName(byte[] m, int i)
    {
        while (true)
        {
            int len = m[i];
            if (len == 0)
            {
                return i + 1;
            }

            if ((len & 0xC0) == 0xC0)
            {
                return i + 2;
            }

            i += len + 1;
        }
    }

    private static string Normalize(string zone) => zone == "." ? zone : DnsNames.Normalize(zone).ToLowerInvariant();
}
