using System.Text.Json;

namespace MailAppliance.Acme;

/// <summary>ACME Renewal Information (RFC 9773 §4.2): the window in which the CA wants the certificate renewed.</summary>
/// <param name="WindowStart">Start of the suggested window.</param>
/// <param name="WindowEnd">End of the suggested window.</param>
/// <param name="ExplanationUrl">A page saying why the window moved (e.g. a revocation incident), if any.</param>
/// <param name="RetryAfter">When to ask again (RFC 9773 §4.3), if the server said.</param>
public sealed record AcmeRenewalInfo(DateTimeOffset WindowStart, DateTimeOffset WindowEnd, Uri? ExplanationUrl, TimeSpan? RetryAfter)
{
    internal static AcmeRenewalInfo Parse(JsonElement element, TimeSpan? retryAfter)
    {
        var window = element.TryGetProperty("suggestedWindow", out var w) ? w : throw new AcmeProtocolException("renewalInfo has no suggestedWindow");
        var start = AcmeJson.OptionalTime(window, "start") ?? throw new AcmeProtocolException("renewalInfo window has no start");
        var end = AcmeJson.OptionalTime(window, "end") ?? throw new AcmeProtocolException("renewalInfo window has no end");
        if (end <= start)
        {
            // RFC 9773 §4.2: a window whose end is not after its start is invalid and must be ignored.
            throw new AcmeProtocolException($"renewalInfo window ends ({end:u}) before it starts ({start:u})");
        }

        return new AcmeRenewalInfo(start, end, AcmeJson.OptionalUri(element, "explanationURL"), retryAfter);
    }

    /// <summary>
    /// A time picked uniformly at random inside the window (RFC 9773 §4.2), so that many clients do not renew
    /// at the same instant.
    /// </summary>
    public DateTimeOffset PickRenewalTime(Random random) =>
        WindowStart + TimeSpan.FromTicks((long)(random.NextDouble() * (WindowEnd - WindowStart).Ticks));
}
