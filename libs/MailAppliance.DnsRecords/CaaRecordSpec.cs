using System.Globalization;

namespace MailAppliance.DnsRecords;

/// <summary>
/// A CAA record (RFC 8659 §4.1): flags, tag (issue, issuewild, iodef) and value. It says which certificate authorities
/// may issue certificates for the name.
/// </summary>
/// <param name="Name">The owner name.</param>
/// <param name="Flags">The flags octet; 128 is issuer-critical (RFC 8659 §4.1).</param>
/// <param name="Tag">issue, issuewild or iodef (RFC 8659 §4.2–§4.4), or another tag.</param>
/// <param name="Value">The value, e.g. <c>letsencrypt.org</c>.</param>
public sealed record CaaRecordSpec(string Name, byte Flags, string Tag, string Value)
{
    /// <summary>Parses CAA data, e.g. <c>0 issue "letsencrypt.org"</c>.</summary>
    /// <exception cref="DnsRecordFormatException">The data breaks RFC 8659 §4.1.1.</exception>
    public static CaaRecordSpec Parse(string name, string data)
    {
        string[] parts = data.Split(' ', 3, StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length != 3 || !byte.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out byte flags))
        {
            throw new DnsRecordFormatException($"CAA data '{data}' is not 'flags tag \"value\"' (RFC 8659 §4.1.1)");
        }

        // RFC 8659 §4.1: tag is 1–15 ASCII letters and digits.
        string tag = parts[1];
        if (tag.Length is 0 or > 15 || !tag.All(char.IsAsciiLetterOrDigit))
        {
            throw new DnsRecordFormatException($"the CAA tag '{tag}' is not 1 to 15 letters and digits (RFC 8659 §4.1)");
        }

        string value = parts[2];
        if (value.Length >= 2 && value[0] == '"' && value[^1] == '"')
        {
            value = value[1..^1];
        }

        tag = tag.ToLowerInvariant();
        if (tag is "issue" or "issuewild")
        {
            // RFC 8659 §4.2: issuer-domain-name [ ";" parameters ], or empty (";") to forbid issuance.
            string issuer = value.Split(';')[0].Trim();
            if (issuer.Length > 0 && !DnsNames.IsHostName(issuer))
            {
                throw new DnsRecordFormatException($"the CAA {tag} value '{value}' does not begin with a domain name (RFC 8659 §4.2)");
            }
        }
        else if (tag == "iodef" && !value.StartsWith("mailto:", StringComparison.OrdinalIgnoreCase) &&
                 !value.StartsWith("https:", StringComparison.OrdinalIgnoreCase) && !value.StartsWith("http:", StringComparison.OrdinalIgnoreCase))
        {
            throw new DnsRecordFormatException($"the CAA iodef value '{value}' is not a mailto: or http(s): URL (RFC 8659 §4.4)");
        }

        return new CaaRecordSpec(name, flags, tag, value);
    }

    /// <summary>The data in presentation form: <c>0 issue "letsencrypt.org"</c>.</summary>
    public string Data => $"{Flags.ToString(CultureInfo.InvariantCulture)} {Tag} {TxtStrings.Quote(Value)}";

    /// <summary>The record to publish.</summary>
    public ZoneRecord ToZoneRecord(string comment) => new(Name, "CAA", [Data], comment);
}
