using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;

namespace MailAppliance.DnsRecords;

/// <summary>
/// One resource record to publish: owner name, type, data, TTL, and a one-line comment saying why. It prints itself
/// as a zone-file line (RFC 1035 §5.1: <c>name. TTL IN TYPE data</c>) and as a JSON object.
/// </summary>
/// <param name="Name">The owner name, fully qualified, without the trailing dot.</param>
/// <param name="Type">The record type: MX, TXT, A, AAAA, CAA, PTR.</param>
/// <param name="Data">
/// The data in presentation form: for TXT, the character-strings (each ≤ 255 octets, unquoted); for the others one
/// element, e.g. <c>10 mail.example.com.</c>.
/// </param>
/// <param name="Comment">What the record is for, one line.</param>
/// <param name="Ttl">The time to live in seconds.</param>
public sealed record ZoneRecord(string Name, string Type, IReadOnlyList<string> Data, string Comment, int Ttl = ZoneRecord.DefaultTtl)
{
    /// <summary>The TTL of the records we suggest: an hour, short enough to correct a mistake the same day.</summary>
    public const int DefaultTtl = 3600;

    /// <summary>A TXT value: the strings joined without separator, as SPF/DKIM/DMARC receivers read them.</summary>
    public string Text => string.Concat(Data);

    /// <summary>The data as one zone-file field: TXT strings quoted (RFC 1035 §5.1), other data as they are.</summary>
    public string ZoneData => Type == "TXT" ? string.Join(' ', Data.Select(TxtStrings.Quote)) : string.Join(' ', Data);

    /// <summary>The record as a zone-file line: <c>name. 3600 IN TYPE data</c>.</summary>
    public string ToZoneFileLine() =>
        $"{Name}. {Ttl.ToString(CultureInfo.InvariantCulture)} IN {Type} {ZoneData}";

    /// <summary>The record as a JSON object: name, type, ttl, value (joined), strings (TXT only), comment.</summary>
    public JsonObject ToJson()
    {
        var json = new JsonObject
        {
            ["name"] = Name,
            ["type"] = Type,
            ["ttl"] = Ttl,
            ["value"] = Type == "TXT" ? Text : string.Join(' ', Data),
        };
        if (Type == "TXT")
        {
            json["strings"] = new JsonArray(Data.Select(s => (JsonNode?)JsonValue.Create(s)).ToArray());
        }

        json["comment"] = Comment;
        return json;
    }

    /// <inheritdoc />
    public override string ToString() => ToZoneFileLine();

    /// <summary>
    /// Parses a line as <see cref="ToZoneFileLine"/> writes it (absolute owner name, TTL, class IN, type, data with
    /// quoted TXT strings), e.g. to read back what <c>mailctl dns records</c> printed.
    /// </summary>
    /// <exception cref="DnsRecordFormatException">The line is not in that form.</exception>
    public static ZoneRecord ParseZoneFileLine(string line, string comment = "")
    {
        var fields = SplitFields(line);
        if (fields.Count < 5)
        {
            throw new DnsRecordFormatException($"'{line}' is not 'name. TTL IN TYPE data'");
        }

        if (!fields[0].Text.EndsWith('.') || fields[0].Quoted)
        {
            throw new DnsRecordFormatException($"the owner name '{fields[0].Text}' is not absolute (it must end with '.')");
        }

        if (!int.TryParse(fields[1].Text, NumberStyles.None, CultureInfo.InvariantCulture, out int ttl))
        {
            throw new DnsRecordFormatException($"'{fields[1].Text}' is not a TTL");
        }

        if (fields[2].Text != "IN")
        {
            throw new DnsRecordFormatException($"the class is '{fields[2].Text}', not IN");
        }

        string type = fields[3].Text.ToUpperInvariant();
        var data = fields.Skip(4).ToList();
        if (type == "TXT" && data.Any(d => !d.Quoted))
        {
            throw new DnsRecordFormatException("TXT data must be quoted strings");
        }

        IReadOnlyList<string> values = type == "TXT"
            ? data.Select(d => d.Text).ToArray()
            : [string.Join(' ', data.Select(d => d.Quoted ? TxtStrings.Quote(d.Text) : d.Text))];
        return new ZoneRecord(fields[0].Text[..^1], type, values, comment, ttl);
    }

    private static List<(string Text, bool Quoted)> SplitFields(string line)
    {
        var fields = new List<(string, bool)>();
        int i = 0;
        while (i < line.Length)
        {
            char c = line[i];
            if (c is ' ' or '\t' or '(' or ')')
            {
                i++;
                continue;
            }

            if (c == ';')
            {
                break;
            }

            var field = new StringBuilder();
            if (c == '"')
            {
                i++;
                while (true)
                {
                    if (i >= line.Length)
                    {
                        throw new DnsRecordFormatException("a quoted string is not closed");
                    }

                    if (line[i] == '\\' && i + 1 < line.Length)
                    {
                        field.Append(line[i + 1]);
                        i += 2;
                        continue;
                    }

                    if (line[i] == '"')
                    {
                        i++;
                        break;
                    }

                    field.Append(line[i++]);
                }

                fields.Add((field.ToString(), true));
                continue;
            }

            while (i < line.Length && line[i] is not (' ' or '\t' or '(' or ')' or ';'))
            {
                field.Append(line[i++]);
            }

            fields.Add((field.ToString(), false));
        }

        return fields;
    }
}
