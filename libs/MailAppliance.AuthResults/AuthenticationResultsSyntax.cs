using System.Text;

namespace MailAppliance.AuthResults;

/// <summary>Lexical rules of Authentication-Results values (RFC 8601 §2.2, RFC 2045 §5.1 token, RFC 5322 §3.2).</summary>
internal static class AuthenticationResultsSyntax
{
    private const string TokenSpecials = "()<>@,;:\\\"/[]?=";

    /// <summary>True for an RFC 2045 token: printable ASCII without spaces and tspecials.</summary>
    public static bool IsToken(string value) =>
        value.Length > 0 && value.All(c => c is > ' ' and <= '~' && !TokenSpecials.Contains(c, StringComparison.Ordinal));

    /// <summary>True for a value usable unquoted as authserv-id: a token (a host name is one).</summary>
    public static bool IsValue(string value) => IsToken(value);

    /// <summary>
    /// A pvalue (§2.2): a token or <c>[local-part] "@" domain</c> as is when the local part is a dot-atom;
    /// otherwise a quoted-string.
    /// </summary>
    public static string PropertyValue(string value)
    {
        if (IsToken(value))
        {
            return value;
        }

        int at = value.LastIndexOf('@');
        if (at >= 0)
        {
            string local = value[..at];
            string domain = value[(at + 1)..];
            if ((local.Length == 0 || IsDotAtom(local)) && domain.Length > 0 && IsDotAtom(domain))
            {
                return value;
            }
        }

        return Quote(value);
    }

    /// <summary>A quoted-string with <c>"</c> and <c>\</c> escaped; control characters dropped.</summary>
    public static string Quote(string value)
    {
        var text = new StringBuilder(value.Length + 2).Append('"');
        foreach (char c in value)
        {
            if (c is '"' or '\\')
            {
                text.Append('\\');
            }

            if (c >= ' ' && c != '\x7f')
            {
                text.Append(c);
            }
        }

        return text.Append('"').ToString();
    }

    /// <summary>Text safe inside a comment: parentheses and backslashes escaped, line breaks and controls turned to spaces.</summary>
    public static string CommentText(string value)
    {
        var text = new StringBuilder(value.Length);
        foreach (char c in value)
        {
            if (c is '(' or ')' or '\\')
            {
                text.Append('\\').Append(c);
            }
            else
            {
                text.Append(c < ' ' || c == '\x7f' ? ' ' : c);
            }
        }

        return text.ToString();
    }

    // atext of RFC 5322 §3.2.3
    private static bool IsAtext(char c) => char.IsAsciiLetterOrDigit(c) || "!#$%&'*+-/=?^_`{|}~".Contains(c, StringComparison.Ordinal) || c > '~';

    private static bool IsDotAtom(string value) => value.Split('.').All(part => part.Length > 0 && part.All(IsAtext));
}
