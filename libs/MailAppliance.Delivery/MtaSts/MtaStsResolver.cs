using System.Collections.Concurrent;
using System.Net;
using System.Text;
using MailAppliance.Dns;
using MailAppliance.DnsRecords;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace MailAppliance.Delivery.MtaSts;

/// <summary>A policy in force for a domain, with when it stops being valid (RFC 8461 §5.1).</summary>
/// <param name="Domain">The policy domain.</param>
/// <param name="Id">The <c>id</c> of the TXT record the policy was fetched under.</param>
/// <param name="Policy">The policy.</param>
/// <param name="Expires">Fetch time plus max_age.</param>
public sealed record CachedMtaStsPolicy(string Domain, string Id, MtaStsPolicy Policy, DateTimeOffset Expires)
{
    /// <summary>
    /// True when <paramref name="mxHost"/> matches one of the policy's mx patterns (RFC 8461 §4.1): exact, or a
    /// <c>*.</c> wildcard that stands for exactly one leftmost label.
    /// </summary>
    public bool Allows(string mxHost)
    {
        string host = mxHost.TrimEnd('.').ToLowerInvariant();
        foreach (string pattern in Policy.Mx)
        {
            string p = pattern.TrimEnd('.').ToLowerInvariant();
            if (p.StartsWith("*.", StringComparison.Ordinal))
            {
                int dot = host.IndexOf('.', StringComparison.Ordinal);
                if (dot > 0 && host[(dot + 1)..] == p[2..])
                {
                    return true;
                }
            }
            else if (host == p)
            {
                return true;
            }
        }

        return false;
    }
}

/// <summary>
/// Finds the MTA-STS policy of a destination (RFC 8461 §3, §5): the <c>_mta-sts</c> TXT record, then the policy
/// file over HTTPS with a validated certificate, cached for max_age. A cached policy stays in force when a later
/// lookup or fetch fails (§5.1), so an attacker who blocks the fetch cannot downgrade delivery.
/// </summary>
public class MtaStsResolver
{
    /// <summary>Largest policy body accepted (RFC 8461 §3.3 suggests a small limit; 64 KiB).</summary>
    public const int MaxPolicyBytes = 64 * 1024;

    private readonly IDnsResolver _dns;
    private readonly HttpClient _http;
    private readonly TimeProvider _clock;
    private readonly ILogger _logger;
    private readonly ConcurrentDictionary<string, CachedMtaStsPolicy> _cache = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>Creates a resolver. <paramref name="http"/> must validate certificates and not follow redirects (§3.3).</summary>
    public MtaStsResolver(IDnsResolver dns, HttpClient http, TimeProvider? clock = null, ILogger? logger = null)
    {
        _dns = dns;
        _http = http;
        _clock = clock ?? TimeProvider.System;
        _logger = logger ?? NullLogger.Instance;
    }

    /// <summary>The HTTP handler RFC 8461 §3.3 asks for: certificate validated (with optional extra roots), no redirects.</summary>
    /// <param name="dns">Resolves the policy host, so the fetch uses the same DNS as delivery (never the system resolver).</param>
    /// <param name="trustedRoots">Extra trust anchors (a private CA), or null.</param>
    public static HttpMessageHandler CreateHandler(IDnsResolver dns, System.Security.Cryptography.X509Certificates.X509Certificate2Collection? trustedRoots = null)
    {
        var handler = new SocketsHttpHandler
        {
            AllowAutoRedirect = false,
            ConnectTimeout = TimeSpan.FromSeconds(20),
            ConnectCallback = async (context, cancellationToken) =>
            {
                var addresses = await dns.LookupAddressesAsync(context.DnsEndPoint.Host, cancellationToken);
                if (addresses.Status != DnsLookupStatus.Found || addresses.Records.Count == 0)
                {
                    throw new HttpRequestException($"{context.DnsEndPoint.Host} has no address ({addresses.Status})");
                }

                Exception? last = null;
                foreach (var address in addresses.Records)
                {
                    var socket = new System.Net.Sockets.Socket(address.AddressFamily, System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Tcp) { NoDelay = true };
                    try
                    {
                        await socket.ConnectAsync(new IPEndPoint(address, context.DnsEndPoint.Port), cancellationToken);
                        return new System.Net.Sockets.NetworkStream(socket, ownsSocket: true);
                    }
                    catch (System.Net.Sockets.SocketException e)
                    {
                        socket.Dispose();
                        last = e;
                    }
                }

                throw new HttpRequestException($"could not connect to {context.DnsEndPoint.Host}: {last?.Message}", last);
            },
        };
        if (trustedRoots is { Count: > 0 })
        {
            handler.SslOptions.RemoteCertificateValidationCallback = (_, certificate, chain, errors) =>
                TrustedRootValidation.Validate(certificate, chain, errors, trustedRoots) == System.Net.Security.SslPolicyErrors.None;
        }

        return handler;
    }

    /// <summary>The policy in force for <paramref name="domain"/>, or null when it has none (or none could be fetched and none is cached).</summary>
    public async Task<CachedMtaStsPolicy?> GetPolicyAsync(string domain, CancellationToken cancellationToken = default)
    {
        domain = domain.TrimEnd('.').ToLowerInvariant();
        var now = _clock.GetUtcNow();
        _cache.TryGetValue(domain, out var cached);
        if (cached is not null && cached.Expires <= now)
        {
            _cache.TryRemove(domain, out _);
            cached = null;
        }

        var txt = await _dns.LookupTxtAsync("_mta-sts." + domain, cancellationToken);
        string? id = null;
        if (txt.Status == DnsLookupStatus.Found)
        {
            var records = txt.Records.Where(r => r.Text.StartsWith("v=STSv1", StringComparison.Ordinal)).ToList();
            // RFC 8461 §3.1: more than one record, or one that does not parse, means no policy (but a cached one stays).
            if (records.Count == 1)
            {
                try
                {
                    id = MtaStsRecord.Parse(records[0].Text).Id;
                }
                catch (DnsRecordFormatException e)
                {
                    _logger.LogWarning("MTA-STS record of {Domain} does not parse: {Problem}", domain, e.Message);
                }
            }
        }

        if (id is null)
        {
            return cached;
        }

        if (cached is not null && cached.Id == id)
        {
            return cached;
        }

        var fetched = await FetchAsync(domain, id, now, cancellationToken);
        if (fetched is null)
        {
            return cached;
        }

        if (fetched.Policy.Mode == MtaStsMode.None)
        {
            _cache.TryRemove(domain, out _);
            return null;
        }

        _cache[domain] = fetched;
        return fetched;
    }

    private async Task<CachedMtaStsPolicy?> FetchAsync(string domain, string id, DateTimeOffset now, CancellationToken cancellationToken)
    {
        string url = MtaStsPolicy.Url(domain);
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(TimeSpan.FromSeconds(60));
            using var response = await _http.GetAsync(url, HttpCompletionOption.ResponseHeadersRead, timeout.Token);
            if (response.StatusCode != HttpStatusCode.OK)
            {
                // RFC 8461 §3.3: only a 200 is a policy; redirects are not followed.
                _logger.LogWarning("MTA-STS policy of {Domain}: {Url} answered {Status}", domain, url, (int)response.StatusCode);
                return null;
            }

            await using var body = await response.Content.ReadAsStreamAsync(timeout.Token);
            byte[] buffer = new byte[MaxPolicyBytes + 1];
            int length = 0;
            int n;
            while (length < buffer.Length && (n = await body.ReadAsync(buffer.AsMemory(length), timeout.Token)) > 0)
            {
                length += n;
            }

            if (length > MaxPolicyBytes)
            {
                _logger.LogWarning("MTA-STS policy of {Domain} is larger than {Max} bytes: ignored", domain, MaxPolicyBytes);
                return null;
            }

            var policy = MtaStsPolicy.Parse(Encoding.UTF8.GetString(buffer, 0, length));
            return new CachedMtaStsPolicy(domain, id, policy, now + TimeSpan.FromSeconds(Math.Min(policy.MaxAge, MtaStsPolicy.MaxMaxAge)));
        }
        catch (Exception e) when (e is HttpRequestException or OperationCanceledException or DnsRecordFormatException or IOException
                                      && !cancellationToken.IsCancellationRequested)
        {
            _logger.LogWarning("MTA-STS policy of {Domain} could not be fetched from {Url}: {Problem}", domain, url, e.Message);
            return null;
        }
    }
}
