using System.Text.Json;
using System.Text.Json.Serialization;
using MailAppliance.Core;

namespace MailAppliance.Acme;

/// <summary>
/// What CertManager knows about one certificate beyond the files: the last attempt and its outcome, when the
/// next renewal or retry is due. Kept in <c>state/acme/&lt;name&gt;.json</c>; <c>mailctl cert status</c> reads it.
/// </summary>
public sealed record CertificateRenewalState
{
    /// <summary>The certificate directory name under config/certs.</summary>
    public required string Name { get; init; }

    /// <summary>The names the certificate is for.</summary>
    public IReadOnlyList<string> Names { get; init; } = [];

    /// <summary>Serial of the certificate last written.</summary>
    public string? Serial { get; init; }

    /// <summary>Expiry of the certificate last written.</summary>
    public DateTimeOffset? NotAfter { get; init; }

    /// <summary>When renewal is due (ARI window or the lifetime fraction).</summary>
    public DateTimeOffset? NextRenewal { get; init; }

    /// <summary>When the next attempt is planned (renewal time, or a retry after a failure).</summary>
    public DateTimeOffset? NextAttempt { get; init; }

    /// <summary>When the last attempt started.</summary>
    public DateTimeOffset? LastAttempt { get; init; }

    /// <summary>When the last certificate was obtained (issued or imported).</summary>
    public DateTimeOffset? LastSuccess { get; init; }

    /// <summary>Why the last attempt failed; null after a success.</summary>
    public string? LastError { get; init; }

    /// <summary>Failed attempts in a row.</summary>
    public int ConsecutiveFailures { get; init; }

    /// <summary>True when the relay reported serving <see cref="Serial"/> after the last write.</summary>
    public bool RelayConfirmed { get; init; }

    /// <summary>Where renewal timing came from: <c>ari</c> or <c>lifetime</c>.</summary>
    public string? RenewalSource { get; init; }

    private static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    /// <summary>The state file of <paramref name="name"/> in <paramref name="acmeDirectory"/>.</summary>
    public static string PathFor(string acmeDirectory, string name) => Path.Combine(acmeDirectory, name + ".json");

    /// <summary>Reads the state, or null when there is none or it cannot be read.</summary>
    public static CertificateRenewalState? Load(string path)
    {
        try
        {
            return File.Exists(path) ? JsonSerializer.Deserialize<CertificateRenewalState>(File.ReadAllText(path), Json) : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>Writes the state atomically.</summary>
    public void Save(string path) => SafeFile.WriteAllText(path, JsonSerializer.Serialize(this, Json) + "\n");
}
