using System.Text.Json;

namespace MailAppliance.Acme;

/// <summary>An authorization: proof of control over one identifier (RFC 8555 §7.1.4).</summary>
/// <param name="Url">The authorization URL.</param>
/// <param name="Identifier">The name, without the <c>*.</c> of a wildcard (§7.1.4).</param>
/// <param name="Status">pending, valid, invalid, deactivated, expired or revoked.</param>
/// <param name="Wildcard">True when the order asked for <c>*.</c> + the identifier.</param>
/// <param name="Challenges">The ways the server offers to prove control.</param>
public sealed record AcmeAuthorization(Uri Url, AcmeIdentifier Identifier, string Status, bool Wildcard, IReadOnlyList<AcmeChallenge> Challenges)
{
    internal static AcmeAuthorization Parse(Uri url, JsonElement element) => new(
        url,
        AcmeIdentifier.Parse(element.GetProperty("identifier")),
        AcmeJson.RequiredString(element, "status", "authorization"),
        element.TryGetProperty("wildcard", out var w) && w.ValueKind == JsonValueKind.True,
        AcmeJson.Array(element, "challenges").Select(AcmeChallenge.Parse).ToList());

    /// <summary>The first failed challenge's problem, to say why an invalid authorization failed.</summary>
    public AcmeProblem? FirstError => Challenges.Select(c => c.Error).FirstOrDefault(e => e is not null);
}
