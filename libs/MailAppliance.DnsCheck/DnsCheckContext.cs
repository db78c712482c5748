using System.Collections.Concurrent;
using System.Net;
using MailAppliance.Dns;

namespace MailAppliance.DnsCheck;

/// <summary>
/// What every check of one run shares: the resolver, the target, the settings, and the lookups several checks need
/// (the host's addresses, each domain's MX), made once per run.
/// </summary>
internal sealed class DnsCheckContext(IDnsResolver dns, DnsCheckTarget target, DnsCheckOptions options)
{
    private readonly ConcurrentDictionary<string, Task<DnsResult<MxRecord>>> _mx = new(StringComparer.OrdinalIgnoreCase);
    private Task<(DnsResult<IPAddress> A, DnsResult<IPAddress> Aaaa)>? _host;

    public IDnsResolver Dns { get; } = dns;

    public DnsCheckTarget Target { get; } = target;

    public DnsCheckOptions Options { get; } = options;

    public string HostName => Target.HostName;

    /// <summary>The A and AAAA records of the host name (looked up once).</summary>
    public Task<(DnsResult<IPAddress> A, DnsResult<IPAddress> Aaaa)> HostAddressesAsync(CancellationToken cancellationToken) =>
        LazyInitializer.EnsureInitialized(ref _host, () => LookupHostAsync(cancellationToken));

    /// <summary>The MX records of a domain (looked up once).</summary>
    public Task<DnsResult<MxRecord>> MxAsync(string domain, CancellationToken cancellationToken) =>
        _mx.GetOrAdd(domain, d => Dns.LookupMxAsync(d, cancellationToken));

    /// <summary>
    /// The TXT records at <paramref name="name"/> whose text begins with <paramref name="prefix"/> (case-insensitive),
    /// as the SPF, DMARC, MTA-STS and TLS-RPT discovery rules select them; the status is that of the lookup.
    /// </summary>
    public async Task<(DnsResult<TxtRecord> Lookup, IReadOnlyList<string> Matching)> TxtStartingWithAsync(
        string name, string prefix, CancellationToken cancellationToken)
    {
        var lookup = await Dns.LookupTxtAsync(name, cancellationToken);
        var matching = lookup.Records.Select(r => r.Text).Where(t => t.StartsWith(prefix, StringComparison.OrdinalIgnoreCase)).ToArray();
        return (lookup, matching);
    }

    private async Task<(DnsResult<IPAddress>, DnsResult<IPAddress>)> LookupHostAsync(CancellationToken cancellationToken)
    {
        var a = Dns.LookupAAsync(HostName, cancellationToken);
        var aaaa = Dns.LookupAaaaAsync(HostName, cancellationToken);
        return (await a, await aaaa);
    }
}
