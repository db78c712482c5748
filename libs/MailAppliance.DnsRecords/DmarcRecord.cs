using System.Globalization;
using System.Text;

namespace MailAppliance.DnsRecords;

/// <summary>A DMARC policy (RFC 7489 §6.3 p= and sp=).</summary>
public enum DmarcPolicy
{
    /// <summary><c>none</c>: monitor only.</summary>
    None,

    /// <summary><c>quarantine</c>: treat failing mail as suspicious.</summary>
    Quarantine,

    /// <summary><c>reject</c>: reject failing mail during the SMTP transaction.</summary>
    Reject,
}

/// <summary>A report destination of rua= or ruf= (RFC 7489 §6.2 dmarc-uri: a URI and an optional size limit).</summary>
/// <param name="Uri">The URI, e.g. <c>mailto:dmarc@example.com</c>.</param>
/// <param name="SizeLimit">The text after '!', e.g. <c>10m</c>, or null.</param>
public sealed record DmarcReportUri(string Uri, string? SizeLimit = null)
{
    /// <inheritdoc />
    public override string ToString() => SizeLimit is null ? Uri : $"{Uri}!{SizeLimit}";
}

/// <summary>
/// A DMARC record, the TXT value at <c>_dmarc.domain</c> (RFC 7489 §6.3). The same type formats the record to publish
/// and parses a published one; parse errors say which tag is wrong. Unknown tags are kept and ignored (RFC 7489 §6.3).
/// </summary>
public sealed class DmarcRecord
{
    /// <summary>The version value (RFC 7489 §6.3 v=).</summary>
    public const string Version1 = "DMARC1";

    /// <summary>p=, the policy for the domain.</summary>
    public DmarcPolicy Policy { get; init; } = DmarcPolicy.None;

    /// <summary>sp=, the policy for subdomains; null means the same as p=.</summary>
    public DmarcPolicy? SubdomainPolicy { get; init; }

    /// <summary>pct=, the percentage of mail the policy applies to (0–100, default 100).</summary>
    public int Percent { get; init; } = 100;

    /// <summary>rua=, where aggregate reports go.</summary>
    public IReadOnlyList<DmarcReportUri> AggregateReportUris { get; init; } = [];

    /// <summary>ruf=, where failure reports go.</summary>
    public IReadOnlyList<DmarcReportUri> FailureReportUris { get; init; } = [];

    /// <summary>adkim=, DKIM alignment: true for strict (<c>s</c>), false for relaxed (<c>r</c>, the default).</summary>
    public bool StrictDkimAlignment { get; init; }

    /// <summary>aspf=, SPF alignment: true for strict (<c>s</c>), false for relaxed (<c>r</c>, the default).</summary>
    public bool StrictSpfAlignment { get; init; }

    /// <summary>fo=, failure reporting options (<c>0</c>, <c>1</c>, <c>d</c>, <c>s</c>); empty means the default 0.</summary>
    public IReadOnlyList<string> FailureOptions { get; init; } = [];

    /// <summary>ri=, the aggregate report interval in seconds (default 86400).</summary>
    public uint ReportInterval { get; init; } = 86400;

    /// <summary>rf=, the failure report formats (default afrf); empty means the default.</summary>
    public IReadOnlyList<string> ReportFormats { get; init; } = [];

    /// <summary>Tags this type does not know, kept in order (RFC 7489 §6.3: "Unknown tags MUST be ignored").</summary>
    public IReadOnlyList<KeyValuePair<string, string>> OtherTags { get; init; } = [];

    /// <summary>Parses a record (the TXT strings joined).</summary>
    /// <exception cref="DnsRecordFormatException">The record breaks RFC 7489 §6.3/§6.4; the message says which tag.</exception>
    public static DmarcRecord Parse(string text)
    {
        var tags = TagList.Parse(text, "DMARC", caseInsensitiveTags: false);
        // RFC 7489 §6.4: "v=DMARC1" MUST be the first tag; p MUST be second if present (we accept it anywhere but
        // say so when it is missing).
        if (tags.Count == 0 || tags[0].Key != "v" || tags[0].Value != Version1)
        {
            throw new DnsRecordFormatException("a DMARC record begins with v=DMARC1 (RFC 7489 §6.4)");
        }

        DmarcPolicy? policy = null;
        DmarcPolicy? subdomainPolicy = null;
        int percent = 100;
        uint interval = 86400;
        bool strictDkim = false, strictSpf = false;
        IReadOnlyList<DmarcReportUri> rua = [], ruf = [];
        IReadOnlyList<string> fo = [], rf = [];
        var others = new List<KeyValuePair<string, string>>();
        foreach (var (name, value) in tags.Skip(1))
        {
            switch (name)
            {
                case "p":
                    policy = ParsePolicy(value, "p");
                    break;
                case "sp":
                    subdomainPolicy = ParsePolicy(value, "sp");
                    break;
                case "pct":
                    if (!int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out percent) || percent > 100)
                    {
                        throw new DnsRecordFormatException($"pct={value} is not a number from 0 to 100 (RFC 7489 §6.3)");
                    }

                    break;
                case "ri":
                    if (!uint.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out interval))
                    {
                        throw new DnsRecordFormatException($"ri={value} is not a number of seconds (RFC 7489 §6.3)");
                    }

                    break;
                case "adkim":
                    strictDkim = Alignment(value, "adkim");
                    break;
                case "aspf":
                    strictSpf = Alignment(value, "aspf");
                    break;
                case "rua":
                    rua = Uris(value, "rua");
                    break;
                case "ruf":
                    ruf = Uris(value, "ruf");
                    break;
                case "fo":
                    fo = value.Split(':').Select(v => v.Trim()).ToArray();
                    if (fo.Any(v => v is not ("0" or "1" or "d" or "s")))
                    {
                        throw new DnsRecordFormatException($"fo={value}: the options are 0, 1, d and s, separated by ':' (RFC 7489 §6.3)");
                    }

                    break;
                case "rf":
                    rf = value.Split(':').Select(v => v.Trim()).ToArray();
                    if (rf.Any(v => v.Length == 0 || !v.All(c => char.IsAsciiLetterOrDigit(c) || c == '-')))
                    {
                        throw new DnsRecordFormatException($"rf={value}: report formats are names separated by ':' (RFC 7489 §6.3)");
                    }

                    break;
                case "v":
                    throw new DnsRecordFormatException("v= is given twice");
                default:
                    others.Add(new(name, value));
                    break;
            }
        }

        if (policy is null)
        {
            // RFC 7489 §6.3 p=: REQUIRED for policy records. (§6.6.3 lets a receiver treat a record with a valid
            // rua= as p=none; we ask for p= so the published record is unambiguous.)
            throw new DnsRecordFormatException("the DMARC record has no p= tag (RFC 7489 §6.3: required)");
        }

        return new DmarcRecord
        {
            Policy = policy.Value,
            SubdomainPolicy = subdomainPolicy,
            Percent = percent,
            ReportInterval = interval,
            StrictDkimAlignment = strictDkim,
            StrictSpfAlignment = strictSpf,
            AggregateReportUris = rua,
            FailureReportUris = ruf,
            FailureOptions = fo,
            ReportFormats = rf,
            OtherTags = others,
        };
    }

    /// <summary>Parses a record; false with the problem instead of an exception.</summary>
    public static bool TryParse(string text, out DmarcRecord? record, out string? problem)
        => RecordParsing.TryParse(Parse, text, out record, out problem);

    /// <summary>The record as one TXT value, writing only the tags that differ from their defaults.</summary>
    public override string ToString()
    {
        var text = new StringBuilder("v=DMARC1; p=").Append(Name(Policy));
        if (SubdomainPolicy is DmarcPolicy sp)
        {
            text.Append("; sp=").Append(Name(sp));
        }

        if (Percent != 100)
        {
            text.Append("; pct=").Append(Percent.ToString(CultureInfo.InvariantCulture));
        }

        if (AggregateReportUris.Count > 0)
        {
            text.Append("; rua=").Append(string.Join(',', AggregateReportUris));
        }

        if (FailureReportUris.Count > 0)
        {
            text.Append("; ruf=").Append(string.Join(',', FailureReportUris));
        }

        if (StrictDkimAlignment)
        {
            text.Append("; adkim=s");
        }

        if (StrictSpfAlignment)
        {
            text.Append("; aspf=s");
        }

        if (FailureOptions.Count > 0)
        {
            text.Append("; fo=").Append(string.Join(':', FailureOptions));
        }

        if (ReportFormats.Count > 0)
        {
            text.Append("; rf=").Append(string.Join(':', ReportFormats));
        }

        if (ReportInterval != 86400)
        {
            text.Append("; ri=").Append(ReportInterval.ToString(CultureInfo.InvariantCulture));
        }

        foreach (var (name, value) in OtherTags)
        {
            text.Append("; ").Append(name).Append('=').Append(value);
        }

        return text.ToString();
    }

    /// <summary>The TXT record at <c>_dmarc.domain</c> (RFC 7489 §6.1).</summary>
    public ZoneRecord ToZoneRecord(string domain, string comment) => new("_dmarc." + domain, "TXT", TxtStrings.Split(ToString()), comment);

    /// <summary>The name of a policy as written in the record.</summary>
    public static string Name(DmarcPolicy policy) => policy switch
    {
        DmarcPolicy.Quarantine => "quarantine",
        DmarcPolicy.Reject => "reject",
        _ => "none",
    };

    private static DmarcPolicy ParsePolicy(string value, string tag) => value.ToLowerInvariant() switch
    {
        "none" => DmarcPolicy.None,
        "quarantine" => DmarcPolicy.Quarantine,
        "reject" => DmarcPolicy.Reject,
        _ => throw new DnsRecordFormatException($"{tag}={value} is not none, quarantine or reject (RFC 7489 §6.3)"),
    };

    private static bool Alignment(string value, string tag) => value switch
    {
        "r" => false,
        "s" => true,
        _ => throw new DnsRecordFormatException($"{tag}={value} is not r (relaxed) or s (strict) (RFC 7489 §6.3)"),
    };

    private static DmarcReportUri[] Uris(string value, string tag)
    {
        var uris = new List<DmarcReportUri>();
        foreach (string part in value.Split(','))
        {
            // RFC 7489 §6.2: dmarc-uri = URI [ "!" 1*DIGIT [ "k" / "m" / "g" / "t" ] ]; commas inside a URI are %2C.
            string item = part.Trim(' ', '\t');
            string uri = item;
            string? limit = null;
            int bang = item.LastIndexOf('!');
            if (bang >= 0)
            {
                uri = item[..bang];
                limit = item[(bang + 1)..];
                string digits = limit.Length > 0 && "kmgt".Contains(limit[^1]) ? limit[..^1] : limit;
                if (digits.Length == 0 || !digits.All(char.IsAsciiDigit))
                {
                    throw new DnsRecordFormatException($"{tag}=: '!{limit}' is not a size limit such as !10m (RFC 7489 §6.2)");
                }
            }

            if (!uri.StartsWith("mailto:", StringComparison.OrdinalIgnoreCase))
            {
                throw new DnsRecordFormatException($"{tag}=: '{uri}' is not a mailto: URI (RFC 7489 §6.2; reports go by mail, §7.2.1.1)");
            }

            string address = Uri.UnescapeDataString(uri["mailto:".Length..]);
            int at = address.LastIndexOf('@');
            if (at <= 0 || at == address.Length - 1 || address.Any(c => c <= ' ' || c is ',' or ';' or '<' or '>') ||
                !address[(at + 1)..].Contains('.'))
            {
                throw new DnsRecordFormatException($"{tag}=: '{uri}' does not hold an address (mailto:name@domain, RFC 6068)");
            }

            uris.Add(new DmarcReportUri(uri, limit));
        }

        return uris.ToArray();
    }
}
