using System.Globalization;

namespace MailAppliance.Dmarc;

/// <summary>
/// The Public Suffix List (https://publicsuffix.org/list/; Debian's <c>publicsuffix</c> package), used to find a
/// domain's organizational domain (RFC 7489 §3.2): the public suffix plus one label. Rules are matched as the list's
/// own algorithm says: exception rules (<c>!</c>) win, then the rule with the most labels, wildcards (<c>*.</c>)
/// included; a domain no rule covers has its top label as public suffix (the implicit <c>*</c> rule).
/// Immutable and thread-safe once loaded.
/// </summary>
public sealed class PublicSuffixList
{
    /// <summary>Where Debian's <c>publicsuffix</c> package puts the list.</summary>
    public const string DebianPath = "/usr/share/publicsuffix/public_suffix_list.dat";

    private readonly HashSet<string> rules = new(StringComparer.OrdinalIgnoreCase);
    private readonly HashSet<string> wildcardParents = new(StringComparer.OrdinalIgnoreCase);
    private readonly HashSet<string> exceptions = new(StringComparer.OrdinalIgnoreCase);

    private PublicSuffixList()
    {
    }

    /// <summary>How many rules were loaded.</summary>
    public int RuleCount => rules.Count + wildcardParents.Count + exceptions.Count;

    /// <summary>Reads the list from a file.</summary>
    /// <exception cref="IOException">The file cannot be read.</exception>
    /// <exception cref="UnauthorizedAccessException">The file cannot be read.</exception>
    public static PublicSuffixList Load(string path)
    {
        using var reader = new StreamReader(path);
        return Parse(reader);
    }

    /// <summary>Reads the list in its file format: one rule a line, <c>//</c> comments, blank lines.</summary>
    public static PublicSuffixList Parse(TextReader reader)
    {
        ArgumentNullException.ThrowIfNull(reader);
        var list = new PublicSuffixList();
        while (reader.ReadLine() is { } line)
        {
            // The format: a rule is the line up to the first white space; "//" starts a comment line.
            string rule = line.Trim();
            int space = rule.IndexOfAny([' ', '\t']);
            if (space >= 0)
            {
                rule = rule[..space];
            }

            if (rule.Length == 0 || rule.StartsWith("//", StringComparison.Ordinal))
            {
                continue;
            }

            list.Add(rule);
        }

        return list;
    }

    /// <summary>Builds a list from rules written as in the file (for tests).</summary>
    public static PublicSuffixList FromRules(params string[] rules)
    {
        var list = new PublicSuffixList();
        foreach (string rule in rules)
        {
            list.Add(rule);
        }

        return list;
    }

    /// <summary>The public suffix of a domain (e.g. <c>co.uk</c> for <c>mail.example.co.uk</c>).</summary>
    public string PublicSuffix(string domain)
    {
        string[] labels = Labels(domain);
        if (labels.Length == 0)
        {
            return string.Empty;
        }

        // An exception rule names a domain that is not a suffix although a wildcard covers it: its parent is.
        for (int i = 0; i < labels.Length; i++)
        {
            if (exceptions.Contains(Join(labels, i)))
            {
                return Join(labels, i + 1);
            }
        }

        // The matching rule with the most labels prevails; the implicit "*" rule covers the top label.
        for (int i = 0; i < labels.Length; i++)
        {
            if (rules.Contains(Join(labels, i)) || (i + 1 < labels.Length && wildcardParents.Contains(Join(labels, i + 1))))
            {
                return Join(labels, i);
            }
        }

        return labels[^1];
    }

    /// <summary>
    /// The organizational domain (RFC 7489 §3.2): the public suffix and one more label, lower-case; null when the
    /// domain is itself a public suffix (it has no organizational domain, so it aligns with nothing).
    /// </summary>
    public string? OrganizationalDomain(string domain)
    {
        string[] labels = Labels(domain);
        string suffix = PublicSuffix(domain);
        int suffixLabels = suffix.Length == 0 ? 0 : suffix.Split('.').Length;
        return labels.Length > suffixLabels ? Join(labels, labels.Length - suffixLabels - 1) : null;
    }

    private void Add(string rule)
    {
        rule = ToAscii(rule.TrimEnd('.'));
        if (rule.StartsWith('!'))
        {
            exceptions.Add(rule[1..]);
        }
        else if (rule.StartsWith("*.", StringComparison.Ordinal))
        {
            wildcardParents.Add(rule[2..]);
        }
        else
        {
            rules.Add(rule);
        }
    }

    private static string[] Labels(string domain)
    {
        string trimmed = domain.Trim().TrimEnd('.').ToLowerInvariant();
        return trimmed.Length == 0 ? [] : ToAscii(trimmed).Split('.');
    }

    private static string Join(string[] labels, int start) => string.Join('.', labels, start, labels.Length - start);

    /// <summary>IDN rules and domains compare in their A-label form (the list holds U-labels).</summary>
    private static string ToAscii(string name)
    {
        if (name.All(char.IsAscii))
        {
            return name.ToLowerInvariant();
        }

        try
        {
            string prefix = name.StartsWith('!') ? "!" : name.StartsWith("*.", StringComparison.Ordinal) ? "*." : string.Empty;
            return prefix + new IdnMapping().GetAscii(name[prefix.Length..]).ToLowerInvariant();
        }
        catch (Exception e) when (e is ArgumentException or PlatformNotSupportedException)
        {
            return name.ToLowerInvariant();
        }
    }
}
