using System.Net;
using System.Net.Sockets;
using MailAppliance.Dns;
using MailAppliance.DnsRecords;

namespace MailAppliance.DnsCheck;

/// <summary>The outcome of fetching a domain's MTA-STS policy: the text, or what went wrong.</summary>
/// <param name="Url">The URL asked.</param>
/// <param name="Text">The policy text, or null.</param>
/// <param name="Problem">Why there is no text (network, TLS, HTTP status), or null.</param>
public sealed record MtaStsPolicyFetch(string Url, string? Text, string? Problem);

/// <summary>Fetches MTA-STS policies; a seam so tests need no HTTPS server.</summary>
public interface IMtaStsPolicySource
{
    /// <summary>Fetches the policy of <paramref name="domain"/> from <c>https://mta-sts.domain/.well-known/mta-sts.txt</c>.</summary>
    /// <exception cref="OperationCanceledException">The token was canceled.</exception>
    Task<MtaStsPolicyFetch> FetchAsync(string domain, CancellationToken cancellationToken = default);
}

/// <summary>
/// Fetches the policy as senders do (RFC 8461 §3.3): HTTPS with a certificate valid for <c>mta-sts.domain</c>, no
/// redirects, status 200.
/// </summary>
public sealed class HttpsMtaStsPolicySource(HttpClient http) : IMtaStsPolicySource
{
    /// <summary>The longest policy read (RFC 8461 §3.3 suggests senders limit it; 64 KiB is generous).</summary>
    public const int MaxPolicyLength = 64 * 1024;

    /// <summary>
    /// A handler that refuses redirects (RFC 8461 §3.3: "HTTP 3xx redirects MUST NOT be followed") and, given a
    /// resolver, finds <c>mta-sts.domain</c> through it (AAAA, then A) rather than the system's, so the check asks the
    /// same DNS as every other check (<c>Dns:Servers</c>).
    /// </summary>
    public static SocketsHttpHandler CreateHandler(IDnsResolver? dns = null)
    {
        var handler = new SocketsHttpHandler { AllowAutoRedirect = false, ConnectTimeout = TimeSpan.FromSeconds(10) };
        if (dns is not null)
        {
            handler.ConnectCallback = (context, cancellationToken) => ConnectAsync(dns, context.DnsEndPoint, cancellationToken);
        }

        return handler;
    }

    private static async ValueTask<Stream> ConnectAsync(IDnsResolver dns, DnsEndPoint endpoint, CancellationToken cancellationToken)
    {
        IReadOnlyList<IPAddress> addresses = IPAddress.TryParse(endpoint.Host, out var literal)
            ? [literal]
            : (await dns.LookupAddressesAsync(endpoint.Host, cancellationToken)) switch
            {
                { IsFound: true } found => found.Records,
                var failed => throw new HttpRequestException($"{endpoint.Host} has no address ({failed.Status}{(failed.Error is null ? string.Empty : ": " + failed.Error)})"),
            };
        SocketException? last = null;
        foreach (var address in addresses)
        {
            var socket = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            try
            {
                await socket.ConnectAsync(new IPEndPoint(address, endpoint.Port), cancellationToken);
                return new NetworkStream(socket, ownsSocket: true);
            }
            catch (SocketException e)
            {
                socket.Dispose();
                last = e;
            }
        }

        throw new HttpRequestException($"cannot connect to {endpoint.Host} ({string.Join(", ", addresses)}): {last?.Message}", last);
    }

    /// <inheritdoc />
    public async Task<MtaStsPolicyFetch> FetchAsync(string domain, CancellationToken cancellationToken = default)
    {
        string url = MtaStsPolicy.Url(domain);
        try
        {
            using var response = await http.GetAsync(url, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
            if ((int)response.StatusCode != 200)
            {
                return new MtaStsPolicyFetch(url, null, $"HTTP {(int)response.StatusCode} {response.ReasonPhrase}");
            }

            byte[] body = await response.Content.ReadAsByteArrayAsync(cancellationToken);
            return body.Length > MaxPolicyLength
                ? new MtaStsPolicyFetch(url, null, $"the policy is longer than {MaxPolicyLength} octets")
                : new MtaStsPolicyFetch(url, System.Text.Encoding.UTF8.GetString(body), null);
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
        {
            return new MtaStsPolicyFetch(url, null, e.InnerException?.Message ?? e.Message);
        }
    }
}
