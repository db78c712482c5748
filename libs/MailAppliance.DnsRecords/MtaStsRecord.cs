namespace MailAppliance.DnsRecords;

/// <summary>
/// The MTA-STS TXT record at <c>_mta-sts.domain</c> (RFC 8461 §3.1): <c>v=STSv1; id=...</c>. A change of id tells
/// senders to fetch the policy again.
/// </summary>
public sealed class MtaStsRecord
{
    /// <summary>The version value (RFC 8461 §3.1).</summary>
    public const string Version1 = "STSv1";

    /// <summary>The policy id: 1 to 32 letters and digits (RFC 8461 §3.1 sts-id).</summary>
    public required string Id { get; init; }

    /// <summary>Extension fields, kept in order (RFC 8461 §3.1 sts-extension).</summary>
    public IReadOnlyList<KeyValuePair<string, string>> Extensions { get; init; } = [];

    /// <summary>Parses a record.</summary>
    /// <exception cref="DnsRecordFormatException">The record breaks RFC 8461 §3.1.</exception>
    public static MtaStsRecord Parse(string text)
    {
        var tags = TagList.Parse(text, "MTA-STS", caseInsensitiveTags: false);
        if (tags.Count == 0 || tags[0].Key != "v" || tags[0].Value != Version1)
        {
            throw new DnsRecordFormatException("an MTA-STS record begins with v=STSv1 (RFC 8461 §3.1)");
        }

        string? id = null;
        var extensions = new List<KeyValuePair<string, string>>();
        foreach (var (name, value) in tags.Skip(1))
        {
            if (name == "id")
            {
                id = IsId(value) ? value : throw new DnsRecordFormatException($"id={value} is not 1 to 32 letters and digits (RFC 8461 §3.1)");
            }
            else
            {
                extensions.Add(new(name, value));
            }
        }

        return new MtaStsRecord
        {
            Id = id ?? throw new DnsRecordFormatException("the MTA-STS record has no id= (RFC 8461 §3.1: required)"),
            Extensions = extensions,
        };
    }

    /// <summary>True when <paramref name="id"/> is a valid sts-id: 1*32(ALPHA / DIGIT).</summary>
    public static bool IsId(string id) => id.Length is >= 1 and <= 32 && id.All(char.IsAsciiLetterOrDigit);

    /// <inheritdoc />
    public override string ToString() =>
        $"v={Version1}; id={Id}" + string.Concat(Extensions.Select(e => $"; {e.Key}={e.Value}"));

    /// <summary>The TXT record at <c>_mta-sts.domain</c>.</summary>
    public ZoneRecord ToZoneRecord(string domain, string comment) => new("_mta-sts." + domain, "TXT", TxtStrings.Split(ToString()), comment);
}
