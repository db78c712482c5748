using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text.RegularExpressions;

namespace MailAppliance.Spf;

/// <summary>
/// Parses SPF records for evaluation (RFC 7208 §4.6, §12 ABNF). The whole record is checked before anything is
/// evaluated: any syntax error makes the result permerror (§4.6).
/// </summary>
public static partial class SpfPolicyParser
{
    /// <summary>The version section every SPF record starts with (§4.5).</summary>
    public const string Version = "v=spf1";

    /// <summary>True when a TXT value is an SPF record: <c>v=spf1</c> alone or followed by a space (§4.5).</summary>
    public static bool IsSpfRecord(string text) =>
        text.StartsWith(Version, StringComparison.OrdinalIgnoreCase) && (text.Length == Version.Length || text[Version.Length] == ' ');

    /// <summary>Parses a record; false with the problem when it breaks the syntax.</summary>
    public static bool TryParse(string text, out SpfPolicy? policy, out string? problem)
    {
        try
        {
            policy = Parse(text);
            problem = null;
            return true;
        }
        catch (SpfSyntaxException e)
        {
            policy = null;
            problem = e.Message;
            return false;
        }
    }

    private static SpfPolicy Parse(string text)
    {
        if (!IsSpfRecord(text))
        {
            throw new SpfSyntaxException("the record does not start with v=spf1");
        }

        var directives = new List<SpfDirective>();
        string? redirect = null, explanation = null;
        // §4.6.1: terms are separated by one or more spaces (SP only).
        foreach (string term in text[Version.Length..].Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            var modifier = ModifierPattern().Match(term);
            if (modifier.Success)
            {
                string name = modifier.Groups[1].Value;
                string value = modifier.Groups[2].Value;
                if (name.Equals("redirect", StringComparison.OrdinalIgnoreCase))
                {
                    // §6: redirect and exp may each appear at most once.
                    redirect = redirect is null ? DomainSpec(value, term) : throw new SpfSyntaxException("redirect= appears twice (RFC 7208 §6)");
                }
                else if (name.Equals("exp", StringComparison.OrdinalIgnoreCase))
                {
                    explanation = explanation is null ? DomainSpec(value, term) : throw new SpfSyntaxException("exp= appears twice (RFC 7208 §6)");
                }
                else if (SpfMacroString.Check(value, SpfMacroString.ExplanationLetters) is { } bad)
                {
                    // §6: unknown modifiers are ignored, but must still be syntactically valid macro-strings.
                    throw new SpfSyntaxException($"{term}: {bad}");
                }

                continue;
            }

            directives.Add(Directive(term));
        }

        return new SpfPolicy(directives, redirect, explanation);
    }

    private static SpfDirective Directive(string term)
    {
        SpfResult qualifier = SpfResult.Pass;
        string rest = term;
        if (term[0] is '+' or '-' or '~' or '?')
        {
            qualifier = term[0] switch { '-' => SpfResult.Fail, '~' => SpfResult.SoftFail, '?' => SpfResult.Neutral, _ => SpfResult.Pass };
            rest = term[1..];
        }

        int end = rest.IndexOfAny([':', '/']);
        string name = (end < 0 ? rest : rest[..end]).ToLowerInvariant();
        string arguments = end < 0 ? string.Empty : rest[end..];
        switch (name)
        {
            case "all":
                Require(arguments.Length == 0, term, "all takes no arguments");
                return new SpfDirective(qualifier, SpfMechanismKind.All, null, null, 32, 128, term);
            case "include":
            case "exists":
                Require(arguments.StartsWith(':') && arguments.Length > 1, term, $"{name} needs a domain (\"{name}:domain\")");
                return new SpfDirective(qualifier, name == "include" ? SpfMechanismKind.Include : SpfMechanismKind.Exists,
                    DomainSpec(arguments[1..], term), null, 32, 128, term);
            case "ptr":
                Require(arguments.Length == 0 || (arguments.StartsWith(':') && arguments.Length > 1), term, "ptr takes an optional domain and no prefix length");
                return new SpfDirective(qualifier, SpfMechanismKind.Ptr, arguments.Length == 0 ? null : DomainSpec(arguments[1..], term), null, 32, 128, term);
            case "a":
            case "mx":
                return AddressDirective(qualifier, name == "a" ? SpfMechanismKind.A : SpfMechanismKind.Mx, arguments, term);
            case "ip4":
            case "ip6":
                return NetworkDirective(qualifier, name == "ip4" ? SpfMechanismKind.Ip4 : SpfMechanismKind.Ip6, arguments, term);
            default:
                throw new SpfSyntaxException($"{term}: unknown mechanism (RFC 7208 §5)");
        }
    }

    private static SpfDirective AddressDirective(SpfResult qualifier, SpfMechanismKind kind, string arguments, string term)
    {
        // a / mx: [ ":" domain-spec ] [ dual-cidr-length ]; the cidr is taken from the end (§5.3, §5.4).
        var cidr = DualCidrPattern().Match(arguments);
        string domain = arguments[..cidr.Index];
        int ip4 = 32, ip6 = 128;
        if (cidr.Groups[1].Success)
        {
            ip4 = Prefix(cidr.Groups[1].Value, 32, term);
        }

        if (cidr.Groups[2].Success)
        {
            ip6 = Prefix(cidr.Groups[2].Value, 128, term);
        }

        string? spec = null;
        if (domain.Length > 0)
        {
            Require(domain.StartsWith(':') && domain.Length > 1, term, "expected \":domain\" or a prefix length");
            spec = DomainSpec(domain[1..], term);
        }

        return new SpfDirective(qualifier, kind, spec, null, ip4, ip6, term);
    }

    private static SpfDirective NetworkDirective(SpfResult qualifier, SpfMechanismKind kind, string arguments, string term)
    {
        Require(arguments.StartsWith(':'), term, "expected \":network\"");
        string network = arguments[1..];
        int slash = network.IndexOf('/');
        string address = slash < 0 ? network : network[..slash];
        bool six = kind == SpfMechanismKind.Ip6;
        int prefix = slash < 0 ? (six ? 128 : 32) : Prefix(network[(slash + 1)..], six ? 128 : 32, term);
        IPAddress? parsed;
        if (six)
        {
            Require(address.Contains(':') && !address.Contains('%') && IPAddress.TryParse(address, out parsed)
                    && parsed.AddressFamily == AddressFamily.InterNetworkV6, term, "not an IPv6 address (RFC 7208 §5.6)");
        }
        else
        {
            // ip4-network = qnum "." qnum "." qnum "." qnum, no leading zeros (§12): stricter than IPAddress.Parse.
            Require(Ip4Pattern().IsMatch(address) && IPAddress.TryParse(address, out parsed), term, "not an IPv4 address (RFC 7208 §5.6)");
        }

        return new SpfDirective(qualifier, kind, null, IPAddress.Parse(address), six ? 32 : prefix, six ? prefix : 32, term);
    }

    private static int Prefix(string digits, int max, string term)
    {
        // ip4-cidr-length = "/" ("0" / %x31-39 0*1DIGIT); ip6 likewise with up to 3 digits (§12).
        Require(digits.Length is > 0 and <= 3 && digits.All(char.IsAsciiDigit) && (digits == "0" || digits[0] != '0'), term, "bad prefix length");
        int value = int.Parse(digits, CultureInfo.InvariantCulture);
        Require(value <= max, term, $"prefix length {value} is over {max}");
        return value;
    }

    /// <summary>
    /// Checks a domain-spec (§7.1): a macro-string of the domain letters ending in a macro or in "." toplabel
    /// (letters, digits, inner hyphens, not all digits), optionally followed by one dot.
    /// </summary>
    private static string DomainSpec(string spec, string term)
    {
        Require(spec.Length > 0, term, "empty domain");
        if (SpfMacroString.Check(spec, SpfMacroString.DomainLetters) is { } bad)
        {
            throw new SpfSyntaxException($"{term}: {bad}");
        }

        if (!SpfMacroString.EndsWithMacro(spec))
        {
            string trimmed = spec.EndsWith('.') ? spec[..^1] : spec;
            int dot = trimmed.LastIndexOf('.');
            Require(dot >= 0 && TopLabelPattern().IsMatch(trimmed[(dot + 1)..]), term, "the domain does not end in a valid top label (RFC 7208 §7.1)");
        }

        return spec;
    }

    private static void Require(bool condition, string term, string problem)
    {
        if (!condition)
        {
            throw new SpfSyntaxException($"{term}: {problem}");
        }
    }

    [GeneratedRegex(@"^([A-Za-z][A-Za-z0-9\-_.]*)=(.*)$")]
    private static partial Regex ModifierPattern();

    [GeneratedRegex(@"(?:/([0-9]+))?(?://([0-9]+))?$")]
    private static partial Regex DualCidrPattern();

    [GeneratedRegex(@"^(25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])(\.(25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])){3}$")]
    private static partial Regex Ip4Pattern();

    // toplabel = ( *alphanum ALPHA *alphanum ) / ( 1*alphanum "-" *( alphanum / "-" ) alphanum )
    [GeneratedRegex(@"^(?:[A-Za-z0-9]*[A-Za-z][A-Za-z0-9]*|[A-Za-z0-9]+-[A-Za-z0-9\-]*[A-Za-z0-9])$")]
    private static partial Regex TopLabelPattern();
}
