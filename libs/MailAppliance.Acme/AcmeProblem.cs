using System.Text.Json;

namespace MailAppliance.Acme;

/// <summary>
/// An ACME problem document (RFC 8555 §6.7, RFC 7807): the server's typed reason for refusing a request or
/// failing a challenge, an authorization or an order.
/// </summary>
/// <param name="Type">The problem type, e.g. <c>urn:ietf:params:acme:error:badNonce</c>.</param>
/// <param name="Detail">Human-readable explanation, when the server gave one.</param>
/// <param name="Status">The HTTP status the server reported in the document, if any.</param>
/// <param name="Subproblems">Per-identifier problems (RFC 8555 §6.7.1).</param>
public sealed record AcmeProblem(string Type, string? Detail, int? Status, IReadOnlyList<AcmeProblem> Subproblems)
{
    /// <summary>Prefix of the problem types RFC 8555 §6.7 defines.</summary>
    public const string ErrorPrefix = "urn:ietf:params:acme:error:";

    /// <summary>The nonce was stale or unknown; retry with a fresh one (RFC 8555 §6.5).</summary>
    public const string BadNonce = ErrorPrefix + "badNonce";

    /// <summary>The request exceeds a rate limit (RFC 8555 §6.6).</summary>
    public const string RateLimited = ErrorPrefix + "rateLimited";

    /// <summary>The account does not exist (RFC 8555 §7.3.1).</summary>
    public const string AccountDoesNotExist = ErrorPrefix + "accountDoesNotExist";

    /// <summary>The server requires external account binding (RFC 8555 §7.3.4).</summary>
    public const string ExternalAccountRequired = ErrorPrefix + "externalAccountRequired";

    /// <summary>The server requires agreement to its terms of service (RFC 8555 §7.3.3).</summary>
    public const string UserActionRequired = ErrorPrefix + "userActionRequired";

    /// <summary>The type without the ACME prefix (<c>badNonce</c>), or the whole type for other namespaces.</summary>
    public string ShortType => Type.StartsWith(ErrorPrefix, StringComparison.Ordinal) ? Type[ErrorPrefix.Length..] : Type;

    /// <summary>Reads a problem document; a document without <c>type</c> is <c>about:blank</c> (RFC 7807 §4.2).</summary>
    public static AcmeProblem Parse(JsonElement element)
    {
        string type = element.TryGetProperty("type", out var t) && t.ValueKind == JsonValueKind.String ? t.GetString()! : "about:blank";
        string? detail = element.TryGetProperty("detail", out var d) && d.ValueKind == JsonValueKind.String ? d.GetString() : null;
        int? status = element.TryGetProperty("status", out var s) && s.ValueKind == JsonValueKind.Number ? s.GetInt32() : null;
        var subproblems = new List<AcmeProblem>();
        if (element.TryGetProperty("subproblems", out var subs) && subs.ValueKind == JsonValueKind.Array)
        {
            foreach (var sub in subs.EnumerateArray())
            {
                if (sub.ValueKind == JsonValueKind.Object)
                {
                    subproblems.Add(Parse(sub));
                }
            }
        }

        return new AcmeProblem(type, detail, status, subproblems);
    }

    /// <inheritdoc />
    public override string ToString()
    {
        string text = Detail is null ? ShortType : $"{ShortType}: {Detail}";
        return Subproblems.Count == 0 ? text : $"{text} ({string.Join("; ", Subproblems)})";
    }
}
