using MailAppliance.Core;

namespace MailAppliance.Smtp.Protocol;

/// <summary>
/// Parses RFC 5321 §4.1.2 paths (<c>&lt;local@domain&gt;</c>) and ESMTP parameters. Source routes are accepted
/// and ignored (RFC 5321 §4.1.1.3, Appendix C), so <c>&lt;@ours:user@elsewhere&gt;</c> is judged by
/// <c>user@elsewhere</c>; a <c>%</c> in a local part is just a character (no percent-hack routing).
/// </summary>
public static class SmtpPath
{
    /// <summary>RFC 5321 §4.5.3.1.1: maximum local-part length.</summary>
    public const int MaxLocalPart = 64;

    /// <summary>RFC 5321 §4.5.3.1.2: maximum domain length.</summary>
    public const int MaxDomain = 255;

    /// <summary>RFC 5321 §4.5.3.1.3: maximum path length including the angle brackets.</summary>
    public const int MaxPath = 256;

    /// <summary>
    /// Parses <c>FROM:&lt;path&gt; params</c> or <c>TO:&lt;path&gt; params</c> after the verb.
    /// Returns null reply on success.
    /// </summary>
    public static SmtpReply? TryParse(string argument, string keyword, bool allowNull, out EmailAddress address, out IReadOnlyList<KeyValuePair<string, string?>> parameters)
    {
        address = default;
        parameters = [];
        if (!argument.StartsWith(keyword, StringComparison.OrdinalIgnoreCase))
        {
            return SmtpReplies.SyntaxError;
        }

        // Many clients write "MAIL FROM: <a@b>"; RFC 5321 has no space, Postfix and others accept it.
        ReadOnlySpan<char> rest = argument.AsSpan(keyword.Length).TrimStart(' ');
        int end;
        ReadOnlySpan<char> path;
        if (rest.StartsWith("<"))
        {
            end = FindPathEnd(rest);
            if (end < 0)
            {
                return SmtpReplies.BadAddress;
            }

            path = rest[1..end];
            end++;
        }
        else
        {
            // Tolerate a path without angle brackets (old clients); it then cannot contain spaces.
            end = rest.IndexOf(' ');
            end = end < 0 ? rest.Length : end;
            path = rest[..end];
        }

        if (end > MaxPath)
        {
            return SmtpReplies.BadAddress;
        }

        if (path.IsEmpty)
        {
            if (!allowNull)
            {
                return SmtpReplies.BadAddress;
            }

            address = EmailAddress.Null;
        }
        else if (!TryParseMailbox(StripSourceRoute(path), out address))
        {
            return SmtpReplies.BadAddress;
        }

        var list = new List<KeyValuePair<string, string?>>();
        foreach (var token in rest[end..].ToString().Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            int eq = token.IndexOf('=');
            string key = (eq < 0 ? token : token[..eq]).ToUpperInvariant();
            if (key.Length == 0 || !key.All(c => char.IsAsciiLetterOrDigit(c) || c == '-'))
            {
                return SmtpReplies.SyntaxError;
            }

            list.Add(new(key, eq < 0 ? null : token[(eq + 1)..]));
        }

        parameters = list;
        return null;
    }

    /// <summary>Parses <c>local@domain</c> with an RFC 5321 dot-string or quoted-string local part.</summary>
    public static bool TryParseMailbox(ReadOnlySpan<char> text, out EmailAddress address)
    {
        address = default;
        int at;
        if (text.StartsWith("\""))
        {
            int i = 1;
            while (i < text.Length && text[i] != '"')
            {
                if (text[i] == '\\')
                {
                    i++;
                }

                if (i < text.Length && (text[i] < 32 || text[i] == 127))
                {
                    return false;
                }

                i++;
            }

            if (i >= text.Length)
            {
                return false;
            }

            at = i + 1;
            if (at >= text.Length || text[at] != '@')
            {
                return false;
            }
        }
        else
        {
            at = text.IndexOf('@');
            if (at <= 0 || !IsDotString(text[..at]))
            {
                return false;
            }
        }

        ReadOnlySpan<char> local = text[..at];
        ReadOnlySpan<char> domain = text[(at + 1)..];
        if (local.Length > MaxLocalPart || !IsDomain(domain))
        {
            return false;
        }

        address = new EmailAddress(local.ToString(), domain.ToString().ToLowerInvariant());
        return true;
    }

    /// <summary>True when the address needs SMTPUTF8 (RFC 6531 §3.3).</summary>
    public static bool NeedsUtf8(EmailAddress address) =>
        address.LocalPart.Any(c => c > 127) || address.Domain.Any(c => c > 127);

    /// <summary>Validates RFC 3461 §4 xtext.</summary>
    public static bool IsXtext(string value)
    {
        for (int i = 0; i < value.Length; i++)
        {
            char c = value[i];
            if (c == '+')
            {
                if (i + 2 >= value.Length || !char.IsAsciiHexDigitUpper(value[i + 1]) || !char.IsAsciiHexDigitUpper(value[i + 2]))
                {
                    return false;
                }

                i += 2;
            }
            else if (c is < '!' or > '~' or '=')
            {
                return false;
            }
        }

        return value.Length > 0;
    }

    private static int FindPathEnd(ReadOnlySpan<char> rest)
    {
        bool quoted = false;
        for (int i = 1; i < rest.Length; i++)
        {
            char c = rest[i];
            if (quoted && c == '\\')
            {
                i++;
            }
            else if (c == '"')
            {
                quoted = !quoted;
            }
            else if (c == '>' && !quoted)
            {
                return i;
            }
        }

        return -1;
    }

    private static ReadOnlySpan<char> StripSourceRoute(ReadOnlySpan<char> path)
    {
        // A-d-l ":" Mailbox (RFC 5321 §4.1.2): "@one.example,@two.example:user@three.example".
        if (!path.StartsWith("@"))
        {
            return path;
        }

        int colon = path.IndexOf(':');
        return colon < 0 ? ReadOnlySpan<char>.Empty : path[(colon + 1)..];
    }

    private static bool IsDotString(ReadOnlySpan<char> local)
    {
        if (local.IsEmpty || local[0] == '.' || local[^1] == '.' || local.Contains("..", StringComparison.Ordinal))
        {
            return false;
        }

        foreach (char c in local)
        {
            // atext (RFC 5322 §3.2.3), plus UTF-8 for SMTPUTF8 (RFC 6531 §3.3).
            if (!(char.IsAsciiLetterOrDigit(c) || "!#$%&'*+-/=?^_`{|}~.".Contains(c) || c > 127))
            {
                return false;
            }
        }

        return true;
    }

    private static bool IsDomain(ReadOnlySpan<char> domain)
    {
        if (domain.IsEmpty || domain.Length > MaxDomain)
        {
            return false;
        }

        if (domain[0] == '[')
        {
            // address-literal (RFC 5321 §4.1.3); kept as text, never local.
            return domain[^1] == ']' && domain.Length > 2 && !domain[1..^1].ContainsAny("[]\\ ");
        }

        foreach (var label in domain.ToString().Split('.'))
        {
            if (label.Length is 0 or > 63 || label[0] == '-' || label[^1] == '-'
                || !label.All(c => char.IsAsciiLetterOrDigit(c) || c == '-' || c > 127))
            {
                return false;
            }
        }

        return true;
    }
}
