using System.Globalization;

namespace MailAppliance.DnsRecords;

/// <summary>An MX record (RFC 1035 §3.3.9, RFC 5321 §5.1): preference and exchange host.</summary>
/// <param name="Domain">The mail domain (owner name).</param>
/// <param name="Preference">Lower is preferred.</param>
/// <param name="Exchange">The host that receives the domain's mail.</param>
public sealed record MxRecordSpec(string Domain, ushort Preference, string Exchange)
{
    /// <summary>Parses MX data, e.g. <c>10 mail.example.com.</c>.</summary>
    /// <exception cref="DnsRecordFormatException">Not a preference and a host name.</exception>
    public static MxRecordSpec Parse(string domain, string data)
    {
        string[] parts = data.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length != 2 || !ushort.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out ushort preference))
        {
            throw new DnsRecordFormatException($"MX data '{data}' is not 'preference exchange' (RFC 1035 §3.3.9)");
        }

        string exchange = parts[1].TrimEnd('.');
        return DnsNames.IsHostName(exchange) ? new MxRecordSpec(domain, preference, exchange)
            : throw new DnsRecordFormatException($"the MX exchange '{parts[1]}' is not a host name (RFC 7505 null MX aside)");
    }

    /// <summary>The data in presentation form, e.g. <c>10 mail.example.com.</c>.</summary>
    public string Data => $"{Preference.ToString(CultureInfo.InvariantCulture)} {Exchange}.";

    /// <summary>The record to publish.</summary>
    public ZoneRecord ToZoneRecord(string comment) => new(Domain, "MX", [Data], comment);
}
