using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace MailAppliance.DnsRecords;

/// <summary>An SPF qualifier (RFC 7208 §4.6.2).</summary>
public enum SpfQualifier
{
    /// <summary><c>+</c>, the default: the mechanism's match is a pass.</summary>
    Pass,

    /// <summary><c>-</c>: a match is a fail.</summary>
    Fail,

    /// <summary><c>~</c>: a match is a softfail.</summary>
    SoftFail,

    /// <summary><c>?</c>: a match is neutral.</summary>
    Neutral,
}

/// <summary>One SPF directive (RFC 7208 §4.6.1): a qualifier, a mechanism and its argument.</summary>
/// <param name="Qualifier">The qualifier.</param>
/// <param name="Mechanism">all, include, a, mx, ptr, ip4, ip6 or exists, lower-case.</param>
/// <param name="Value">The text after ':' (domain-spec or address), or null.</param>
/// <param name="Cidr">The text after '/', e.g. <c>24</c> or <c>24//64</c>, or null.</param>
public sealed record SpfDirective(SpfQualifier Qualifier, string Mechanism, string? Value = null, string? Cidr = null)
{
    /// <summary>True for the mechanisms that cost a DNS query (RFC 7208 §4.6.4): include, a, mx, ptr, exists.</summary>
    public bool QueriesDns => Mechanism is "include" or "a" or "mx" or "ptr" or "exists";

    /// <inheritdoc />
    public override string ToString()
    {
        var text = new StringBuilder();
        text.Append(Qualifier switch
        {
            SpfQualifier.Fail => "-",
            SpfQualifier.SoftFail => "~",
            SpfQualifier.Neutral => "?",
            _ => string.Empty,
        });
        text.Append(Mechanism);
        if (Value is not null)
        {
            text.Append(':').Append(Value);
        }

        if (Cidr is not null)
        {
            text.Append('/').Append(Cidr);
        }

        return text.ToString();
    }
}

/// <summary>
/// An SPF record (RFC 7208 §4.5, §5, §6): <c>v=spf1</c>, directives, and the modifiers redirect= and exp=. The same
/// type formats the record to publish and parses a published one; a parse error is what RFC 7208 §4.6 calls a
/// permerror, and its message says which term is wrong.
/// </summary>
public sealed class SpfRecord
{
    /// <summary>The version section (RFC 7208 §4.5).</summary>
    public const string Version = "v=spf1";

    /// <summary>The most DNS-querying terms an evaluation may need (RFC 7208 §4.6.4).</summary>
    public const int MaxDnsQueryingTerms = 10;

    /// <summary>The directives, in order (the order is the evaluation order, RFC 7208 §4.6.2).</summary>
    public IReadOnlyList<SpfDirective> Directives { get; init; } = [];

    /// <summary>The <c>redirect=</c> domain-spec (RFC 7208 §6.1), or null.</summary>
    public string? Redirect { get; init; }

    /// <summary>The <c>exp=</c> domain-spec (RFC 7208 §6.2), or null.</summary>
    public string? Explanation { get; init; }

    /// <summary>Other modifiers, which evaluation ignores (RFC 7208 §6), in order.</summary>
    public IReadOnlyList<KeyValuePair<string, string>> OtherModifiers { get; init; } = [];

    /// <summary>
    /// The terms of this record that cause DNS queries (RFC 7208 §4.6.4): include, a, mx, ptr, exists and redirect.
    /// Included records add theirs; an evaluation over 10 is a permerror.
    /// </summary>
    public int DnsQueryingTermCount => Directives.Count(d => d.QueriesDns) + (Redirect is null ? 0 : 1);

    /// <summary>The record <c>v=spf1 mx ip4:... ip6:... -all</c> (or <c>~all</c>) authorizing the MX hosts and the addresses.</summary>
    public static SpfRecord ForAddresses(IEnumerable<IPAddress> addresses, bool softFail = false)
    {
        var directives = new List<SpfDirective> { new(SpfQualifier.Pass, "mx") };
        foreach (var address in addresses)
        {
            directives.Add(new(SpfQualifier.Pass, address.AddressFamily == AddressFamily.InterNetworkV6 ? "ip6" : "ip4", address.ToString()));
        }

        directives.Add(new(softFail ? SpfQualifier.SoftFail : SpfQualifier.Fail, "all"));
        return new SpfRecord { Directives = directives };
    }

    /// <summary>True when <paramref name="text"/> is an SPF record at all (RFC 7208 §4.5: begins <c>v=spf1</c> then space or end).</summary>
    public static bool IsSpf(string text) =>
        text.StartsWith(Version, StringComparison.OrdinalIgnoreCase) && (text.Length == Version.Length || text[Version.Length] == ' ');

    /// <summary>Parses a record (the TXT strings already joined, RFC 7208 §3.3).</summary>
    /// <exception cref="DnsRecordFormatException">The record breaks RFC 7208 §4.6.1/§12; the message says which term.</exception>
    public static SpfRecord Parse(string text)
    {
        if (!IsSpf(text))
        {
            throw new DnsRecordFormatException("an SPF record begins with 'v=spf1' followed by a space or the end (RFC 7208 §4.5)");
        }

        var directives = new List<SpfDirective>();
        var others = new List<KeyValuePair<string, string>>();
        string? redirect = null;
        string? explanation = null;
        string rest = text[Version.Length..];
        // RFC 7208 §12: terms are separated by 1*SP, and trailing spaces are allowed.
        foreach (string term in rest.Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            if (term.Any(c => c < 0x21 || c > 0x7e))
            {
                throw new DnsRecordFormatException($"the term '{term}' contains a character outside visible ASCII (RFC 7208 §7.1)");
            }

            int equals = term.IndexOf('=', StringComparison.Ordinal);
            int colon = term.IndexOfAny([':', '/']);
            if (equals > 0 && (colon < 0 || equals < colon) && IsModifierName(term[..equals]))
            {
                // RFC 7208 §6: modifier = redirect / explanation / unknown-modifier; name "=" macro-string.
                string name = term[..equals].ToLowerInvariant();
                string value = term[(equals + 1)..];
                switch (name)
                {
                    case "redirect":
                        // RFC 7208 §6: "these two modifiers MUST NOT appear in a record more than once each".
                        if (redirect is not null)
                        {
                            throw new DnsRecordFormatException("redirect= appears twice (RFC 7208 §6)");
                        }

                        redirect = DomainSpec(value, term);
                        break;
                    case "exp":
                        if (explanation is not null)
                        {
                            throw new DnsRecordFormatException("exp= appears twice (RFC 7208 §6)");
                        }

                        explanation = DomainSpec(value, term);
                        break;
                    default:
                        MacroString(value, term, allowEmpty: true);
                        others.Add(new(name, value));
                        break;
                }

                continue;
            }

            directives.Add(Directive(term));
        }

        return new SpfRecord { Directives = directives, Redirect = redirect, Explanation = explanation, OtherModifiers = others };
    }

    /// <summary>Parses a record; false with the problem instead of an exception.</summary>
    public static bool TryParse(string text, out SpfRecord? record, out string? problem)
        => RecordParsing.TryParse(Parse, text, out record, out problem);

    /// <summary>The record as one TXT value, e.g. <c>v=spf1 mx ip4:192.0.2.1 -all</c>.</summary>
    public override string ToString()
    {
        var terms = new List<string> { Version };
        terms.AddRange(Directives.Select(d => d.ToString()));
        if (Redirect is not null)
        {
            terms.Add("redirect=" + Redirect);
        }

        if (Explanation is not null)
        {
            terms.Add("exp=" + Explanation);
        }

        terms.AddRange(OtherModifiers.Select(m => $"{m.Key}={m.Value}"));
        return string.Join(' ', terms);
    }

    /// <summary>The TXT record at <paramref name="domain"/>.</summary>
    public ZoneRecord ToZoneRecord(string domain, string comment) => new(domain, "TXT", TxtStrings.Split(ToString()), comment);

    // RFC 7208 §12: name = ALPHA *( ALPHA / DIGIT / "-" / "_" / "." )
    private static bool IsModifierName(string name) =>
        name.Length > 0 && char.IsAsciiLetter(name[0]) && name.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.');

    private static SpfDirective Directive(string term)
    {
        var qualifier = term[0] switch
        {
            '+' => SpfQualifier.Pass,
            '-' => SpfQualifier.Fail,
            '~' => SpfQualifier.SoftFail,
            '?' => SpfQualifier.Neutral,
            _ => (SpfQualifier?)null,
        };
        string body = qualifier is null ? term : term[1..];
        int end = 0;
        while (end < body.Length && char.IsAsciiLetterOrDigit(body[end]))
        {
            end++;
        }

        string mechanism = body[..end].ToLowerInvariant();
        string rest = body[end..];
        var q = qualifier ?? SpfQualifier.Pass;
        switch (mechanism)
        {
            case "all":
                if (rest.Length > 0)
                {
                    throw new DnsRecordFormatException($"'{term}': all takes no argument (RFC 7208 §5.1)");
                }

                return new(q, mechanism);
            case "include":
            case "exists":
                if (!rest.StartsWith(':'))
                {
                    throw new DnsRecordFormatException($"'{term}': {mechanism} needs ':domain' (RFC 7208 §5.2, §5.7)");
                }

                return new(q, mechanism, DomainSpec(rest[1..], term));
            case "ptr":
                if (rest.Length == 0)
                {
                    return new(q, mechanism);
                }

                if (!rest.StartsWith(':'))
                {
                    throw new DnsRecordFormatException($"'{term}': ptr takes ':domain' or nothing (RFC 7208 §5.5)");
                }

                return new(q, mechanism, DomainSpec(rest[1..], term));
            case "a":
            case "mx":
            {
                // RFC 7208 §5.3/§5.4: "a" [ ":" domain-spec ] [ dual-cidr-length ]
                string? value = null;
                string? cidr = null;
                if (rest.StartsWith(':'))
                {
                    int slash = rest.IndexOf('/', StringComparison.Ordinal);
                    value = DomainSpec(slash < 0 ? rest[1..] : rest[1..slash], term);
                    rest = slash < 0 ? string.Empty : rest[slash..];
                }

                if (rest.Length > 0)
                {
                    if (!rest.StartsWith('/'))
                    {
                        throw new DnsRecordFormatException($"'{term}' is not a valid {mechanism} mechanism (RFC 7208 §5.3)");
                    }

                    cidr = rest[1..];
                    DualCidr(cidr, term);
                }

                return new(q, mechanism, value, cidr);
            }

            case "ip4":
            case "ip6":
            {
                if (!rest.StartsWith(':'))
                {
                    throw new DnsRecordFormatException($"'{term}': {mechanism} needs ':address' (RFC 7208 §5.6)");
                }

                string network = rest[1..];
                string? cidr = null;
                int slash = network.IndexOf('/', StringComparison.Ordinal);
                if (slash >= 0)
                {
                    cidr = network[(slash + 1)..];
                    network = network[..slash];
                }

                var family = mechanism == "ip4" ? AddressFamily.InterNetwork : AddressFamily.InterNetworkV6;
                if (!IPAddress.TryParse(network, out var address) || address.AddressFamily != family ||
                    (family == AddressFamily.InterNetwork && network.Count(c => c == '.') != 3))
                {
                    throw new DnsRecordFormatException($"'{term}': '{network}' is not an {(mechanism == "ip4" ? "IPv4" : "IPv6")} address (RFC 7208 §5.6)");
                }

                if (cidr is not null)
                {
                    Cidr(cidr, mechanism == "ip4" ? 32 : 128, term);
                }

                return new(q, mechanism, network, cidr);
            }

            default:
                // RFC 7208 §5: an unknown mechanism is a permerror; so is any term that is neither.
                throw new DnsRecordFormatException(mechanism.Length == 0
                    ? $"'{term}' is neither a mechanism nor a modifier (RFC 7208 §4.6.1)"
                    : $"'{term}': unknown mechanism '{mechanism}' (RFC 7208 §5)");
        }
    }

    private static void DualCidr(string cidr, string term)
    {
        // RFC 7208 §5.6: dual-cidr-length = [ ip4-cidr-length ] [ "/" ip6-cidr-length ]; here the first '/' is consumed.
        int slash = cidr.IndexOf('/', StringComparison.Ordinal);
        if (slash < 0)
        {
            Cidr(cidr, 32, term);
            return;
        }

        if (slash == 0)
        {
            // "//64": no IPv4 length, then "/" ip6-cidr-length.
            Cidr(cidr[1..], 128, term);
            return;
        }

        // "/24//64": ip4-cidr-length, then "/" and "/" ip6-cidr-length.
        Cidr(cidr[..slash], 32, term);
        if (!cidr[slash..].StartsWith("//", StringComparison.Ordinal))
        {
            throw new DnsRecordFormatException($"'{term}': the IPv6 prefix length follows '//' (RFC 7208 §5.6 dual-cidr-length)");
        }

        Cidr(cidr[(slash + 2)..], 128, term);
    }

    private static void Cidr(string text, int max, string term)
    {
        // RFC 7208 §5.6: ip4-cidr-length = "/" ("0" / %x31-39 0*1DIGIT), at most 32; ip6 at most 128. No leading zeros.
        if (text.Length == 0 || !text.All(char.IsAsciiDigit) || (text.Length > 1 && text[0] == '0') ||
            !int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out int length) || length > max)
        {
            throw new DnsRecordFormatException($"'{term}': '/{text}' is not a prefix length from 0 to {max} (RFC 7208 §5.6)");
        }
    }

    private static string DomainSpec(string text, string term)
    {
        // RFC 7208 §7.1: domain-spec = macro-string domain-end; domain-end = ( "." toplabel [ "." ] ) / macro-expand
        if (text.Length == 0)
        {
            throw new DnsRecordFormatException($"'{term}': the domain is empty (RFC 7208 §7.1)");
        }

        MacroString(text, term, allowEmpty: false);
        string trimmed = text.TrimEnd('.');
        if (!trimmed.EndsWith('}'))
        {
            int dot = trimmed.LastIndexOf('.');
            string top = dot < 0 ? trimmed : trimmed[(dot + 1)..];
            // toplabel = ( *alphanum ALPHA *alphanum ) / ( 1*alphanum "-" *( alphanum / "-" ) alphanum )
            bool ok = dot >= 0 && top.Length > 0 && top.All(c => char.IsAsciiLetterOrDigit(c) || c == '-') &&
                      top[0] != '-' && top[^1] != '-' && (top.Any(char.IsAsciiLetter) || top.Contains('-'));
            if (!ok)
            {
                throw new DnsRecordFormatException($"'{term}': '{text}' does not end in a domain name (RFC 7208 §7.1 domain-end)");
            }
        }

        return text;
    }

    private static void MacroString(string text, string term, bool allowEmpty)
    {
        if (!allowEmpty && text.Length == 0)
        {
            throw new DnsRecordFormatException($"'{term}': empty value");
        }

        // RFC 7208 §7.1: macro-expand = ( "%{" macro-letter transformers *delimiter "}" ) / "%%" / "%_" / "%-"
        for (int i = 0; i < text.Length; i++)
        {
            if (text[i] != '%')
            {
                continue;
            }

            if (i + 1 >= text.Length)
            {
                throw new DnsRecordFormatException($"'{term}': '%' at the end of a macro-string (RFC 7208 §7.1)");
            }

            char next = text[i + 1];
            if (next is '%' or '_' or '-')
            {
                i++;
                continue;
            }

            if (next != '{')
            {
                throw new DnsRecordFormatException($"'{term}': '%{next}' is not a macro; a literal '%' is written '%%' (RFC 7208 §7.1)");
            }

            int close = text.IndexOf('}', i + 2);
            if (close < 0)
            {
                throw new DnsRecordFormatException($"'{term}': a macro '%{{' is not closed (RFC 7208 §7.1)");
            }

            string macro = text[(i + 2)..close];
            int j = 0;
            if (macro.Length == 0 || "slodiphcrtvSLODIPHCRTV".IndexOf(macro[0], StringComparison.Ordinal) < 0)
            {
                throw new DnsRecordFormatException($"'{term}': '%{{{macro}}}' has no valid macro letter (RFC 7208 §7.2)");
            }

            j++;
            while (j < macro.Length && char.IsAsciiDigit(macro[j]))
            {
                j++;
            }

            if (j < macro.Length && macro[j] is 'r' or 'R')
            {
                j++;
            }

            if (macro[j..].Any(c => ".-+,/_=".IndexOf(c, StringComparison.Ordinal) < 0))
            {
                throw new DnsRecordFormatException($"'{term}': '%{{{macro}}}' has invalid transformers or delimiters (RFC 7208 §7.1)");
            }

            i = close;
        }
    }
}
