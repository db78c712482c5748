namespace MailAppliance.DnsRecords;

/// <summary>
/// The SMTP TLS Reporting record at <c>_smtp._tls.domain</c> (RFC 8460 §3): <c>v=TLSRPTv1; rua=mailto:...</c>.
/// </summary>
public sealed class TlsRptRecord
{
    /// <summary>The version value (RFC 8460 §3).</summary>
    public const string Version1 = "TLSRPTv1";

    /// <summary>Where reports go: <c>mailto:</c> or <c>https:</c> URIs (RFC 8460 §3 tlsrpt-rua).</summary>
    public required IReadOnlyList<string> ReportUris { get; init; }

    /// <summary>Extension fields, kept in order.</summary>
    public IReadOnlyList<KeyValuePair<string, string>> Extensions { get; init; } = [];

    /// <summary>Parses a record.</summary>
    /// <exception cref="DnsRecordFormatException">The record breaks RFC 8460 §3.</exception>
    public static TlsRptRecord Parse(string text)
    {
        var tags = TagList.Parse(text, "TLS-RPT", caseInsensitiveTags: false);
        if (tags.Count == 0 || tags[0].Key != "v" || tags[0].Value != Version1)
        {
            throw new DnsRecordFormatException("a TLS-RPT record begins with v=TLSRPTv1 (RFC 8460 §3)");
        }

        string[]? uris = null;
        var extensions = new List<KeyValuePair<string, string>>();
        foreach (var (name, value) in tags.Skip(1))
        {
            if (name != "rua")
            {
                extensions.Add(new(name, value));
                continue;
            }

            uris = value.Split(',').Select(u => u.Trim(' ', '\t')).ToArray();
            foreach (string uri in uris)
            {
                // RFC 8460 §3: tlsrpt-uri = URI, "mailto:" or "https:".
                bool mailto = uri.StartsWith("mailto:", StringComparison.OrdinalIgnoreCase) && uri.IndexOf('@', StringComparison.Ordinal) > "mailto:".Length;
                bool https = Uri.TryCreate(uri, UriKind.Absolute, out var parsed) && parsed.Scheme == Uri.UriSchemeHttps;
                if (!mailto && !https)
                {
                    throw new DnsRecordFormatException($"rua=: '{uri}' is neither mailto:address nor an https: URL (RFC 8460 §3)");
                }
            }
        }

        return new TlsRptRecord
        {
            ReportUris = uris ?? throw new DnsRecordFormatException("the TLS-RPT record has no rua= (RFC 8460 §3: required)"),
            Extensions = extensions,
        };
    }

    /// <inheritdoc />
    public override string ToString() =>
        $"v={Version1}; rua={string.Join(',', ReportUris)}" + string.Concat(Extensions.Select(e => $"; {e.Key}={e.Value}"));

    /// <summary>The TXT record at <c>_smtp._tls.domain</c> (RFC 8460 §3).</summary>
    public ZoneRecord ToZoneRecord(string domain, string comment) => new("_smtp._tls." + domain, "TXT", TxtStrings.Split(ToString()), comment);
}
