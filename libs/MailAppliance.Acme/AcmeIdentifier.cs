using System.Text.Json;

namespace MailAppliance.Acme;

/// <summary>An identifier an order covers (RFC 8555 §9.7.7): for us always <c>dns</c> names.</summary>
/// <param name="Type">The identifier type, <c>dns</c>.</param>
/// <param name="Value">The name, lower-case; <c>*.example.com</c> for a wildcard order (§7.1.3).</param>
public sealed record AcmeIdentifier(string Type, string Value)
{
    /// <summary>A DNS name identifier.</summary>
    public static AcmeIdentifier Dns(string name) => new("dns", name.Trim().TrimEnd('.').ToLowerInvariant());

    internal static AcmeIdentifier Parse(JsonElement element) =>
        new(AcmeJson.RequiredString(element, "type", "identifier"), AcmeJson.RequiredString(element, "value", "identifier"));

    /// <inheritdoc />
    public override string ToString() => $"{Type}:{Value}";
}
