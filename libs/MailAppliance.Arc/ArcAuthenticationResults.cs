using System.Text;
using MailAppliance.Dkim;

namespace MailAppliance.Arc;

/// <summary>
/// An ARC-Authentication-Results header field (RFC 8617 §4.1.1): <c>i=</c> instance, then an Authentication-Results
/// payload (RFC 8601 §2.2: authserv-id, then results).
/// </summary>
public sealed class ArcAuthenticationResults
{
    private ArcAuthenticationResults(DkimHeaderField field, int instance, string payload)
    {
        Field = field;
        Instance = instance;
        Payload = payload;
    }

    /// <summary>The field as found in the message.</summary>
    public DkimHeaderField Field { get; }

    /// <summary>The instance (<c>i=</c>).</summary>
    public int Instance { get; }

    /// <summary>Everything after <c>i=N;</c>: the authserv-id and the results, unfolded.</summary>
    public string Payload { get; }

    /// <summary>The authserv-id (the first token of <see cref="Payload"/>).</summary>
    public string AuthServId => Payload.Split(';', 2)[0].Trim();

    /// <summary>Parses an ARC-Authentication-Results field.</summary>
    /// <exception cref="ArcFormatException">The value does not start with <c>i=N;</c> (RFC 8617 §4.1.1).</exception>
    public static ArcAuthenticationResults Parse(DkimHeaderField field)
    {
        // arc-info = instance [CFWS] ";" authres-payload; instance = [CFWS] %s"i" [CFWS] "=" [CFWS] 1*2DIGIT
        // (RFC 8617 §4.1.1). Comments before i= are not written by any sealer; whitespace is.
        string value = Unfold(field.RawValueText);
        int semicolon = value.IndexOf(';', StringComparison.Ordinal);
        if (semicolon < 0)
        {
            throw new ArcFormatException("ARC-Authentication-Results has no ';' after i=");
        }

        string instance = value[..semicolon].Trim();
        int equals = instance.IndexOf('=', StringComparison.Ordinal);
        if (equals < 0 || instance[..equals].Trim() != "i" || !ArcTags.TryParseInstance(instance[(equals + 1)..].Trim(), out int i))
        {
            throw new ArcFormatException($"ARC-Authentication-Results does not start with i=<1-{ArcTags.MaxInstance}>;");
        }

        return new ArcAuthenticationResults(field, i, value[(semicolon + 1)..].Trim());
    }

    /// <summary>
    /// The value of a new AAR: <c>i=N; authserv-id; results</c>, one result per line (RFC 8617 §4.1.1; RFC 8601 §2.2).
    /// </summary>
    /// <param name="instance">The instance.</param>
    /// <param name="authServId">Our authserv-id (normally the host name).</param>
    /// <param name="results">The results, separated by ';' (e.g. <c>spf=pass smtp.mailfrom=a.example; dkim=pass
    /// header.d=a.example</c>); empty means <c>none</c> (RFC 8601 §2.2).</param>
    public static string FormatValue(int instance, string authServId, IEnumerable<string> results)
    {
        var list = results.Select(r => r.Trim()).Where(r => r.Length > 0).ToList();
        var text = new StringBuilder();
        text.Append("i=").Append(instance).Append("; ").Append(authServId.Trim()).Append(';');
        if (list.Count == 0)
        {
            text.Append(" none");
        }

        for (int i = 0; i < list.Count; i++)
        {
            text.Append(i == 0 ? " " : "\r\n\t").Append(list[i]).Append(i == list.Count - 1 ? string.Empty : ";");
        }

        return text.ToString();
    }

    /// <summary>
    /// Splits an Authentication-Results results text into its results (at ';' outside comments and quoted strings),
    /// unfolded and trimmed.
    /// </summary>
    public static IReadOnlyList<string> SplitResults(string results)
    {
        var list = new List<string>();
        var current = new StringBuilder();
        int depth = 0;
        bool quoted = false;
        string text = Unfold(results);
        for (int i = 0; i < text.Length; i++)
        {
            char c = text[i];
            if (quoted)
            {
                if (c == '\\' && i + 1 < text.Length)
                {
                    current.Append(c).Append(text[++i]);
                    continue;
                }

                quoted = c != '"';
            }
            else if (c == '"' && depth == 0)
            {
                quoted = true;
            }
            else if (c == '(')
            {
                depth++;
            }
            else if (c == ')' && depth > 0)
            {
                depth--;
            }
            else if (c == ';' && depth == 0)
            {
                Flush();
                continue;
            }

            current.Append(c);
        }

        Flush();
        return list;

        void Flush()
        {
            string item = current.ToString().Trim();
            if (item.Length > 0)
            {
                list.Add(item);
            }

            current.Clear();
        }
    }

    /// <summary>
    /// The results of every Authentication-Results field of a header section that carries <paramref name="authServId"/>,
    /// in field order, without the authserv-id: what a sealer copies into its AAR (the consolidation the ARC test
    /// suite describes). Results that say <c>none</c> are left out.
    /// </summary>
    public static IReadOnlyList<string> Consolidate(IEnumerable<DkimHeaderField> fields, string authServId)
    {
        var results = new List<string>();
        foreach (var field in fields.Where(f => f.Is("Authentication-Results")))
        {
            var parts = SplitResults(field.RawValueText);
            if (parts.Count == 0 || !SameAuthServId(parts[0], authServId))
            {
                continue;
            }

            results.AddRange(parts.Skip(1).Where(p => !p.Equals("none", StringComparison.OrdinalIgnoreCase)));
        }

        return results;
    }

    /// <inheritdoc />
    public override string ToString() => $"ARC-Authentication-Results i={Instance}; {Payload}";

    private static bool SameAuthServId(string first, string authServId)
    {
        // authserv-id = value, optionally followed by a version (RFC 8601 §2.2); compare the id without case.
        string id = first.Split([' ', '\t', '('], 2, StringSplitOptions.RemoveEmptyEntries).FirstOrDefault() ?? string.Empty;
        return id.Equals(authServId, StringComparison.OrdinalIgnoreCase);
    }

    private static string Unfold(string value) => value.Replace("\r\n", string.Empty, StringComparison.Ordinal).Replace('\n', ' ');
}
