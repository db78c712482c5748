using System.Collections.Concurrent;
using System.Net;

namespace MailAppliance.Dns;

/// <summary>
/// An <see cref="IDnsResolver"/> over records built in code, for unit tests. It answers as a recursive resolver
/// would: records of the asked type are found; a name with other records, or with names below it (an "empty
/// non-terminal"), is NODATA; any other name is NXDOMAIN; CNAMEs are followed (up to 8 hops). Names compare
/// case-insensitively, with or without a trailing dot. Failures can be scripted with <see cref="Fail"/>.
/// Thread-safe; every query is recorded in <see cref="Queries"/> (e.g. to count SPF lookups).
/// </summary>
/// <example>
/// <code>
/// var dns = new FakeDnsResolver()
///     .AddMx("example.test", 10, "mx1.example.test")
///     .AddA("mx1.example.test", "192.0.2.25")
///     .AddTxt("example.test", "v=spf1 ip4:192.0.2.0/24 -all")
///     .Fail("broken.test");
/// </code>
/// </example>
public sealed class FakeDnsResolver : IDnsResolver
{
    private const int MaxCnameHops = 8;
    private readonly ConcurrentDictionary<string, List<(DnsQueryType Type, object Value)>> _records = new(StringComparer.OrdinalIgnoreCase);
    private readonly ConcurrentDictionary<(string Name, DnsQueryType? Type), string> _failures = new();
    private readonly ConcurrentQueue<(DnsQueryType Type, string Name)> _queries = new();
    private readonly object _gate = new();

    /// <summary>Every lookup made, in order: type and name (as normalized, without the trailing dot).</summary>
    public IReadOnlyList<(DnsQueryType Type, string Name)> Queries => _queries.ToArray();

    /// <summary>Adds an MX record.</summary>
    public FakeDnsResolver AddMx(string domain, ushort preference, string host) => Add(domain, DnsQueryType.Mx, new MxRecord(preference, Trim(host)));

    /// <summary>Adds an A record.</summary>
    public FakeDnsResolver AddA(string name, string address) => AddAddress(name, IPAddress.Parse(address));

    /// <summary>Adds an AAAA record.</summary>
    public FakeDnsResolver AddAaaa(string name, string address) => AddAddress(name, IPAddress.Parse(address));

    /// <summary>Adds an A or AAAA record, by the address family.</summary>
    public FakeDnsResolver AddAddress(string name, IPAddress address) =>
        Add(name, address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? DnsQueryType.Aaaa : DnsQueryType.A, address);

    /// <summary>Adds a TXT record made of one or more character-strings (joined on lookup: RFC 7208 §3.3).</summary>
    public FakeDnsResolver AddTxt(string name, params string[] strings) => Add(name, DnsQueryType.Txt, new TxtRecord(strings));

    /// <summary>Adds a PTR record for an address.</summary>
    public FakeDnsResolver AddPtr(IPAddress address, string host) => Add(DnsNames.ReverseName(address), DnsQueryType.Ptr, Trim(host));

    /// <summary>Adds a PTR record for an address.</summary>
    public FakeDnsResolver AddPtr(string address, string host) => AddPtr(IPAddress.Parse(address), host);

    /// <summary>Makes a name an alias of another (CNAME).</summary>
    public FakeDnsResolver AddCname(string name, string target) => Add(name, DnsQueryType.Cname, Trim(target));

    /// <summary>Adds a TLSA record (data in hex).</summary>
    public FakeDnsResolver AddTlsa(string name, byte usage, byte selector, byte matchingType, string dataHex) =>
        Add(name, DnsQueryType.Tlsa, new TlsaRecord(usage, selector, matchingType, Convert.FromHexString(dataHex)));

    /// <summary>Adds a CAA record.</summary>
    public FakeDnsResolver AddCaa(string name, byte flags, string tag, string value) => Add(name, DnsQueryType.Caa, new CaaRecord(flags, tag, value));

    /// <summary>Makes lookups of a name (of one type, or all types) fail temporarily, as on SERVFAIL or a timeout.</summary>
    public FakeDnsResolver Fail(string name, DnsQueryType? type = null, string error = "ServerFailure (fake)")
    {
        _failures[(Key(name), type)] = error;
        return this;
    }

    /// <summary>Removes every record of a name (of one type, or all types) and its scripted failures.</summary>
    public FakeDnsResolver Remove(string name, DnsQueryType? type = null)
    {
        string key = Key(name);
        lock (_gate)
        {
            if (_records.TryGetValue(key, out var list))
            {
                list.RemoveAll(r => type is null || r.Type == type);
                if (list.Count == 0)
                {
                    _records.TryRemove(key, out _);
                }
            }
        }

        foreach (var failure in _failures.Keys.Where(k => k.Name == key && (type is null || k.Type == type)).ToList())
        {
            _failures.TryRemove(failure, out _);
        }

        return this;
    }

    /// <inheritdoc />
    public Task<DnsResult<MxRecord>> LookupMxAsync(string domain, CancellationToken cancellationToken = default) => Lookup<MxRecord>(domain, DnsQueryType.Mx, cancellationToken);

    /// <inheritdoc />
    public Task<DnsResult<IPAddress>> LookupAAsync(string name, CancellationToken cancellationToken = default) => Lookup<IPAddress>(name, DnsQueryType.A, cancellationToken);

    /// <inheritdoc />
    public Task<DnsResult<IPAddress>> LookupAaaaAsync(string name, CancellationToken cancellationToken = default) => Lookup<IPAddress>(name, DnsQueryType.Aaaa, cancellationToken);

    /// <inheritdoc />
    public Task<DnsResult<TxtRecord>> LookupTxtAsync(string name, CancellationToken cancellationToken = default) => Lookup<TxtRecord>(name, DnsQueryType.Txt, cancellationToken);

    /// <inheritdoc />
    public Task<DnsResult<string>> LookupPtrAsync(IPAddress address, CancellationToken cancellationToken = default) =>
        Lookup<string>(DnsNames.ReverseName(address), DnsQueryType.Ptr, cancellationToken);

    /// <inheritdoc />
    public Task<DnsResult<string>> LookupCnameAsync(string name, CancellationToken cancellationToken = default) => Lookup<string>(name, DnsQueryType.Cname, cancellationToken);

    /// <inheritdoc />
    public Task<DnsResult<TlsaRecord>> LookupTlsaAsync(string name, CancellationToken cancellationToken = default) => Lookup<TlsaRecord>(name, DnsQueryType.Tlsa, cancellationToken);

    /// <inheritdoc />
    public Task<DnsResult<CaaRecord>> LookupCaaAsync(string name, CancellationToken cancellationToken = default) => Lookup<CaaRecord>(name, DnsQueryType.Caa, cancellationToken);

    private FakeDnsResolver Add(string name, DnsQueryType type, object value)
    {
        string key = Key(name);
        lock (_gate)
        {
            _records.GetOrAdd(key, _ => []).Add((type, value));
        }

        return this;
    }

    private Task<DnsResult<T>> Lookup<T>(string name, DnsQueryType type, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        name = DnsNames.Normalize(name);
        _queries.Enqueue((type, name));
        return Task.FromResult(Answer<T>(name, type));
    }

    private DnsResult<T> Answer<T>(string name, DnsQueryType type)
    {
        string current = Key(name);
        for (int hop = 0; hop <= MaxCnameHops; hop++)
        {
            if (_failures.TryGetValue((current, type), out string? error) || _failures.TryGetValue((current, null), out error))
            {
                return DnsResult.TemporaryFailure<T>(name, type, error);
            }

            List<(DnsQueryType Type, object Value)> records;
            lock (_gate)
            {
                records = _records.TryGetValue(current, out var list) ? [.. list] : [];
            }

            var matching = records.Where(r => r.Type == type).Select(r => (T)r.Value).ToList();
            if (matching.Count > 0)
            {
                return DnsResult.Found(name, type, matching);
            }

            // RFC 1034 §3.6.2: a CNAME owner has no other data; follow it for any other type.
            var cname = records.FirstOrDefault(r => r.Type == DnsQueryType.Cname);
            if (cname.Value is string target && type != DnsQueryType.Cname)
            {
                current = Key(target);
                continue;
            }

            bool exists = records.Count > 0 || _records.Keys.Any(k => k.EndsWith("." + current, StringComparison.OrdinalIgnoreCase));
            return exists ? DnsResult.NoData<T>(name, type) : DnsResult.NxDomain<T>(name, type);
        }

        return DnsResult.TemporaryFailure<T>(name, type, "CNAME chain too long");
    }

    private static string Key(string name) => DnsNames.Normalize(name).ToLowerInvariant();

    private static string Trim(string name) => name == "." ? name : name.TrimEnd('.');
}
