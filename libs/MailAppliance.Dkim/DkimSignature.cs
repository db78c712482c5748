using System.Globalization;
using System.Text;

namespace MailAppliance.Dkim;

/// <summary>
/// A parsed DKIM-Signature header field (RFC 6376 §3.5), validated as RFC 6376 §6.1.1 asks. Parsing fails with a
/// <see cref="DkimFormatException"/> for anything a verifier must answer with PERMFAIL.
/// </summary>
public sealed class DkimSignature
{
    /// <summary>The header field name.</summary>
    public const string FieldName = "DKIM-Signature";

    private DkimSignature(DkimHeaderField field, DkimTagList tags)
    {
        Field = field;
        Tags = tags;
    }

    /// <summary>The header field as found in the message.</summary>
    public DkimHeaderField Field { get; }

    /// <summary>All tags, including those this implementation does not know (RFC 6376 §3.5: ignored, but hashed).</summary>
    public DkimTagList Tags { get; }

    /// <summary>The <c>a=</c> value as written.</summary>
    public string AlgorithmName { get; private init; } = string.Empty;

    /// <summary>The algorithm, or null when <see cref="AlgorithmName"/> is not one we know.</summary>
    public DkimAlgorithm? Algorithm { get; private init; }

    /// <summary>The <c>c=</c> value, or null when it names an unknown algorithm (RFC 6376 §3.4: such signatures are ignored).</summary>
    public DkimCanonicalization? Canonicalization { get; private init; }

    /// <summary>The signing domain (SDID, <c>d=</c>), lower-cased.</summary>
    public string Domain { get; private init; } = string.Empty;

    /// <summary>The selector (<c>s=</c>).</summary>
    public string Selector { get; private init; } = string.Empty;

    /// <summary>The AUID (<c>i=</c>, decoded), or <c>@d</c> when absent (RFC 6376 §3.5 i=).</summary>
    public string Identity { get; private init; } = string.Empty;

    /// <summary>The domain part of <see cref="Identity"/>, lower-cased.</summary>
    public string IdentityDomain { get; private init; } = string.Empty;

    /// <summary>The signed header field names (<c>h=</c>) in order, as written.</summary>
    public IReadOnlyList<string> SignedHeaders { get; private init; } = [];

    /// <summary>The body hash (<c>bh=</c>).</summary>
    public byte[] BodyHash { get; private init; } = [];

    /// <summary>The signature (<c>b=</c>).</summary>
    public byte[] SignatureData { get; private init; } = [];

    /// <summary>The <c>b=</c> value without whitespace, as Authentication-Results <c>header.b</c> quotes it (RFC 6008).</summary>
    public string SignatureText { get; private init; } = string.Empty;

    /// <summary>The body length limit (<c>l=</c>), or null for the whole body. Saturates at <see cref="long.MaxValue"/>.</summary>
    public long? BodyLength { get; private init; }

    /// <summary>The signing time (<c>t=</c>), if given.</summary>
    public DateTimeOffset? Timestamp { get; private init; }

    /// <summary>The expiration (<c>x=</c>), if given.</summary>
    public DateTimeOffset? Expiration { get; private init; }

    /// <summary>Parses and validates a DKIM-Signature field.</summary>
    /// <exception cref="DkimFormatException">A syntax error, a missing required tag, a wrong version, i= outside d=,
    /// From not signed, or another reason RFC 6376 §6.1.1 gives for PERMFAIL. The message says which.</exception>
    public static DkimSignature Parse(DkimHeaderField field)
    {
        var tags = DkimTagList.Parse(field.RawValueText);

        // RFC 6376 §6.1.1: the required tags are v, a, b, bh, d, h, s.
        foreach (string required in (string[])["v", "a", "b", "bh", "d", "h", "s"])
        {
            if (tags[required] is null)
            {
                throw new DkimFormatException($"the signature has no {required}= tag");
            }
        }

        // RFC 6376 §3.5 v=: "It MUST have the value 1"; §6.1.1: otherwise PERMFAIL (incompatible version).
        if (tags["v"] != "1")
        {
            throw new DkimFormatException($"incompatible version v={tags["v"]}");
        }

        string algorithmName = tags["a"]!;
        DkimAlgorithm? algorithm = DkimAlgorithms.TryParse(algorithmName, out var known) ? known : null;

        DkimCanonicalization? canonicalization = DkimCanonicalization.SimpleSimple;
        if (tags["c"] is string c)
        {
            canonicalization = DkimCanonicalization.TryParse(c, out var parsed) ? parsed : null;
        }

        string domain = tags["d"]!.ToLowerInvariant();
        if (!DkimNames.IsDomainName(domain))
        {
            throw new DkimFormatException($"d={tags["d"]} is not a domain name");
        }

        string selector = tags["s"]!;
        if (!DkimNames.IsSelector(selector))
        {
            throw new DkimFormatException($"s={selector} is not a valid selector");
        }

        // RFC 6376 §3.5 h=: colon-separated, FWS allowed around the colons, never empty.
        string[] signed = DkimTagList.SplitList(tags["h"]!);
        if (signed.Any(name => name.Length == 0 || name.Any(ch => ch <= ' ' || ch > '~' || ch == ':')))
        {
            throw new DkimFormatException($"h= is not a list of header field names");
        }

        // RFC 6376 §6.1.1: "If the h= tag does not include the From header field ... PERMFAIL (From field not signed)".
        if (!signed.Any(name => name.Equals("from", StringComparison.OrdinalIgnoreCase)))
        {
            throw new DkimFormatException("h= does not include From");
        }

        string identity = "@" + domain;
        string identityDomain = domain;
        if (tags["i"] is string i)
        {
            identity = DecodeQuotedPrintable(DkimTagList.RemoveFws(i));
            int at = identity.LastIndexOf('@');
            if (at < 0)
            {
                throw new DkimFormatException($"i={i} is not an identity (no '@')");
            }

            identityDomain = identity[(at + 1)..].ToLowerInvariant();
            // RFC 6376 §6.1.1: d= must be the same as or a parent of the i= domain, else PERMFAIL (domain mismatch).
            if (identityDomain != domain && !identityDomain.EndsWith("." + domain, StringComparison.Ordinal))
            {
                throw new DkimFormatException($"the i= domain {identityDomain} is not d={domain} or a subdomain of it");
            }
        }

        // RFC 6376 §3.5 q=: "dns/txt" is the only method; unknown methods are ignored, so at least it must be there.
        if (tags["q"] is string q && !DkimTagList.SplitList(q).Any(m => m.Equals("dns/txt", StringComparison.OrdinalIgnoreCase)))
        {
            throw new DkimFormatException($"q={q} does not offer dns/txt");
        }

        long? bodyLength = null;
        if (tags["l"] is string l)
        {
            // RFC 6376 §3.5 l=: 1*76DIGIT; values beyond a long saturate (they cannot be shorter than the body).
            if (l.Length is 0 or > 76 || !l.All(char.IsAsciiDigit))
            {
                throw new DkimFormatException($"l={l} is not a body length");
            }

            bodyLength = long.TryParse(l, NumberStyles.None, CultureInfo.InvariantCulture, out long parsed) ? parsed : long.MaxValue;
        }

        var timestamp = ParseTime(tags, "t");
        var expiration = ParseTime(tags, "x");
        // RFC 6376 §3.5 x=: "The value of the x= tag MUST be greater than the value of the t= tag if both are present".
        if (timestamp is not null && expiration is not null && expiration <= timestamp)
        {
            throw new DkimFormatException("x= is not later than t=");
        }

        string b = DkimTagList.RemoveFws(tags["b"]!);
        return new DkimSignature(field, tags)
        {
            AlgorithmName = algorithmName,
            Algorithm = algorithm,
            Canonicalization = canonicalization,
            Domain = domain,
            Selector = selector,
            Identity = identity,
            IdentityDomain = identityDomain,
            SignedHeaders = signed,
            BodyHash = Base64(tags["bh"]!, "bh"),
            SignatureData = Base64(b, "b"),
            SignatureText = b,
            BodyLength = bodyLength,
            Timestamp = timestamp,
            Expiration = expiration,
        };
    }

    /// <summary>
    /// The field as it enters the header hash (RFC 6376 §3.7 step 2): the <c>b=</c> value, with the whitespace
    /// around it, deleted; canonicalized; without the final CRLF.
    /// </summary>
    public byte[] HashInput(DkimCanonicalizationAlgorithm algorithm) => HashInput(Field, algorithm);

    /// <summary>The hash input of a DKIM-Signature field, for signing and verifying alike (RFC 6376 §3.7 step 2).</summary>
    internal static byte[] HashInput(DkimHeaderField field, DkimCanonicalizationAlgorithm algorithm)
    {
        var value = field.RawValue;
        var tags = DkimTagList.Parse(Encoding.Latin1.GetString(value.Span));
        var b = tags.Find("b") ?? throw new DkimFormatException("the signature has no b= tag");
        byte[] withoutB = [.. value.Span[..b.ValueStart], .. value.Span[b.ValueEnd..]];
        var output = new System.Buffers.ArrayBufferWriter<byte>(field.Raw.Length);
        DkimHeaderCanonicalizer.Write(output, field.Raw.Span[..field.Colon], withoutB, algorithm);
        return output.WrittenSpan.ToArray();
    }

    private static byte[] Base64(string value, string tag)
    {
        try
        {
            return Convert.FromBase64String(DkimTagList.RemoveFws(value));
        }
        catch (FormatException)
        {
            throw new DkimFormatException($"{tag}= is not base64");
        }
    }

    private static DateTimeOffset? ParseTime(DkimTagList tags, string tag)
    {
        if (tags[tag] is not string value)
        {
            return null;
        }

        // RFC 6376 §3.5 t=, x=: 1*12DIGIT; "implementations MAY consider any value longer than 12 digits to be infinite".
        if (value.Length == 0 || !value.All(char.IsAsciiDigit))
        {
            throw new DkimFormatException($"{tag}={value} is not a time");
        }

        return value.Length > 12
            ? DateTimeOffset.MaxValue
            : DateTimeOffset.FromUnixTimeSeconds(Math.Min(long.Parse(value, CultureInfo.InvariantCulture), 253402300799));
    }

    private static string DecodeQuotedPrintable(string value)
    {
        // dkim-quoted-printable (RFC 6376 §2.11): =XX hex escapes.
        if (!value.Contains('=', StringComparison.Ordinal))
        {
            return value;
        }

        var bytes = new List<byte>();
        for (int i = 0; i < value.Length; i++)
        {
            if (value[i] == '=' && i + 2 < value.Length && Uri.IsHexDigit(value[i + 1]) && Uri.IsHexDigit(value[i + 2]))
            {
                bytes.Add(Convert.ToByte(value.Substring(i + 1, 2), 16));
                i += 2;
            }
            else if (value[i] == '=')
            {
                throw new DkimFormatException("i= has a bad quoted-printable escape");
            }
            else
            {
                bytes.Add((byte)value[i]);
            }
        }

        return Encoding.UTF8.GetString(bytes.ToArray());
    }
}
