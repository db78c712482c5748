namespace MailAppliance.DnsRecords;

/// <summary>Host-name checks (RFC 1123 §2.1, RFC 1035 §2.3.4).</summary>
public static class DnsNames
{
    /// <summary>True for a host name: labels of 1–63 letters, digits and inner '-', at most 253 characters, no trailing dot.</summary>
    public static bool IsHostName(string name) =>
        name.Length is > 0 and <= 253 &&
        name.Split('.').All(label => label.Length is > 0 and <= 63 && label[0] != '-' && label[^1] != '-' &&
                                     label.All(c => char.IsAsciiLetterOrDigit(c) || c == '-'));
}
