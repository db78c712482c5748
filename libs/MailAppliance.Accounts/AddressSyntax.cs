using System.Diagnostics.CodeAnalysis;
using System.Text;

namespace MailAppliance.Accounts;

/// <summary>
/// What the users and aliases files, their directories and mailctl accept as account names and domain names.
/// Stricter than RFC 5321 on purpose: names must survive being written to a line-based file and used as a
/// directory name, and must never need quoting.
/// </summary>
public static class AddressSyntax
{
    /// <summary>Longest local part in octets (RFC 5321 §4.5.3.1.1).</summary>
    public const int MaxLocalPartLength = 64;

    /// <summary>Longest domain name in octets (RFC 1035 §2.3.4, without the final dot).</summary>
    public const int MaxDomainLength = 253;

    /// <summary>Longest domain label in octets (RFC 1035 §2.3.4).</summary>
    public const int MaxLabelLength = 63;

    // RFC 5322 §3.2.3 "specials" (they would need a quoted local part), plus ',' and ':' which the aliases file
    // uses as separators and '*' which names the catch-all.
    private const string ForbiddenInNames = "()<>[]:;@\\,\"*";

    /// <summary>
    /// Checks the local part of an account or the name of an alias: not empty, at most 64 octets, no whitespace
    /// or control characters, none of <c>()&lt;&gt;[]:;@\,"*</c>, and not starting with <c>#</c> (that would
    /// read as a comment). Case is not checked: callers lower-case first.
    /// </summary>
    public static bool IsValidAccountName(string name, [NotNullWhen(false)] out string? problem)
    {
        if (name.Length == 0)
        {
            problem = "the name is empty";
            return false;
        }

        if (Encoding.UTF8.GetByteCount(name) > MaxLocalPartLength)
        {
            problem = $"'{name}' is longer than {MaxLocalPartLength} bytes";
            return false;
        }

        if (name[0] == '#')
        {
            problem = $"'{name}' starts with '#', which would make the line a comment";
            return false;
        }

        foreach (char c in name)
        {
            if (char.IsWhiteSpace(c) || char.IsControl(c))
            {
                problem = $"'{Printable(name)}' contains whitespace or a control character";
                return false;
            }

            if (ForbiddenInNames.Contains(c))
            {
                problem = $"'{name}' contains '{c}', which is not allowed in a name";
                return false;
            }
        }

        problem = null;
        return true;
    }

    /// <summary>
    /// Checks a domain name as used for a directory under <c>config/domains/</c>: lower-case, dot-separated labels
    /// of letters, digits and hyphens (letters of any script, for internationalized names), no label empty,
    /// longer than 63 octets, or starting or ending with a hyphen. This also keeps the name from escaping the
    /// domains directory (no '/', no '..').
    /// </summary>
    public static bool IsValidDomain(string domain, [NotNullWhen(false)] out string? problem)
    {
        if (domain.Length == 0)
        {
            problem = "the domain is empty";
            return false;
        }

        if (Encoding.UTF8.GetByteCount(domain) > MaxDomainLength)
        {
            problem = $"the domain '{domain}' is longer than {MaxDomainLength} bytes";
            return false;
        }

        if (domain != domain.ToLowerInvariant())
        {
            problem = $"the domain '{domain}' must be lower-case";
            return false;
        }

        foreach (string label in domain.Split('.'))
        {
            if (label.Length == 0)
            {
                problem = $"the domain '{domain}' has an empty label";
                return false;
            }

            if (Encoding.UTF8.GetByteCount(label) > MaxLabelLength)
            {
                problem = $"the domain '{domain}' has a label longer than {MaxLabelLength} bytes";
                return false;
            }

            if (label[0] == '-' || label[^1] == '-')
            {
                problem = $"the domain '{domain}' has a label starting or ending with '-'";
                return false;
            }

            foreach (char c in label)
            {
                if (!char.IsLetterOrDigit(c) && c != '-')
                {
                    problem = $"the domain '{Printable(domain)}' contains '{Printable(c.ToString())}', which is not a letter, digit or '-'";
                    return false;
                }
            }
        }

        problem = null;
        return true;
    }

    /// <summary>Replaces control characters with <c>?</c>, so that an error message stays on one line.</summary>
    internal static string Printable(string text) =>
        string.Create(text.Length, text, static (span, source) =>
        {
            for (int i = 0; i < source.Length; i++)
            {
                span[i] = char.IsControl(source[i]) ? '?' : source[i];
            }
        });
}
