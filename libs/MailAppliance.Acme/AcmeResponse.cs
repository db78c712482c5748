using System.Net;
using System.Text.Json;

namespace MailAppliance.Acme;

/// <summary>What an ACME request returned: status, Location, Retry-After, and the body (JSON or text).</summary>
/// <param name="Status">HTTP status.</param>
/// <param name="Location">The Location header: the URL of a created account or order (RFC 8555 §7.3, §7.4).</param>
/// <param name="RetryAfter">How long the server asked us to wait before polling again (RFC 8555 §7.4, §8.2).</param>
/// <param name="Body">The body as text.</param>
public sealed record AcmeResponse(HttpStatusCode Status, Uri? Location, TimeSpan? RetryAfter, string Body)
{
    /// <summary>The body parsed as JSON.</summary>
    /// <exception cref="AcmeProtocolException">The body is not JSON.</exception>
    public JsonElement Json()
    {
        try
        {
            using var document = JsonDocument.Parse(Body);
            return document.RootElement.Clone();
        }
        catch (JsonException e)
        {
            throw new AcmeProtocolException($"the ACME server answered HTTP {(int)Status} with a body that is not JSON: {Truncate(Body)}", e);
        }
    }

    private static string Truncate(string text) => text.Length <= 200 ? text : text[..200] + "...";
}
