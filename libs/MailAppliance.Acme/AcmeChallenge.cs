using System.Text.Json;

namespace MailAppliance.Acme;

/// <summary>A challenge of an authorization (RFC 8555 §7.1.5, §8).</summary>
/// <param name="Type">Challenge type (<c>http-01</c>, <c>dns-01</c>, ...).</param>
/// <param name="Url">Where to POST the response and poll.</param>
/// <param name="Token">The token the key authorization is built from (§8.1).</param>
/// <param name="Status">pending, processing, valid or invalid.</param>
/// <param name="Error">Why validation failed.</param>
public sealed record AcmeChallenge(string Type, Uri Url, string Token, string Status, AcmeProblem? Error)
{
    /// <summary>HTTP-01 (RFC 8555 §8.3).</summary>
    public const string Http01 = "http-01";

    /// <summary>DNS-01 (RFC 8555 §8.4).</summary>
    public const string Dns01 = "dns-01";

    internal static AcmeChallenge Parse(JsonElement element) => new(
        AcmeJson.RequiredString(element, "type", "challenge"),
        AcmeJson.RequiredUri(element, "url", "challenge"),
        AcmeJson.OptionalString(element, "token") ?? string.Empty,
        AcmeJson.RequiredString(element, "status", "challenge"),
        AcmeJson.OptionalProblem(element, "error"));
}
