using System.Net;
using MailAppliance.Acme;
using MailAppliance.Acme.Dns01;

namespace MailAppliance.CertManager;

/// <summary>How CertManager obtains certificates.</summary>
public enum CertManagerMode
{
    /// <summary>Issue and renew through ACME (RFC 8555).</summary>
    Acme,

    /// <summary>Another tool (certbot, acme.sh) renews; CertManager copies its files in and signals the relay.</summary>
    External,

    /// <summary>No certificate is managed: the relay serves its own self-signed fallback (development).</summary>
    None,
}

/// <summary>The <c>CertManager</c> section of appliance.json. Every property is listed in docs/configuration.md.</summary>
public sealed class CertManagerOptions
{
    /// <summary>The configuration section.</summary>
    public const string Section = "CertManager";

    /// <summary>Let's Encrypt production.</summary>
    public const string LetsEncryptProduction = "https://acme-v02.api.letsencrypt.org/directory";

    /// <summary>Let's Encrypt staging (untrusted certificates, generous rate limits).</summary>
    public const string LetsEncryptStaging = "https://acme-staging-v02.api.letsencrypt.org/directory";

    /// <summary>
    /// <c>Acme</c> (issue and renew), <c>External</c> (copy files another tool renews) or <c>None</c>. Unset: Acme,
    /// except None when the directory is the default and every name is a special-use name (see <see cref="EffectiveMode"/>).
    /// </summary>
    public CertManagerMode? Mode { get; set; }

    /// <summary>The ACME directory URL. Default Let's Encrypt production.</summary>
    public string DirectoryUrl { get; set; } = LetsEncryptProduction;

    /// <summary>Names on the certificate; default the top-level Hostname. <c>*.example.com</c> needs dns-01.</summary>
    public List<string> Names { get; set; } = [];

    /// <summary>Directory under config/certs; default the first name (a wildcard's <c>*.</c> becomes <c>_wildcard.</c>).</summary>
    public string? CertificateName { get; set; }

    /// <summary>Contact address for the CA's expiry and policy notices (optional).</summary>
    public string? Email { get; set; }

    /// <summary>Agree to the CA's terms of service when creating the account (RFC 8555 §7.3.3). Default false.</summary>
    public bool AgreeToTermsOfService { get; set; }

    /// <summary>External account binding key id (RFC 8555 §7.3.4), for CAs that require one.</summary>
    public string? ExternalAccountKeyId { get; set; }

    /// <summary>External account binding HMAC key, base64url as the CA hands it out.</summary>
    public string? ExternalAccountHmacKey { get; set; }

    /// <summary>Certificate key type: <c>EcdsaP256</c> (default) or <c>Rsa2048</c>.</summary>
    public CertificateKeyAlgorithm KeyAlgorithm { get; set; } = CertificateKeyAlgorithm.EcdsaP256;

    /// <summary>Challenge type: <c>http-01</c> (default) or <c>dns-01</c>.</summary>
    public string Challenge { get; set; } = AcmeChallenge.Http01;

    /// <summary>Address the HTTP-01 responder listens on during an issuance. Default 0.0.0.0.</summary>
    public string Http01Address { get; set; } = "0.0.0.0";

    /// <summary>Port of the HTTP-01 responder (80, or the port a proxy forwards /.well-known/acme-challenge/ to). Default 80.</summary>
    public int Http01Port { get; set; } = 80;

    /// <summary>Without ARI, renew when this share of the lifetime remains. Default 0.3333 (a third).</summary>
    public double RenewBefore { get; set; } = 1.0 / 3;

    /// <summary>Health is Unhealthy when less than this share of the lifetime remains (or the certificate expired). Default 0.1.</summary>
    public double UnhealthyBefore { get; set; } = 0.1;

    /// <summary>Longest sleep between two looks at the certificate. Default 01:00:00.</summary>
    public TimeSpan CheckInterval { get; set; } = TimeSpan.FromHours(1);

    /// <summary>First retry delay after a failed attempt; doubled per failure, with jitter. Default 00:01:00.</summary>
    public TimeSpan RetryMinimum { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>Longest retry delay. Default 06:00:00.</summary>
    public TimeSpan RetryMaximum { get; set; } = TimeSpan.FromHours(6);

    /// <summary>How long one authorization or order may stay pending. Default 00:03:00.</summary>
    public TimeSpan OrderTimeout { get; set; } = TimeSpan.FromMinutes(3);

    /// <summary>PEM file of roots trusted for the ACME server's HTTPS instead of the system's (a private CA, Pebble).</summary>
    public string? TrustedRootsFile { get; set; }

    /// <summary>The relay's admin base URL, for POST /admin/reload and GET /admin/tls; empty disables. Default http://127.0.0.1:8025.</summary>
    public string? RelayAdminUrl { get; set; } = "http://127.0.0.1:8025";

    /// <summary>Container of the relay to send SIGHUP through the Docker Engine API after a write; unset skips it.</summary>
    public string? RelayContainer { get; set; }

    /// <summary>The Docker Engine endpoint. Default unix:///var/run/docker.sock.</summary>
    public string DockerEndpoint { get; set; } = "unix:///var/run/docker.sock";

    /// <summary>External mode: the certificate chain another tool writes (e.g. /etc/letsencrypt/live/NAME/fullchain.pem).</summary>
    public string? ExternalCertificateFile { get; set; }

    /// <summary>External mode: the private key another tool writes (e.g. /etc/letsencrypt/live/NAME/privkey.pem).</summary>
    public string? ExternalKeyFile { get; set; }

    /// <summary>DNS-01 through RFC 2136 dynamic updates.</summary>
    public Dns01Options Dns01 { get; set; } = new();

    /// <summary>
    /// The mode in force. Unset means Acme, except that with the default (public) directory and only names
    /// under special-use TLDs (RFC 6761 §6.2-6.5, RFC 2606: test, example, invalid, localhost) it means None: no
    /// public CA issues for those names, so asking one would only fail, and would send the request off the
    /// machine from a development setup.
    /// </summary>
    public CertManagerMode EffectiveMode(string hostname) =>
        Mode ?? (DirectoryUrl == LetsEncryptProduction && EffectiveNames(hostname).All(IsSpecialUseName) ? CertManagerMode.None : CertManagerMode.Acme);

    /// <summary>True for names under test, example, invalid or localhost (RFC 6761, RFC 2606).</summary>
    public static bool IsSpecialUseName(string name)
    {
        string tld = name.TrimEnd('.')[(name.TrimEnd('.').LastIndexOf('.') + 1)..].ToLowerInvariant();
        return tld is "test" or "example" or "invalid" or "localhost";
    }

    /// <summary>The names, or the host name when none are configured.</summary>
    public IReadOnlyList<string> EffectiveNames(string hostname) =>
        (Names.Count > 0 ? Names : [hostname]).Select(n => n.Trim().TrimEnd('.').ToLowerInvariant()).Where(n => n.Length > 0).Distinct().ToList();

    /// <summary>The directory name under config/certs.</summary>
    public string EffectiveCertificateName(string hostname) =>
        CertificateName is { Length: > 0 } name ? name : EffectiveNames(hostname)[0].Replace("*.", "_wildcard.", StringComparison.Ordinal);
}

/// <summary>The <c>CertManager:Dns01</c> section: where and how to publish <c>_acme-challenge</c> TXT records.</summary>
public sealed class Dns01Options
{
    /// <summary>The primary server accepting updates, <c>ip</c> or <c>ip:port</c> (port 53 by default).</summary>
    public string? Server { get; set; }

    /// <summary>The zone the challenge records go into (e.g. <c>example.com</c>); required for dns-01.</summary>
    public string? Zone { get; set; }

    /// <summary>TSIG key name (as in the server's <c>key "name" { ... }</c>).</summary>
    public string? TsigKeyName { get; set; }

    /// <summary>TSIG secret, base64 (as in the server's key statement).</summary>
    public string? TsigSecret { get; set; }

    /// <summary>TSIG algorithm: <c>hmac-sha256</c> (default) or <c>hmac-sha512</c>.</summary>
    public string TsigAlgorithm { get; set; } = "hmac-sha256";

    /// <summary>TTL of the challenge TXT record. Default 60 (seconds).</summary>
    public int Ttl { get; set; } = 60;

    /// <summary>Wait after the update before asking the CA to validate (secondaries catching up). Default 00:00:00.</summary>
    public TimeSpan PropagationDelay { get; set; } = TimeSpan.Zero;

    /// <summary>The settings the DNS-01 responder runs with.</summary>
    /// <exception cref="FormatException">Server is not <c>ip</c>/<c>ip:port</c>, or the secret is not base64.</exception>
    public Dns01Settings ToSettings()
    {
        string server = Server ?? throw new FormatException("Server is not set");
        var endpoint = IPEndPoint.TryParse(server, out var parsed) ? parsed : throw new FormatException($"Server '{server}' is not ip or ip:port");
        if (endpoint.Port == 0)
        {
            endpoint.Port = 53;
        }

        TsigKey? key = null;
        if (TsigKeyName is { Length: > 0 } name)
        {
            try
            {
                key = TsigKey.FromBase64(name, TsigAlgorithm, TsigSecret ?? throw new FormatException("TsigSecret is not set"));
            }
            catch (ArgumentException e)
            {
                throw new FormatException(e.Message, e);
            }
        }

        return new Dns01Settings(endpoint, Zone ?? throw new FormatException("Zone is not set"), key, (uint)Math.Max(0, Ttl), PropagationDelay);
    }
}
