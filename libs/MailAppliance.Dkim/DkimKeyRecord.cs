using System.Text;

namespace MailAppliance.Dkim;

/// <summary>
/// A DKIM key record, the TXT value at <c>selector._domainkey.domain</c> (RFC 6376 §3.6.1, RFC 8463 §4). The same
/// type formats the record to publish (<c>mailctl dkim keygen</c>, the DNS checks' expected records) and parses what
/// DNS serves (the verifier, the live checks), so the two cannot drift.
/// </summary>
public sealed class DkimKeyRecord
{
    /// <summary>The only version there is (RFC 6376 §3.6.1 v=).</summary>
    public const string Version1 = "DKIM1";

    /// <summary>The longest character-string a TXT record holds (RFC 1035 §3.3.14: a length octet, then up to 255).</summary>
    public const int MaxTxtStringLength = 255;

    /// <summary>The <c>v=</c> value, or null when the record has none (it is optional: RFC 6376 §3.6.1).</summary>
    public string? Version { get; init; } = Version1;

    /// <summary>The <c>k=</c> value as written (default <c>rsa</c>).</summary>
    public string KeyTypeName { get; init; } = "rsa";

    /// <summary>The key type, or null when <see cref="KeyTypeName"/> is unknown (such a record is ignored).</summary>
    public DkimKeyType? KeyType => DkimKeyTypes.TryParse(KeyTypeName, out var type) ? type : null;

    /// <summary>The acceptable hash algorithms (<c>h=</c>); empty means all (RFC 6376 §3.6.1 h=).</summary>
    public IReadOnlyList<string> HashAlgorithms { get; init; } = [];

    /// <summary>The service types (<c>s=</c>); empty means the default, <c>*</c>.</summary>
    public IReadOnlyList<string> ServiceTypes { get; init; } = [];

    /// <summary>The flags (<c>t=</c>): <c>y</c> testing, <c>s</c> strict identity (RFC 6376 §3.6.1 t=).</summary>
    public IReadOnlyList<string> Flags { get; init; } = [];

    /// <summary>Notes for humans (<c>n=</c>), or null.</summary>
    public string? Notes { get; init; }

    /// <summary>The public key data (<c>p=</c>); empty means the key is revoked (RFC 6376 §3.6.1 p=).</summary>
    public byte[] PublicKey { get; init; } = [];

    /// <summary>True when <c>p=</c> is empty: the key has been revoked.</summary>
    public bool IsRevoked => PublicKey.Length == 0;

    /// <summary>True with <c>t=y</c>: the domain is testing DKIM.</summary>
    public bool IsTesting => Flags.Contains("y");

    /// <summary>True with <c>t=s</c>: the <c>i=</c> domain must equal <c>d=</c>, not be a subdomain.</summary>
    public bool IsStrict => Flags.Contains("s");

    /// <summary>The record for a private key's public half, as <c>mailctl dkim keygen</c> prints it.</summary>
    public static DkimKeyRecord For(DkimPrivateKey key) => new()
    {
        KeyTypeName = key.KeyType.TagValue(),
        PublicKey = key.PublicKeyData(),
    };

    /// <summary>True when the record may be used for a signature with this algorithm (RFC 6376 §6.1.2 steps 6, 8).</summary>
    public bool Accepts(DkimAlgorithm algorithm, out string? problem)
    {
        problem = null;
        if (KeyType is not DkimKeyType type)
        {
            problem = $"the key record has the unknown key type k={KeyTypeName}";
        }
        else if (type != algorithm.KeyType())
        {
            problem = $"the key record is k={KeyTypeName}, but the signature is a={algorithm.TagValue()}";
        }
        else if (HashAlgorithms.Count > 0 && !HashAlgorithms.Contains(algorithm.HashName(), StringComparer.OrdinalIgnoreCase))
        {
            problem = $"the key record allows only h={string.Join(':', HashAlgorithms)}";
        }
        else if (ServiceTypes.Count > 0 && !ServiceTypes.Any(s => s is "*" or "email"))
        {
            // RFC 6376 §3.6.1 s=: "Verifiers for a given service type MUST ignore this record if the appropriate type
            // is not listed."
            problem = $"the key record is for s={string.Join(':', ServiceTypes)}, not email";
        }

        return problem is null;
    }

    /// <summary>Parses a record (the TXT strings already concatenated, RFC 6376 §3.6.2.2).</summary>
    /// <exception cref="DkimFormatException">The record breaks RFC 6376 §3.6.1; the message says how.</exception>
    public static DkimKeyRecord Parse(string text)
    {
        var tags = DkimTagList.Parse(text);
        string? version = tags["v"];
        // RFC 6376 §3.6.1 v=: "If specified, this tag MUST be set to DKIM1 ... This tag MUST be the first tag in the
        // record. Records beginning with a v= tag with any other value MUST be discarded."
        if (version is not null && (version != Version1 || tags.Tags[0].Name != "v"))
        {
            throw new DkimFormatException(version != Version1
                ? $"the key record has v={version}, not {Version1}"
                : "v= is not the first tag of the key record");
        }

        string p = tags["p"] ?? throw new DkimFormatException("the key record has no p= tag");
        byte[] publicKey;
        try
        {
            publicKey = Convert.FromBase64String(DkimTagList.RemoveFws(p));
        }
        catch (FormatException)
        {
            throw new DkimFormatException("p= is not base64");
        }

        return new DkimKeyRecord
        {
            Version = version,
            KeyTypeName = tags["k"] ?? "rsa",
            HashAlgorithms = List(tags["h"]),
            ServiceTypes = List(tags["s"]),
            Flags = List(tags["t"]),
            Notes = tags["n"],
            PublicKey = publicKey,
        };
    }

    /// <summary>Parses a record; false (with the problem) instead of an exception.</summary>
    public static bool TryParse(string text, out DkimKeyRecord? record, out string? problem)
    {
        try
        {
            record = Parse(text);
            problem = null;
            return true;
        }
        catch (DkimFormatException e)
        {
            record = null;
            problem = e.Message;
            return false;
        }
    }

    /// <summary>The record as one TXT value: <c>v=DKIM1; k=rsa; p=...</c>.</summary>
    public override string ToString() => string.Concat(TxtStrings());

    /// <summary>
    /// The record as TXT character-strings of at most 255 octets (RFC 1035 §3.3.14): the tags before <c>p=</c> in
    /// the first, then <c>p=</c> cut into pieces. Verifiers join them without separator (RFC 6376 §3.6.2.2).
    /// </summary>
    public IReadOnlyList<string> TxtStrings()
    {
        var head = new StringBuilder();
        if (Version is not null)
        {
            head.Append("v=").Append(Version).Append("; ");
        }

        head.Append("k=").Append(KeyTypeName).Append("; ");
        Append(head, "h", HashAlgorithms);
        Append(head, "s", ServiceTypes);
        Append(head, "t", Flags);
        if (Notes is not null)
        {
            head.Append("n=").Append(Notes).Append("; ");
        }

        var strings = new List<string>();
        for (int i = 0; i < head.Length; i += MaxTxtStringLength)
        {
            strings.Add(head.ToString(i, Math.Min(MaxTxtStringLength, head.Length - i)));
        }

        string p = "p=" + Convert.ToBase64String(PublicKey);
        for (int i = 0; i < p.Length; i += MaxTxtStringLength)
        {
            strings.Add(p.Substring(i, Math.Min(MaxTxtStringLength, p.Length - i)));
        }

        return strings;
    }

    /// <summary>
    /// The record as a zone-file line, ready to paste:
    /// <c>selector._domainkey.example.com. IN TXT ( "v=DKIM1; k=rsa; " "p=..." )</c>.
    /// </summary>
    public string ToZoneFileLine(string selector, string domain) =>
        $"{DkimNames.KeyName(selector, domain)}. IN TXT ( {string.Join(' ', TxtStrings().Select(Quote))} )";

    // RFC 1035 §5.1: inside a quoted character-string, backslash and quote are escaped.
    private static string Quote(string text) => "\"" + text.Replace("\\", "\\\\").Replace("\"", "\\\"") + "\"";

    private static IReadOnlyList<string> List(string? value) =>
        value is null ? [] : DkimTagList.SplitList(value).Where(s => s.Length > 0).ToArray();

    private static void Append(StringBuilder text, string tag, IReadOnlyList<string> values)
    {
        if (values.Count > 0)
        {
            text.Append(tag).Append('=').Append(string.Join(':', values)).Append("; ");
        }
    }
}
