using System.Text.Json;

namespace MailAppliance.Acme;

/// <summary>An order for a certificate (RFC 8555 §7.1.3).</summary>
/// <param name="Url">The order URL (the Location of newOrder).</param>
/// <param name="Status">pending, ready, processing, valid or invalid.</param>
/// <param name="Identifiers">The names ordered.</param>
/// <param name="Authorizations">One authorization URL per identifier.</param>
/// <param name="Finalize">Where to send the CSR.</param>
/// <param name="Certificate">Where to download the certificate, once valid.</param>
/// <param name="Error">Why the order failed.</param>
public sealed record AcmeOrder(Uri Url, string Status, IReadOnlyList<AcmeIdentifier> Identifiers, IReadOnlyList<Uri> Authorizations,
    Uri Finalize, Uri? Certificate, AcmeProblem? Error)
{
    internal static AcmeOrder Parse(Uri url, JsonElement element) => new(
        url,
        AcmeJson.RequiredString(element, "status", "order"),
        AcmeJson.Array(element, "identifiers").Select(AcmeIdentifier.Parse).ToList(),
        AcmeJson.Array(element, "authorizations").Select(a => new Uri(a.GetString() ?? throw new AcmeProtocolException("an authorization URL is not a string"))).ToList(),
        AcmeJson.RequiredUri(element, "finalize", "order"),
        AcmeJson.OptionalUri(element, "certificate"),
        AcmeJson.OptionalProblem(element, "error"));
}
