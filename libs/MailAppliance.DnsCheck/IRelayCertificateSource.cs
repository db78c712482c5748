using System.Globalization;
using System.Text.Json;

namespace MailAppliance.DnsCheck;

/// <summary>The certificate the relay serves by default, as its admin API describes it.</summary>
/// <param name="Subject">The subject.</param>
/// <param name="DnsNames">The names it covers (subjectAltName dNSName).</param>
/// <param name="NotBefore">Start of validity.</param>
/// <param name="NotAfter">End of validity.</param>
/// <param name="SelfSigned">True for the relay's self-signed fallback.</param>
public sealed record RelayCertificate(string Subject, IReadOnlyList<string> DnsNames, DateTimeOffset NotBefore, DateTimeOffset NotAfter, bool SelfSigned);

/// <summary>The outcome of asking the relay: the certificate, or what went wrong.</summary>
/// <param name="Url">The URL asked.</param>
/// <param name="Certificate">The certificate, or null.</param>
/// <param name="Problem">Why there is none, or null.</param>
public sealed record RelayCertificateFetch(string Url, RelayCertificate? Certificate, string? Problem);

/// <summary>Says which certificate the relay serves; a seam so tests need no relay.</summary>
public interface IRelayCertificateSource
{
    /// <summary>Asks the relay for the certificate it serves.</summary>
    /// <exception cref="OperationCanceledException">The token was canceled.</exception>
    Task<RelayCertificateFetch> GetAsync(CancellationToken cancellationToken = default);
}

/// <summary>Reads <c>GET {admin URL}/admin/tls</c> of SmtpRelay (its <c>default</c> certificate).</summary>
public sealed class HttpRelayCertificateSource(HttpClient http, string adminUrl) : IRelayCertificateSource
{
    /// <summary>The path of the relay's TLS status.</summary>
    public const string Path = "/admin/tls";

    /// <summary>The URL asked.</summary>
    public string Url { get; } = adminUrl.TrimEnd('/') + Path;

    /// <inheritdoc />
    public async Task<RelayCertificateFetch> GetAsync(CancellationToken cancellationToken = default)
    {
        try
        {
            using var response = await http.GetAsync(Url, cancellationToken);
            if (!response.IsSuccessStatusCode)
            {
                return new RelayCertificateFetch(Url, null, $"HTTP {(int)response.StatusCode} {response.ReasonPhrase}");
            }

            using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync(cancellationToken));
            return new RelayCertificateFetch(Url, Parse(json.RootElement.GetProperty("default")), null);
        }
        catch (Exception e) when (e is HttpRequestException or JsonException or KeyNotFoundException or InvalidOperationException or FormatException ||
                                  (e is TaskCanceledException && !cancellationToken.IsCancellationRequested))
        {
            return new RelayCertificateFetch(Url, null, e.Message);
        }
    }

    /// <summary>Reads the relay's certificate description (<c>subject</c>, <c>dnsNames</c>, <c>notBefore</c>, <c>notAfter</c>, <c>selfSigned</c>).</summary>
    /// <exception cref="KeyNotFoundException">A property is missing.</exception>
    public static RelayCertificate Parse(JsonElement certificate) => new(
        certificate.GetProperty("subject").GetString() ?? string.Empty,
        certificate.GetProperty("dnsNames").EnumerateArray().Select(n => n.GetString() ?? string.Empty).ToArray(),
        DateTimeOffset.Parse(certificate.GetProperty("notBefore").GetString()!, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal),
        DateTimeOffset.Parse(certificate.GetProperty("notAfter").GetString()!, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal),
        certificate.TryGetProperty("selfSigned", out var selfSigned) && selfSigned.ValueKind == JsonValueKind.True);
}
