using System.Globalization;
using MailAppliance.Dkim;

namespace MailAppliance.Arc;

/// <summary>
/// A parsed ARC-Message-Signature header field (RFC 8617 §4.1.2): a DKIM-Signature in all but name, with <c>i=</c>
/// the instance instead of an identity and no <c>v=</c>.
/// </summary>
public sealed class ArcMessageSignature
{
    private ArcMessageSignature(DkimHeaderField field)
    {
        Field = field;
    }

    /// <summary>The field as found in the message.</summary>
    public DkimHeaderField Field { get; }

    /// <summary>The instance (<c>i=</c>).</summary>
    public int Instance { get; private init; }

    /// <summary>The algorithm (<c>a=</c>).</summary>
    public DkimAlgorithm Algorithm { get; private init; }

    /// <summary>The canonicalization (<c>c=</c>; relaxed/relaxed when absent, as dkimpy and the ARC suite read it).</summary>
    public DkimCanonicalization Canonicalization { get; private init; }

    /// <summary>The signing domain (<c>d=</c>), lower-cased.</summary>
    public string Domain { get; private init; } = string.Empty;

    /// <summary>The selector (<c>s=</c>).</summary>
    public string Selector { get; private init; } = string.Empty;

    /// <summary>The signed header field names (<c>h=</c>), in order; may be empty.</summary>
    public IReadOnlyList<string> SignedHeaders { get; private init; } = [];

    /// <summary>The body hash (<c>bh=</c>).</summary>
    public byte[] BodyHash { get; private init; } = [];

    /// <summary>The signature (<c>b=</c>).</summary>
    public byte[] SignatureData { get; private init; } = [];

    /// <summary>The body length limit (<c>l=</c>), or null for the whole body.</summary>
    public long? BodyLength { get; private init; }

    /// <summary>The signing time (<c>t=</c>), if given.</summary>
    public DateTimeOffset? Timestamp { get; private init; }

    /// <summary>Parses and checks an ARC-Message-Signature field.</summary>
    /// <exception cref="ArcFormatException">The field breaks RFC 8617 §4.1.2; the message says how.</exception>
    public static ArcMessageSignature Parse(DkimHeaderField field)
    {
        const string name = ArcHeaderNames.MessageSignature;
        var tags = ArcTags.Parse(field);

        // Without c=, DKIM means simple/simple (RFC 6376 §3.5); ARC sealers sign relaxed/relaxed, and the ARC test
        // suite (ams_fields_c_na) and dkimpy read a missing c= in an AMS as that.
        var canonicalization = DkimCanonicalization.RelaxedRelaxed;
        if (tags["c"] is string c && !DkimCanonicalization.TryParse(c, out canonicalization))
        {
            throw new ArcFormatException($"ARC-Message-Signature c={c} is not a canonicalization");
        }

        // h= is required (RFC 6376 §3.5, inherited by RFC 8617 §4.1.2) but may list nothing.
        string h = ArcTags.Required(tags, "h", name);
        string[] signed = DkimTagList.RemoveFws(h).Length == 0 ? [] : DkimTagList.SplitList(h);
        // An empty name between two colons selects no field (the suite's ams_fields_h_mis_hdr passes with one).
        if (signed.Any(n => n.Any(ch => ch <= ' ' || ch > '~')))
        {
            throw new ArcFormatException("ARC-Message-Signature h= is not a list of header field names");
        }

        if (signed.Any(n => n.Equals(ArcHeaderNames.Seal, StringComparison.OrdinalIgnoreCase)))
        {
            // RFC 8617 §4.1.2: "ARC-Seal header fields MUST NOT be included in the h= tag".
            throw new ArcFormatException("ARC-Message-Signature h= includes ARC-Seal (RFC 8617 section 4.1.2)");
        }

        long? bodyLength = null;
        if (tags["l"] is string l)
        {
            if (l.Length is 0 or > 76 || !l.All(char.IsAsciiDigit))
            {
                throw new ArcFormatException($"ARC-Message-Signature l={l} is not a body length");
            }

            bodyLength = long.TryParse(l, NumberStyles.None, CultureInfo.InvariantCulture, out long parsed) ? parsed : long.MaxValue;
        }

        return new ArcMessageSignature(field)
        {
            Instance = ArcTags.Instance(tags, name),
            Algorithm = ArcTags.Algorithm(tags, name),
            Canonicalization = canonicalization,
            Domain = ArcTags.Domain(tags, name),
            Selector = ArcTags.Selector(tags, name),
            SignedHeaders = signed,
            BodyHash = ArcTags.Base64(tags, "bh", name),
            SignatureData = ArcTags.Base64(tags, "b", name),
            BodyLength = bodyLength,
            Timestamp = ArcTags.Timestamp(tags, name),
        };
    }

    /// <inheritdoc />
    public override string ToString() => $"ARC-Message-Signature i={Instance} d={Domain} s={Selector}";
}
