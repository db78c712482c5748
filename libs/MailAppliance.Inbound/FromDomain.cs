using MailAppliance.Dkim;

namespace MailAppliance.Inbound;

/// <summary>Finds the RFC5322.From domain DMARC evaluates (RFC 7489 §6.6.1).</summary>
internal static class FromDomain
{
    /// <summary>
    /// The domain of the single address in the single From field, or null when there is none, or several fields or
    /// addresses (§6.6.1 lets a receiver decline those; we then report dmarc=none rather than guess).
    /// </summary>
    public static string? Find(IReadOnlyList<DkimHeaderField> fields)
    {
        var from = fields.Where(f => f.Is("From")).ToList();
        if (from.Count != 1)
        {
            return null;
        }

        string value = StripComments(from[0].RawValueText.Replace("\r\n", string.Empty, StringComparison.Ordinal));
        int open = value.LastIndexOf('<');
        if (open >= 0)
        {
            int close = value.IndexOf('>', open);
            if (close < 0)
            {
                return null;
            }

            value = value[(open + 1)..close];
        }
        else if (value.Contains(',', StringComparison.Ordinal))
        {
            return null;
        }

        int at = value.LastIndexOf('@');
        if (at < 0)
        {
            return null;
        }

        string domain = value[(at + 1)..].Trim().TrimEnd('.');
        return domain.Length == 0 || domain.Any(c => char.IsWhiteSpace(c) || c is '"' or ';' or ',' or '<' or '>' or '[')
            ? null
            : domain.ToLowerInvariant();
    }

    /// <summary>Drops RFC 5322 §3.2.2 comments (nested parentheses) outside quoted strings.</summary>
    private static string StripComments(string value)
    {
        var result = new System.Text.StringBuilder(value.Length);
        int depth = 0;
        bool quoted = false;
        for (int i = 0; i < value.Length; i++)
        {
            char c = value[i];
            if (c == '\\' && i + 1 < value.Length && (quoted || depth > 0))
            {
                if (depth == 0)
                {
                    result.Append(c).Append(value[i + 1]);
                }

                i++;
                continue;
            }

            if (!quoted && c == '(')
            {
                depth++;
            }
            else if (!quoted && c == ')' && depth > 0)
            {
                depth--;
            }
            else if (depth == 0)
            {
                if (c == '"')
                {
                    quoted = !quoted;
                }

                result.Append(c);
            }
        }

        return result.ToString();
    }
}
