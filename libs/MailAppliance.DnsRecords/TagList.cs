namespace MailAppliance.DnsRecords;

/// <summary>
/// The <c>tag=value; tag=value</c> syntax of DMARC (RFC 7489 §6.4), MTA-STS (RFC 8461 §3.1) and TLS-RPT
/// (RFC 8460 §3) TXT records.
/// </summary>
internal static class TagList
{
    /// <summary>Splits the record into (tag, value) pairs in order; a duplicate tag or a term without '=' is an error.</summary>
    public static List<KeyValuePair<string, string>> Parse(string text, string recordName, bool caseInsensitiveTags)
    {
        var tags = new List<KeyValuePair<string, string>>();
        var seen = new HashSet<string>(caseInsensitiveTags ? StringComparer.OrdinalIgnoreCase : StringComparer.Ordinal);
        string[] parts = text.Split(';');
        for (int i = 0; i < parts.Length; i++)
        {
            string part = parts[i].Trim(' ', '\t');
            if (part.Length == 0)
            {
                // A trailing ';' is allowed by every one of these grammars; an empty term in the middle is not.
                if (i == parts.Length - 1 && i > 0)
                {
                    continue;
                }

                throw new DnsRecordFormatException($"the {recordName} record has an empty term (two ';' in a row or a leading ';')");
            }

            int equals = part.IndexOf('=', StringComparison.Ordinal);
            if (equals <= 0)
            {
                throw new DnsRecordFormatException($"the {recordName} record's term '{part}' is not tag=value");
            }

            string name = part[..equals].TrimEnd(' ', '\t');
            string value = part[(equals + 1)..].TrimStart(' ', '\t');
            if (!name.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '-'))
            {
                throw new DnsRecordFormatException($"the {recordName} record's tag name '{name}' is not letters, digits, '_' and '-'");
            }

            if (!seen.Add(name))
            {
                throw new DnsRecordFormatException($"the {recordName} record has the tag '{name}' twice");
            }

            tags.Add(new(name, value));
        }

        return tags;
    }
}
