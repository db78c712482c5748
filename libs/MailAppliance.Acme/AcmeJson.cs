using System.Text.Json;

namespace MailAppliance.Acme;

/// <summary>Reading the fields of ACME resources, with a clear error when a required one is missing.</summary>
internal static class AcmeJson
{
    public static string RequiredString(JsonElement element, string name, string resource) =>
        OptionalString(element, name) ?? throw new AcmeProtocolException($"the ACME {resource} has no \"{name}\"");

    public static string? OptionalString(JsonElement element, string name) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String
            ? value.GetString()
            : null;

    public static Uri RequiredUri(JsonElement element, string name, string resource) =>
        OptionalUri(element, name) ?? throw new AcmeProtocolException($"the ACME {resource} has no \"{name}\" URL");

    public static Uri? OptionalUri(JsonElement element, string name) =>
        OptionalString(element, name) is { } text && Uri.TryCreate(text, UriKind.Absolute, out var uri) ? uri : null;

    public static DateTimeOffset? OptionalTime(JsonElement element, string name) =>
        OptionalString(element, name) is { } text && DateTimeOffset.TryParse(text, System.Globalization.CultureInfo.InvariantCulture,
            System.Globalization.DateTimeStyles.AssumeUniversal, out var time) ? time : null;

    public static AcmeProblem? OptionalProblem(JsonElement element, string name) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Object
            ? AcmeProblem.Parse(value)
            : null;

    public static IEnumerable<JsonElement> Array(JsonElement element, string name) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Array
            ? value.EnumerateArray().ToList()
            : [];
}
