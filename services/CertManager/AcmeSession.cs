using MailAppliance.Acme;
using MailAppliance.Core;

namespace MailAppliance.CertManager;

/// <summary>
/// The ACME client with its account ready: key from <c>state/acme/account-key.pem</c> (made 0600 on first use),
/// account URL from <c>state/acme/account.json</c> or registered now (contact, terms of service, external
/// account binding as configured).
/// </summary>
public sealed class AcmeSession : IDisposable
{
    private readonly CertManagerOptions _options;
    private readonly ApplianceDirectories _directories;
    private readonly ILogger<AcmeSession> _logger;
    private readonly HttpClient _http;
    private readonly AcmeAccountKey _key;
    private AcmeClient? _client;

    /// <summary>Creates the session; nothing is sent until <see cref="GetClientAsync"/>.</summary>
    public AcmeSession(CertManagerOptions options, ApplianceDirectories directories, ILogger<AcmeSession> logger)
    {
        _options = options;
        _directories = directories;
        _logger = logger;
        _http = AcmeHttp.CreateClient(options.TrustedRootsFile);
        Directory.CreateDirectory(directories.Acme);
        _key = AcmeAccountKey.LoadOrCreate(Path.Combine(directories.Acme, AcmeAccountState.KeyFileName));
    }

    /// <summary>The client, registered.</summary>
    public async Task<AcmeClient> GetClientAsync(CancellationToken cancellationToken)
    {
        if (_client?.AccountUrl is not null)
        {
            return _client;
        }

        var directoryUrl = new Uri(_options.DirectoryUrl);
        var client = new AcmeClient(_http, directoryUrl, _key, _logger);
        if (AcmeAccountState.Load(_directories.Acme, directoryUrl) is { } saved)
        {
            client.AccountUrl = saved.AccountUrl;
        }
        else
        {
            (string, byte[])? eab = _options.ExternalAccountKeyId is { Length: > 0 } kid && _options.ExternalAccountHmacKey is { Length: > 0 } hmac
                ? (kid, System.Buffers.Text.Base64Url.DecodeFromChars(hmac.TrimEnd('=').Replace('+', '-').Replace('/', '_')))
                : null;
            string? email = _options.Email;
            await client.RegisterAsync(email is null ? [] : [email], _options.AgreeToTermsOfService, eab, cancellationToken);
            new AcmeAccountState(directoryUrl.AbsoluteUri, client.AccountUrl!).Save(_directories.Acme);
        }

        return _client = client;
    }

    /// <summary>Forgets the account (the CA no longer knows it): the next attempt registers again.</summary>
    public void ForgetAccount()
    {
        _client = null;
        File.Delete(Path.Combine(_directories.Acme, AcmeAccountState.FileName));
    }

    /// <inheritdoc />
    public void Dispose()
    {
        _http.Dispose();
        _key.Dispose();
    }
}
