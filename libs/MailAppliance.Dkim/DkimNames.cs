namespace MailAppliance.Dkim;

/// <summary>Syntax checks for the names DKIM puts into DNS queries: domains (<c>d=</c>) and selectors (<c>s=</c>).</summary>
public static class DkimNames
{
    /// <summary>The DNS name holding a selector's key: <c>selector._domainkey.domain</c> (RFC 6376 §3.6.2.1).</summary>
    public static string KeyName(string selector, string domain) => $"{selector}._domainkey.{domain}";

    /// <summary>
    /// True for <c>domain-name = sub-domain 1*("." sub-domain)</c> (RFC 6376 §3.5 d=, from RFC 5321): at least two
    /// labels of letters, digits and inner hyphens, A-labels for IDNs. A final dot is not allowed.
    /// </summary>
    public static bool IsDomainName(string name)
    {
        if (name.Length is 0 or > 253)
        {
            return false;
        }

        string[] labels = name.Split('.');
        return labels.Length >= 2 && labels.All(label => IsLabel(label, allowUnderscore: false));
    }

    /// <summary>
    /// True for a selector: <c>sub-domain *("." sub-domain)</c> (RFC 6376 §3.1). Underscores are accepted too, since
    /// DNS allows them and some signers use them.
    /// </summary>
    public static bool IsSelector(string selector) =>
        selector.Length is > 0 and <= 200 && selector.Split('.').All(label => IsLabel(label, allowUnderscore: true));

    private static bool IsLabel(string label, bool allowUnderscore)
    {
        // sub-domain = Let-dig [Ldh-str]   (RFC 5321 §4.1.2)
        if (label.Length is 0 or > 63 || label[0] == '-' || label[^1] == '-')
        {
            return false;
        }

        return label.All(c => char.IsAsciiLetterOrDigit(c) || c == '-' || (allowUnderscore && c == '_'));
    }
}
