namespace MailAppliance.Dns;

/// <summary>
/// The outcome of one lookup: the status (found, NXDOMAIN, NODATA, temporary failure) and, when found, the records
/// of the asked type. Records reached through a CNAME chain are included (the chain itself is not).
/// </summary>
/// <typeparam name="T">The record type: <see cref="MxRecord"/>, <see cref="System.Net.IPAddress"/>, <see cref="TxtRecord"/>, a name (<see cref="string"/>), ...</typeparam>
public sealed class DnsResult<T>
{
    internal DnsResult(string name, DnsQueryType type, DnsLookupStatus status, IReadOnlyList<T> records, bool authenticated, string? error)
    {
        Name = name;
        Type = type;
        Status = status;
        Records = records;
        Authenticated = authenticated;
        Error = error;
    }

    /// <summary>The name that was looked up, without a trailing dot.</summary>
    public string Name { get; }

    /// <summary>The record type that was asked for.</summary>
    public DnsQueryType Type { get; }

    /// <summary>How the lookup ended.</summary>
    public DnsLookupStatus Status { get; }

    /// <summary>The records (empty unless <see cref="Status"/> is <see cref="DnsLookupStatus.Found"/>), in the order the server gave them.</summary>
    public IReadOnlyList<T> Records { get; }

    /// <summary>
    /// True when the resolver set the AD bit (RFC 4035 §3.2.3): it validated the answer with DNSSEC. Only meaningful
    /// with a validating resolver you trust on a trusted path, and with <see cref="DnsOptions.Dnssec"/> on.
    /// </summary>
    public bool Authenticated { get; }

    /// <summary>For a temporary failure, what went wrong (the RCODE or the network error); otherwise null.</summary>
    public string? Error { get; }

    /// <summary>True when records were found.</summary>
    public bool IsFound => Status == DnsLookupStatus.Found;

    /// <summary>True for NXDOMAIN or NODATA: an authoritative "nothing here" (SPF's void lookup, RFC 7208 §4.6.4).</summary>
    public bool IsEmpty => Status is DnsLookupStatus.NxDomain or DnsLookupStatus.NoData;

    /// <summary>True for a temporary failure.</summary>
    public bool IsTemporaryFailure => Status == DnsLookupStatus.TemporaryFailure;

    /// <summary>The same status with the records mapped (e.g. MX records to their host names).</summary>
    public DnsResult<TOut> Select<TOut>(Func<T, TOut> selector) =>
        new(Name, Type, Status, Records.Select(selector).ToArray(), Authenticated, Error);

    /// <inheritdoc />
    public override string ToString() => Status switch
    {
        DnsLookupStatus.Found => $"{Name} {Type}: {string.Join(", ", Records)}",
        DnsLookupStatus.TemporaryFailure => $"{Name} {Type}: temporary failure ({Error})",
        _ => $"{Name} {Type}: {Status}",
    };
}

/// <summary>Makes <see cref="DnsResult{T}"/> values (for resolvers and fakes).</summary>
public static class DnsResult
{
    /// <summary>A result with records; an empty list makes it <see cref="DnsLookupStatus.NoData"/>.</summary>
    public static DnsResult<T> Found<T>(string name, DnsQueryType type, IReadOnlyList<T> records, bool authenticated = false) =>
        records.Count == 0
            ? new DnsResult<T>(name, type, DnsLookupStatus.NoData, [], authenticated, null)
            : new DnsResult<T>(name, type, DnsLookupStatus.Found, records, authenticated, null);

    /// <summary>An NXDOMAIN result.</summary>
    public static DnsResult<T> NxDomain<T>(string name, DnsQueryType type, bool authenticated = false) =>
        new DnsResult<T>(name, type, DnsLookupStatus.NxDomain, [], authenticated, null);

    /// <summary>A NODATA result.</summary>
    public static DnsResult<T> NoData<T>(string name, DnsQueryType type, bool authenticated = false) =>
        new DnsResult<T>(name, type, DnsLookupStatus.NoData, [], authenticated, null);

    /// <summary>A temporary failure with what went wrong.</summary>
    public static DnsResult<T> TemporaryFailure<T>(string name, DnsQueryType type, string error) =>
        new DnsResult<T>(name, type, DnsLookupStatus.TemporaryFailure, [], false, error);
}
