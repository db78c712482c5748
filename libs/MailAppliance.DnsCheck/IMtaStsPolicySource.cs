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

    /// <summary>A handler that refuses redirects (RFC 8461 §3.3: "HTTP 3xx redirects MUST NOT be followed").</summary>
    public static HttpMessageHandler CreateHandler() => new SocketsHttpHandler { AllowAutoRedirect = false, ConnectTimeout = TimeSpan.FromSeconds(10) };

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
