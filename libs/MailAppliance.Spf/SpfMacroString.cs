using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace MailAppliance.Spf;

/// <summary>The values the macros of RFC 7208 §7.3 stand for during one check.</summary>
internal interface ISpfMacroValues
{
    string Sender { get; }

    string LocalPart { get; }

    string SenderDomain { get; }

    string CurrentDomain { get; }

    IPAddress Client { get; }

    string Helo { get; }

    string ReceiverName { get; }

    /// <summary>The validated host name of the client for <c>%{p}</c> (§7.3), looked up only when used.</summary>
    Task<string> ValidatedClientNameAsync(CancellationToken cancellationToken);
}

/// <summary>
/// SPF macro-strings (RFC 7208 §7): syntax check at parse time, expansion at evaluation time. Domain-specs may use
/// the letters <c>slodiphv</c>; explanation text may also use <c>c</c>, <c>r</c> and <c>t</c> (§7.1).
/// </summary>
internal static class SpfMacroString
{
    public const string DomainLetters = "slodiphv";
    public const string ExplanationLetters = "slodiphvcrt";

    /// <summary>Null when the string is a valid macro-string for these letters; otherwise the problem.</summary>
    public static string? Check(string text, string letters)
    {
        try
        {
            Walk(text, letters, static (_, _) => { });
            return null;
        }
        catch (SpfSyntaxException e)
        {
            return e.Message;
        }
    }

    /// <summary>True when the macro-string ends with a macro-expand (so it is a valid domain-end, §7.1).</summary>
    public static bool EndsWithMacro(string text)
    {
        bool endsWithMacro = false;
        Walk(text, ExplanationLetters, (literal, _) => endsWithMacro = literal is null);
        return endsWithMacro;
    }

    /// <summary>Expands a macro-string.</summary>
    /// <exception cref="SpfSyntaxException">The string is not a valid macro-string.</exception>
    public static async Task<string> ExpandAsync(string text, string letters, ISpfMacroValues values, CancellationToken cancellationToken)
    {
        var pieces = new List<object>();
        Walk(text, letters, (literal, macro) =>
        {
            if (literal is not null)
            {
                pieces.Add(literal);
            }
            else
            {
                pieces.Add(macro!.Value);
            }
        });

        var output = new StringBuilder(text.Length * 2);
        foreach (object piece in pieces)
        {
            if (piece is string literal)
            {
                output.Append(literal);
                continue;
            }

            var (letter, parts, reverse, delimiters) = ((char, int, bool, string))piece;
            string value = await ValueAsync(char.ToLowerInvariant(letter), values, cancellationToken);
            value = Transform(value, parts, reverse, delimiters);
            // §7.3: an upper-case macro letter asks for the value URL-escaped (RFC 3986 unreserved kept).
            output.Append(char.IsUpper(letter) ? Uri.EscapeDataString(value) : value);
        }

        return output.ToString();
    }

    private static string Transform(string value, int parts, bool reverse, string delimiters)
    {
        if (parts == 0 && !reverse && delimiters.Length == 0)
        {
            return value;
        }

        // §7.3: split on any of the delimiters (default "."), reverse, keep the right-most parts, join with ".".
        char[] split = delimiters.Length == 0 ? ['.'] : delimiters.ToCharArray();
        var items = value.Split(split).ToList();
        if (reverse)
        {
            items.Reverse();
        }

        if (parts > 0 && parts < items.Count)
        {
            items = items.GetRange(items.Count - parts, parts);
        }

        return string.Join('.', items);
    }

    private static async Task<string> ValueAsync(char letter, ISpfMacroValues values, CancellationToken cancellationToken) => letter switch
    {
        's' => values.Sender,
        'l' => values.LocalPart,
        'o' => values.SenderDomain,
        'd' => values.CurrentDomain,
        'i' => DottedAddress(values.Client),
        'p' => await values.ValidatedClientNameAsync(cancellationToken),
        'v' => values.Client.AddressFamily == AddressFamily.InterNetworkV6 ? "ip6" : "in-addr",
        'h' => values.Helo,
        'c' => values.Client.ToString(),
        'r' => values.ReceiverName,
        't' => DateTimeOffset.UtcNow.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture),
        _ => throw new SpfSyntaxException($"unknown macro letter '{letter}'"),
    };

    /// <summary>
    /// §7.3 "i": dotted quad for IPv4; for IPv6 the 32 nibbles separated by dots. The nibbles are upper-case hex, as
    /// the RFC 7208 test suite expects in explanations (DNS names compare case-insensitively, so queries do not care).
    /// </summary>
    internal static string DottedAddress(IPAddress address)
    {
        if (address.AddressFamily != AddressFamily.InterNetworkV6)
        {
            return address.ToString();
        }

        byte[] bytes = address.GetAddressBytes();
        var text = new StringBuilder(63);
        foreach (byte b in bytes)
        {
            text.Append("0123456789ABCDEF"[b >> 4]).Append('.').Append("0123456789ABCDEF"[b & 0xF]).Append('.');
        }

        return text.ToString(0, text.Length - 1);
    }

    /// <summary>
    /// Walks a macro-string (§7.1): calls back with each literal run (macro null) or each macro-expand (literal
    /// null). <c>%%</c>, <c>%_</c> and <c>%-</c> come back as the literal text they stand for.
    /// </summary>
    private static void Walk(string text, string letters, Action<string?, (char, int, bool, string)?> visit)
    {
        var literal = new StringBuilder();
        for (int i = 0; i < text.Length; i++)
        {
            char c = text[i];
            if (c != '%')
            {
                // macro-literal = %x21-24 / %x26-7E: visible ASCII; explanations also allow spaces (§6.2 is a
                // macro-string of such literals and the SP the TXT record holds).
                if (c is < '!' or > '~' && !(c == ' ' && letters == ExplanationLetters))
                {
                    throw new SpfSyntaxException($"character U+{(int)c:X4} is not allowed in a macro-string");
                }

                literal.Append(c);
                continue;
            }

            if (i + 1 >= text.Length)
            {
                throw new SpfSyntaxException("'%' at the end of a macro-string");
            }

            char next = text[++i];
            switch (next)
            {
                case '%':
                    literal.Append('%');
                    continue;
                case '_':
                    literal.Append(' ');
                    continue;
                case '-':
                    literal.Append("%20");
                    continue;
                case '{':
                    break;
                default:
                    throw new SpfSyntaxException($"'%{next}' is not a macro (RFC 7208 §7.1)");
            }

            int close = text.IndexOf('}', i);
            if (close < 0)
            {
                throw new SpfSyntaxException("unterminated macro '%{'");
            }

            string body = text[(i + 1)..close];
            i = close;
            if (body.Length == 0 || !letters.Contains(char.ToLowerInvariant(body[0]), StringComparison.Ordinal) || !char.IsAsciiLetter(body[0]))
            {
                throw new SpfSyntaxException($"'%{{{body}}}': unknown or not allowed macro letter here (RFC 7208 §7.1)");
            }

            int at = 1;
            int digitsStart = at;
            while (at < body.Length && char.IsAsciiDigit(body[at]))
            {
                at++;
            }

            int parts = 0;
            if (at > digitsStart)
            {
                // Large values simply keep every part; cap before parsing so a huge number cannot overflow.
                string digits = body[digitsStart..at];
                parts = digits.Length > 3 ? 999 : int.Parse(digits, CultureInfo.InvariantCulture);
                if (parts == 0)
                {
                    throw new SpfSyntaxException($"'%{{{body}}}': the number of parts must not be zero (RFC 7208 §7.3)");
                }
            }

            bool reverse = false;
            if (at < body.Length && (body[at] == 'r' || body[at] == 'R'))
            {
                reverse = true;
                at++;
            }

            string delimiters = body[at..];
            if (delimiters.Any(d => !".-+,/_=".Contains(d, StringComparison.Ordinal)))
            {
                throw new SpfSyntaxException($"'%{{{body}}}': bad transformer or delimiter (RFC 7208 §7.1)");
            }

            if (literal.Length > 0)
            {
                visit(literal.ToString(), null);
                literal.Clear();
            }

            visit(null, (body[0], parts, reverse, delimiters));
        }

        if (literal.Length > 0)
        {
            visit(literal.ToString(), null);
        }
    }
}

/// <summary>A record or macro-string breaks the syntax of RFC 7208 (the result is permerror).</summary>
internal sealed class SpfSyntaxException(string message) : Exception(message);
