using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace MailAppliance.Acme;

/// <summary>
/// An RFC 8555 client for one directory and one account key: directory, nonces, JWS-signed POSTs (with badNonce
/// retries), account, orders, authorizations, challenges, finalize, certificate download, renewal information.
/// The steps of an issuance are composed by <see cref="AcmeCertificateIssuer"/>.
/// </summary>
public sealed class AcmeClient
{
    /// <summary>User-Agent sent with every request (RFC 8555 §6.1: clients must send one).</summary>
    public const string UserAgent = "MailAppliance-ACME/1.0";

    /// <summary>How many times a request refused with badNonce is signed again with a fresh nonce.</summary>
    public const int MaxBadNonceRetries = 5;

    private const string JoseContentType = "application/jose+json";

    private readonly HttpClient _http;
    private readonly ILogger _logger;
    private readonly ConcurrentBag<string> _nonces = [];
    private AcmeDirectory? _directory;

    /// <summary>Creates a client. The <paramref name="http"/> client decides which CA certificates are trusted.</summary>
    public AcmeClient(HttpClient http, Uri directoryUrl, AcmeAccountKey accountKey, ILogger? logger = null)
    {
        _http = http;
        DirectoryUrl = directoryUrl;
        AccountKey = accountKey;
        _logger = logger ?? NullLogger.Instance;
    }

    /// <summary>The directory URL.</summary>
    public Uri DirectoryUrl { get; }

    /// <summary>The account key every request is signed with.</summary>
    public AcmeAccountKey AccountKey { get; }

    /// <summary>The account URL (the JWS <c>kid</c>), once registered or set from saved state.</summary>
    public string? AccountUrl { get; set; }

    /// <summary>Fetches (once) the directory.</summary>
    public async Task<AcmeDirectory> GetDirectoryAsync(CancellationToken cancellationToken = default)
    {
        if (_directory is not null)
        {
            return _directory;
        }

        using var request = new HttpRequestMessage(HttpMethod.Get, DirectoryUrl);
        var response = await SendAsync(request, cancellationToken);
        ThrowIfProblem(response, DirectoryUrl);
        return _directory = AcmeDirectory.Parse(response.Json());
    }

    /// <summary>
    /// Creates the account, or finds the existing one for this key (RFC 8555 §7.3; the server answers 200 with
    /// the same Location for a key it knows), and remembers its URL as <see cref="AccountUrl"/>.
    /// </summary>
    /// <param name="contacts">Addresses for the CA's notices; <c>mailto:</c> is added.</param>
    /// <param name="termsOfServiceAgreed">Whether the operator agreed to the CA's terms (§7.3.3).</param>
    /// <param name="externalAccount">Key id and HMAC key for external account binding (§7.3.4), when the CA requires one.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <exception cref="AcmeProblemException">The server refused.</exception>
    public async Task<string> RegisterAsync(IEnumerable<string> contacts, bool termsOfServiceAgreed,
        (string KeyId, byte[] HmacKey)? externalAccount = null, CancellationToken cancellationToken = default)
    {
        var directory = await GetDirectoryAsync(cancellationToken);
        var payload = new Dictionary<string, object>
        {
            ["termsOfServiceAgreed"] = termsOfServiceAgreed,
            ["contact"] = contacts.Where(c => !string.IsNullOrWhiteSpace(c))
                .Select(c => c.StartsWith("mailto:", StringComparison.OrdinalIgnoreCase) ? c : "mailto:" + c.Trim()).ToArray(),
        };
        if (externalAccount is { } eab)
        {
            using var binding = JsonDocument.Parse(AcmeJws.ExternalAccountBinding(AccountKey, eab.KeyId, eab.HmacKey, directory.NewAccount));
            payload["externalAccountBinding"] = binding.RootElement.Clone();
        }
        else if (directory.ExternalAccountRequired)
        {
            throw new AcmeProblemException(new AcmeProblem(AcmeProblem.ExternalAccountRequired,
                "the CA requires external account binding: configure its key id and HMAC key", null, []), 0, null, directory.NewAccount);
        }

        // newAccount is the one request signed with the JWK rather than a kid (RFC 8555 §6.2).
        var response = await PostAsync(directory.NewAccount, JsonSerializer.SerializeToUtf8Bytes(payload), useJwk: true, cancellationToken);
        AccountUrl = response.Location?.AbsoluteUri ?? throw new AcmeProtocolException("newAccount answered without a Location (the account URL)");
        _logger.LogInformation("ACME account {Account} ({Status})", AccountUrl, response.Status == HttpStatusCode.Created ? "created" : "existing");
        return AccountUrl;
    }

    /// <summary>Places an order for <paramref name="identifiers"/> (RFC 8555 §7.4).</summary>
    /// <param name="identifiers">The names.</param>
    /// <param name="replaces">The ARI certificate id of the certificate this order replaces (RFC 9773 §5), if any.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    public async Task<AcmeOrder> NewOrderAsync(IEnumerable<AcmeIdentifier> identifiers, string? replaces = null, CancellationToken cancellationToken = default)
    {
        var directory = await GetDirectoryAsync(cancellationToken);
        var payload = new Dictionary<string, object>
        {
            ["identifiers"] = identifiers.Select(i => new Dictionary<string, string> { ["type"] = i.Type, ["value"] = i.Value }).ToArray(),
        };
        if (replaces is not null)
        {
            payload["replaces"] = replaces;
        }

        var response = await PostAsync(directory.NewOrder, JsonSerializer.SerializeToUtf8Bytes(payload), useJwk: false, cancellationToken);
        var url = response.Location ?? throw new AcmeProtocolException("newOrder answered without a Location (the order URL)");
        return AcmeOrder.Parse(url, response.Json());
    }

    /// <summary>Reads an order (POST-as-GET) and the Retry-After the server suggests for polling.</summary>
    public async Task<(AcmeOrder Order, TimeSpan? RetryAfter)> GetOrderAsync(Uri url, CancellationToken cancellationToken = default)
    {
        var response = await PostAsGetAsync(url, cancellationToken: cancellationToken);
        return (AcmeOrder.Parse(url, response.Json()), response.RetryAfter);
    }

    /// <summary>Reads an authorization (POST-as-GET) and the Retry-After the server suggests.</summary>
    public async Task<(AcmeAuthorization Authorization, TimeSpan? RetryAfter)> GetAuthorizationAsync(Uri url, CancellationToken cancellationToken = default)
    {
        var response = await PostAsGetAsync(url, cancellationToken: cancellationToken);
        return (AcmeAuthorization.Parse(url, response.Json()), response.RetryAfter);
    }

    /// <summary>Tells the server the challenge is ready to be validated: POST of <c>{}</c> (RFC 8555 §7.5.1).</summary>
    public async Task<AcmeChallenge> AnswerChallengeAsync(AcmeChallenge challenge, CancellationToken cancellationToken = default)
    {
        var response = await PostAsync(challenge.Url, "{}"u8.ToArray(), useJwk: false, cancellationToken);
        return AcmeChallenge.Parse(response.Json());
    }

    /// <summary>Sends the CSR (DER) to the order's finalize URL (RFC 8555 §7.4).</summary>
    public async Task<(AcmeOrder Order, TimeSpan? RetryAfter)> FinalizeAsync(AcmeOrder order, byte[] csrDer, CancellationToken cancellationToken = default)
    {
        var payload = new Dictionary<string, string> { ["csr"] = System.Buffers.Text.Base64Url.EncodeToString(csrDer) };
        var response = await PostAsync(order.Finalize, JsonSerializer.SerializeToUtf8Bytes(payload), useJwk: false, cancellationToken);
        return (AcmeOrder.Parse(order.Url, response.Json()), response.RetryAfter);
    }

    /// <summary>Downloads the certificate chain as PEM, leaf first (RFC 8555 §7.4.2, application/pem-certificate-chain).</summary>
    public async Task<string> DownloadCertificateAsync(Uri url, CancellationToken cancellationToken = default)
    {
        var response = await PostAsGetAsync(url, "application/pem-certificate-chain", cancellationToken);
        if (!response.Body.Contains("-----BEGIN CERTIFICATE-----", StringComparison.Ordinal))
        {
            throw new AcmeProtocolException("the certificate download holds no PEM certificate");
        }

        return response.Body;
    }

    /// <summary>
    /// Asks for the renewal window of <paramref name="certificate"/> (RFC 9773 §4.1). Null when the directory
    /// offers no renewalInfo or the certificate has no Authority Key Identifier.
    /// </summary>
    public async Task<AcmeRenewalInfo?> GetRenewalInfoAsync(X509Certificate2 certificate, CancellationToken cancellationToken = default)
    {
        var directory = await GetDirectoryAsync(cancellationToken);
        string? id = RenewalCertificateId(certificate);
        if (directory.RenewalInfo is null || id is null)
        {
            return null;
        }

        // RFC 9773 §4.1: an unauthenticated GET of <renewalInfo>/<certID>.
        var url = new Uri(directory.RenewalInfo.AbsoluteUri.TrimEnd('/') + "/" + id);
        using var request = new HttpRequestMessage(HttpMethod.Get, url);
        var response = await SendAsync(request, cancellationToken);
        ThrowIfProblem(response, url);
        return AcmeRenewalInfo.Parse(response.Json(), response.RetryAfter);
    }

    /// <summary>
    /// The ARI certificate identifier (RFC 9773 §4.1): base64url of the Authority Key Identifier's keyIdentifier,
    /// ".", base64url of the serial number's DER integer bytes. Null without an AKI.
    /// </summary>
    public static string? RenewalCertificateId(X509Certificate2 certificate)
    {
        var aki = certificate.Extensions.OfType<X509AuthorityKeyIdentifierExtension>().FirstOrDefault();
        if (aki?.KeyIdentifier is not { Length: > 0 } keyIdentifier)
        {
            return null;
        }

        return System.Buffers.Text.Base64Url.EncodeToString(keyIdentifier.Span) + "." +
               System.Buffers.Text.Base64Url.EncodeToString(certificate.SerialNumberBytes.Span);
    }

    /// <summary>POST-as-GET (RFC 8555 §6.3): a signed request with an empty payload.</summary>
    public Task<AcmeResponse> PostAsGetAsync(Uri url, string? accept = null, CancellationToken cancellationToken = default) =>
        PostCoreAsync(url, [], postAsGet: true, useJwk: false, accept, cancellationToken);

    /// <summary>A signed POST of <paramref name="payload"/> (JSON bytes).</summary>
    public Task<AcmeResponse> PostAsync(Uri url, byte[] payload, bool useJwk, CancellationToken cancellationToken = default) =>
        PostCoreAsync(url, payload, postAsGet: false, useJwk, accept: null, cancellationToken);

    private async Task<AcmeResponse> PostCoreAsync(Uri url, byte[] payload, bool postAsGet, bool useJwk, string? accept, CancellationToken cancellationToken)
    {
        if (!useJwk && AccountUrl is null)
        {
            throw new InvalidOperationException("register the ACME account before other requests");
        }

        for (int attempt = 0; ; attempt++)
        {
            string nonce = await TakeNonceAsync(cancellationToken);
            string body = AcmeJws.Sign(AccountKey, url, nonce, useJwk ? null : AccountUrl, payload, postAsGet);
            using var request = new HttpRequestMessage(HttpMethod.Post, url)
            {
                Content = new StringContent(body, Encoding.UTF8),
            };
            request.Content.Headers.ContentType = new MediaTypeHeaderValue(JoseContentType);
            if (accept is not null)
            {
                request.Headers.Accept.ParseAdd(accept);
            }

            var response = await SendAsync(request, cancellationToken);
            if (Problem(response) is { } problem)
            {
                // RFC 8555 §6.5: a badNonce error carries a fresh nonce (kept by SendAsync); sign again with it.
                if (problem.Type == AcmeProblem.BadNonce && attempt < MaxBadNonceRetries)
                {
                    _logger.LogDebug("ACME server refused a nonce for {Url}; retrying with a fresh one", url);
                    continue;
                }

                throw new AcmeProblemException(problem, (int)response.Status, response.RetryAfter, url);
            }

            if ((int)response.Status >= 400)
            {
                throw new AcmeProtocolException($"ACME request to {url} failed with HTTP {(int)response.Status}");
            }

            return response;
        }
    }

    private async Task<string> TakeNonceAsync(CancellationToken cancellationToken)
    {
        if (_nonces.TryTake(out string? nonce))
        {
            return nonce;
        }

        // RFC 8555 §7.2: HEAD newNonce answers with a Replay-Nonce.
        var directory = await GetDirectoryAsync(cancellationToken);
        using var request = new HttpRequestMessage(HttpMethod.Head, directory.NewNonce);
        await SendAsync(request, cancellationToken);
        return _nonces.TryTake(out nonce) ? nonce : throw new AcmeProtocolException("newNonce answered without a Replay-Nonce header");
    }

    private async Task<AcmeResponse> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        request.Headers.UserAgent.ParseAdd(UserAgent);
        using var activity = AcmeTelemetry.ActivitySource.StartActivity("acme " + request.Method.Method, ActivityKind.Client);
        activity?.SetTag("url.full", request.RequestUri?.AbsoluteUri);
        using var response = await _http.SendAsync(request, cancellationToken);
        if (response.Headers.TryGetValues("Replay-Nonce", out var nonces))
        {
            foreach (string nonce in nonces)
            {
                _nonces.Add(nonce);
            }
        }

        string body = response.Content is null ? string.Empty : await response.Content.ReadAsStringAsync(cancellationToken);
        activity?.SetTag("http.response.status_code", (int)response.StatusCode);
        var location = response.Headers.Location is { } l ? (l.IsAbsoluteUri ? l : new Uri(request.RequestUri!, l)) : null;
        return new AcmeResponse(response.StatusCode, location, RetryAfter(response), body);
    }

    private static TimeSpan? RetryAfter(HttpResponseMessage response)
    {
        var header = response.Headers.RetryAfter;
        if (header?.Delta is { } delta)
        {
            return delta;
        }

        if (header?.Date is { } date)
        {
            var wait = date - DateTimeOffset.UtcNow;
            return wait > TimeSpan.Zero ? wait : TimeSpan.Zero;
        }

        return null;
    }

    private static AcmeProblem? Problem(AcmeResponse response)
    {
        if ((int)response.Status < 400 || string.IsNullOrWhiteSpace(response.Body))
        {
            return null;
        }

        try
        {
            using var document = JsonDocument.Parse(response.Body);
            return document.RootElement.ValueKind == JsonValueKind.Object ? AcmeProblem.Parse(document.RootElement) : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static void ThrowIfProblem(AcmeResponse response, Uri url)
    {
        if (Problem(response) is { } problem)
        {
            throw new AcmeProblemException(problem, (int)response.Status, response.RetryAfter, url);
        }

        if ((int)response.Status >= 400)
        {
            throw new AcmeProtocolException($"GET {url} failed with HTTP {(int)response.Status}");
        }
    }
}
