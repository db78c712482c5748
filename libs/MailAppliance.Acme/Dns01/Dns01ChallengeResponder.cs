using System.Buffers.Text;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace MailAppliance.Acme.Dns01;

/// <summary>Where and how DNS-01 records are published.</summary>
/// <param name="Server">The zone's primary, accepting updates.</param>
/// <param name="Zone">The zone holding the <c>_acme-challenge</c> names.</param>
/// <param name="Key">TSIG key, or null for an unsigned update (only for servers that allow by address).</param>
/// <param name="Ttl">TTL of the TXT records.</param>
/// <param name="PropagationDelay">Wait after the update before the CA is asked to look.</param>
public sealed record Dns01Settings(IPEndPoint Server, string Zone, TsigKey? Key, uint Ttl, TimeSpan PropagationDelay);

/// <summary>
/// DNS-01 (RFC 8555 §8.4): a TXT record <c>_acme-challenge.&lt;name&gt;</c> holding base64url(SHA-256(key
/// authorization)), added and removed with RFC 2136 dynamic updates signed with TSIG. Works with bind9, Knot,
/// PowerDNS and any server that accepts TSIG-signed updates.
/// </summary>
public sealed class Dns01ChallengeResponder : IChallengeResponder
{
    private readonly Dns01Settings _settings;
    private readonly DnsUpdateClient _client;
    private readonly ILogger _logger;

    /// <summary>Creates the responder.</summary>
    public Dns01ChallengeResponder(Dns01Settings settings, ILogger? logger = null, TimeProvider? clock = null)
    {
        _settings = settings;
        _client = new DnsUpdateClient(settings.Server, settings.Key, clock);
        _logger = logger ?? NullLogger.Instance;
    }

    /// <inheritdoc />
    public string ChallengeType => AcmeChallenge.Dns01;

    /// <summary>The TXT owner for an identifier (RFC 8555 §8.4; a wildcard's authorization names the base domain).</summary>
    public static string RecordName(AcmeIdentifier identifier) => "_acme-challenge." + identifier.Value.TrimStart('*', '.');

    /// <summary>The TXT value: base64url(SHA-256(key authorization)) (RFC 8555 §8.4).</summary>
    public static string RecordValue(string keyAuthorization) => Base64Url.EncodeToString(SHA256.HashData(Encoding.ASCII.GetBytes(keyAuthorization)));

    /// <inheritdoc />
    public async Task PrepareAsync(AcmeAuthorization authorization, AcmeChallenge challenge, string keyAuthorization, CancellationToken cancellationToken)
    {
        string name = RecordName(authorization.Identifier);
        await UpdateAsync(DnsUpdate.AddTxt(name, RecordValue(keyAuthorization), _settings.Ttl), "add", cancellationToken);
        if (_settings.PropagationDelay > TimeSpan.Zero)
        {
            await Task.Delay(_settings.PropagationDelay, cancellationToken);
        }
    }

    /// <inheritdoc />
    public async Task CleanupAsync(AcmeAuthorization authorization, AcmeChallenge challenge, string keyAuthorization, CancellationToken cancellationToken)
    {
        try
        {
            await UpdateAsync(DnsUpdate.DeleteTxt(RecordName(authorization.Identifier), RecordValue(keyAuthorization)), "delete", cancellationToken);
        }
        catch (Exception e) when (e is IOException or System.Net.Sockets.SocketException or AcmeProtocolException or OperationCanceledException)
        {
            // A leftover TXT record does no harm beyond clutter; the certificate matters more.
            _logger.LogWarning("could not remove the DNS-01 record for {Name}: {Reason}", authorization.Identifier.Value, e.Message);
        }
    }

    private async Task UpdateAsync(DnsUpdate update, string action, CancellationToken cancellationToken)
    {
        var result = await _client.SendAsync(_settings.Zone, [update], cancellationToken);
        if (!result.Succeeded)
        {
            throw new AcmeProtocolException($"DNS UPDATE ({action} TXT {update.Name} in zone {_settings.Zone} at {_settings.Server}) answered {result}");
        }

        _logger.LogInformation("DNS UPDATE: {Action} TXT {Name} in zone {Zone} at {Server}: {Result}{Signed}", action, update.Name, _settings.Zone,
            _settings.Server, result, result.Signed ? " (TSIG verified)" : string.Empty);
    }
}
