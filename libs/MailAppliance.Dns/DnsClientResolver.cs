using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using DnsClient;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using DC = DnsClient.Protocol;

namespace MailAppliance.Dns;

/// <summary>
/// <see cref="IDnsResolver"/> over DnsClient's <see cref="LookupClient"/>, asking the recursive resolvers of
/// <see cref="DnsOptions"/> (or the system's). Truncated UDP answers are asked again over TCP (RFC 7766 §5).
/// Thread-safe; make one and share it (it holds the cache).
/// </summary>
public sealed class DnsClientResolver : IDnsResolver
{
    /// <summary>
    /// The EDNS UDP payload size advertised: 1232 octets avoids IP fragmentation on any path (DNS Flag Day 2020);
    /// larger answers come truncated and are fetched again over TCP.
    /// </summary>
    public const int UdpPayloadSize = 1232;

    private readonly LookupClient _client;
    private readonly ILogger _logger;

    /// <summary>A resolver with these settings.</summary>
    /// <exception cref="FormatException"><see cref="DnsOptions.Servers"/> is malformed.</exception>
    /// <exception cref="ArgumentOutOfRangeException">Timeout is not positive or Retries is negative.</exception>
    public DnsClientResolver(DnsOptions options, ILogger<DnsClientResolver>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(options.Timeout, TimeSpan.Zero, nameof(options.Timeout));
        ArgumentOutOfRangeException.ThrowIfNegative(options.Retries, nameof(options.Retries));
        Servers = options.ResolveServers();
        _logger = (ILogger?)logger ?? NullLogger.Instance;
        var clientOptions = new LookupClientOptions(Servers.Select(s => new NameServer(s)).ToArray())
        {
            // Only the servers given: never DnsClient's discovery, which can fall back to public resolvers.
            AutoResolveNameServers = false,
            Timeout = options.Timeout,
            Retries = options.Retries,
            UseCache = options.UseCache,
            CacheFailedResults = false,
            UseTcpFallback = true,
            ThrowDnsErrors = false,
            // SERVFAIL/REFUSED from one server: ask the next. NODATA is an answer: do not.
            ContinueOnDnsError = true,
            ContinueOnEmptyResponse = false,
            UseRandomNameServer = false,
            ExtendedDnsBufferSize = UdpPayloadSize,
            RequestDnsSecRecords = options.Dnssec,
            EnableAuditTrail = false,
        };
        _client = new LookupClient(clientOptions);
    }

    /// <summary>The servers this resolver asks, in order.</summary>
    public IReadOnlyList<IPEndPoint> Servers { get; }

    /// <inheritdoc />
    public Task<DnsResult<MxRecord>> LookupMxAsync(string domain, CancellationToken cancellationToken = default) =>
        QueryAsync(domain, DnsQueryType.Mx, static r => r is DC.MxRecord mx ? new MxRecord(mx.Preference, NameOf(mx.Exchange)) : null, cancellationToken);

    /// <inheritdoc />
    public Task<DnsResult<IPAddress>> LookupAAsync(string name, CancellationToken cancellationToken = default) =>
        QueryAsync(name, DnsQueryType.A, static r => (r as DC.ARecord)?.Address, cancellationToken);

    /// <inheritdoc />
    public Task<DnsResult<IPAddress>> LookupAaaaAsync(string name, CancellationToken cancellationToken = default) =>
        QueryAsync(name, DnsQueryType.Aaaa, static r => (r as DC.AaaaRecord)?.Address, cancellationToken);

    /// <inheritdoc />
    public Task<DnsResult<TxtRecord>> LookupTxtAsync(string name, CancellationToken cancellationToken = default) =>
        QueryAsync(name, DnsQueryType.Txt, static r => r is DC.TxtRecord txt ? new TxtRecord(txt.Text.ToArray()) : null, cancellationToken);

    /// <inheritdoc />
    public Task<DnsResult<string>> LookupPtrAsync(IPAddress address, CancellationToken cancellationToken = default) =>
        QueryAsync(DnsNames.ReverseName(address), DnsQueryType.Ptr, static r => r is DC.PtrRecord ptr ? NameOf(ptr.PtrDomainName) : null, cancellationToken);

    /// <inheritdoc />
    public Task<DnsResult<string>> LookupCnameAsync(string name, CancellationToken cancellationToken = default) =>
        QueryAsync(name, DnsQueryType.Cname, static r => r is DC.CNameRecord cname ? NameOf(cname.CanonicalName) : null, cancellationToken);

    /// <inheritdoc />
    public Task<DnsResult<TlsaRecord>> LookupTlsaAsync(string name, CancellationToken cancellationToken = default) =>
        QueryAsync(name, DnsQueryType.Tlsa, static r => r is DC.TlsaRecord t
            ? new TlsaRecord((byte)t.CertificateUsage, (byte)t.Selector, (byte)t.MatchingType, t.CertificateAssociationData.ToArray())
            : null, cancellationToken);

    /// <inheritdoc />
    public Task<DnsResult<CaaRecord>> LookupCaaAsync(string name, CancellationToken cancellationToken = default) =>
        QueryAsync(name, DnsQueryType.Caa, static r => r is DC.CaaRecord caa ? new CaaRecord(caa.Flags, caa.Tag, caa.Value) : null, cancellationToken);

    private async Task<DnsResult<T>> QueryAsync<T>(string name, DnsQueryType type, Func<DC.DnsResourceRecord, T?> map, CancellationToken cancellationToken)
        where T : class
    {
        name = DnsNames.Normalize(name);
        using var activity = DnsTelemetry.Source.StartActivity("dns.lookup", ActivityKind.Client);
        activity?.SetTag("dns.question.name", name);
        activity?.SetTag("dns.question.type", type.ToString().ToUpperInvariant());
        long started = Stopwatch.GetTimestamp();
        DnsResult<T> result;
        try
        {
            var response = await _client.QueryAsync(name, (QueryType)(int)type, QueryClass.IN, cancellationToken);
            result = ToResult(name, type, response, map);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
        catch (Exception e) when (e is DnsResponseException or SocketException or TimeoutException or IOException or OperationCanceledException)
        {
            // DnsClient reports a cancellation as a timeout: the caller's token decides which it was.
            cancellationToken.ThrowIfCancellationRequested();

            // DnsClient throws when every server timed out or failed on the network (RFC 7208 §2.6.6: temperror).
            result = DnsResult.TemporaryFailure<T>(name, type, e is DnsResponseException dre ? $"{dre.Code}: {dre.Message}" : e.Message);
        }

        if (result.IsTemporaryFailure)
        {
            _logger.LogDebug("DNS {Type} {Name}: temporary failure: {Error}", type, name, result.Error);
            activity?.SetStatus(ActivityStatusCode.Error, result.Error);
        }

        string status = DnsTelemetry.StatusTag(result.Status);
        activity?.SetTag("dns.status", status);
        var typeTag = new KeyValuePair<string, object?>("type", type.ToString().ToUpperInvariant());
        var statusTag = new KeyValuePair<string, object?>("status", status);
        DnsTelemetry.Lookups.Add(1, typeTag, statusTag);
        DnsTelemetry.Duration.Record(Stopwatch.GetElapsedTime(started).TotalSeconds, typeTag, statusTag);
        return result;
    }

    private static DnsResult<T> ToResult<T>(string name, DnsQueryType type, IDnsQueryResponse response, Func<DC.DnsResourceRecord, T?> map)
        where T : class
    {
        bool authenticated = response.Header.IsAuthenticData;
        switch (response.Header.ResponseCode)
        {
            case DnsHeaderResponseCode.NoError:
                // Records of the asked type anywhere in the answer: the resolver put the CNAME chain first and the
                // records of its target after (RFC 1034 §4.3.2). RRSIGs and the chain itself are left out.
                var records = new List<T>();
                foreach (var record in response.Answers)
                {
                    if ((int)record.RecordType == (int)type && map(record) is { } value)
                    {
                        records.Add(value);
                    }
                }

                return DnsResult.Found(name, type, records, authenticated);
            case DnsHeaderResponseCode.NotExistentDomain:
                return DnsResult.NxDomain<T>(name, type, authenticated);
            default:
                return DnsResult.TemporaryFailure<T>(name, type, $"{response.Header.ResponseCode} from {response.NameServer}");
        }
    }

    private static string NameOf(DnsString name)
    {
        string value = name.Value;
        return value == "." ? value : value.TrimEnd('.');
    }
}
