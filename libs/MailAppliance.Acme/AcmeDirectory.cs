using System.Text.Json;

namespace MailAppliance.Acme;

/// <summary>The ACME directory (RFC 8555 §7.1.1): where each resource lives, and the server's metadata.</summary>
/// <param name="NewNonce">newNonce URL.</param>
/// <param name="NewAccount">newAccount URL.</param>
/// <param name="NewOrder">newOrder URL.</param>
/// <param name="RenewalInfo">ACME Renewal Information base URL (RFC 9773 §4), when offered.</param>
/// <param name="TermsOfService">The terms of service the account agrees to, if the server has any.</param>
/// <param name="ExternalAccountRequired">True when newAccount needs an external account binding (§7.3.4).</param>
public sealed record AcmeDirectory(Uri NewNonce, Uri NewAccount, Uri NewOrder, Uri? RenewalInfo, Uri? TermsOfService, bool ExternalAccountRequired)
{
    /// <summary>Reads a directory object.</summary>
    /// <exception cref="AcmeProtocolException">A required URL is missing.</exception>
    public static AcmeDirectory Parse(JsonElement element)
    {
        var meta = element.TryGetProperty("meta", out var m) && m.ValueKind == JsonValueKind.Object ? m : default;
        bool eab = meta.ValueKind == JsonValueKind.Object && meta.TryGetProperty("externalAccountRequired", out var e) && e.ValueKind == JsonValueKind.True;
        return new AcmeDirectory(
            AcmeJson.RequiredUri(element, "newNonce", "directory"),
            AcmeJson.RequiredUri(element, "newAccount", "directory"),
            AcmeJson.RequiredUri(element, "newOrder", "directory"),
            AcmeJson.OptionalUri(element, "renewalInfo"),
            AcmeJson.OptionalUri(meta, "termsOfService"),
            eab);
    }
}
