using MailAppliance.Dkim;

namespace MailAppliance.Arc;

/// <summary>A parsed ARC-Seal header field (RFC 8617 §4.1.3).</summary>
public sealed class ArcSeal
{
    private ArcSeal(DkimHeaderField field)
    {
        Field = field;
    }

    /// <summary>The field as found in the message.</summary>
    public DkimHeaderField Field { get; }

    /// <summary>The instance (<c>i=</c>).</summary>
    public int Instance { get; private init; }

    /// <summary>The algorithm (<c>a=</c>).</summary>
    public DkimAlgorithm Algorithm { get; private init; }

    /// <summary>The chain validation status the sealer recorded (<c>cv=</c>).</summary>
    public ArcChainStatus ChainStatus { get; private init; }

    /// <summary>The signing domain (<c>d=</c>), lower-cased.</summary>
    public string Domain { get; private init; } = string.Empty;

    /// <summary>The selector (<c>s=</c>).</summary>
    public string Selector { get; private init; } = string.Empty;

    /// <summary>The signature (<c>b=</c>).</summary>
    public byte[] SignatureData { get; private init; } = [];

    /// <summary>The sealing time (<c>t=</c>), if given.</summary>
    public DateTimeOffset? Timestamp { get; private init; }

    /// <summary>Parses and checks an ARC-Seal field.</summary>
    /// <exception cref="ArcFormatException">The field breaks RFC 8617 §4.1.3; the message says how.</exception>
    public static ArcSeal Parse(DkimHeaderField field)
    {
        const string name = ArcHeaderNames.Seal;
        var tags = ArcTags.Parse(field);
        if (tags["h"] is not null)
        {
            // RFC 8617 §4.1.3: "The ARC-Seal header field does not use the h= tag"; a seal with one is invalid.
            throw new ArcFormatException("ARC-Seal has an h= tag, which RFC 8617 section 4.1.3 does not allow");
        }

        string cv = ArcTags.Required(tags, "cv", name);
        if (!ArcChainStatuses.TryParse(cv, out var status))
        {
            throw new ArcFormatException($"ARC-Seal cv={cv} is not none, pass or fail");
        }

        return new ArcSeal(field)
        {
            Instance = ArcTags.Instance(tags, name),
            Algorithm = ArcTags.Algorithm(tags, name),
            ChainStatus = status,
            Domain = ArcTags.Domain(tags, name),
            Selector = ArcTags.Selector(tags, name),
            SignatureData = ArcTags.Base64(tags, "b", name),
            Timestamp = ArcTags.Timestamp(tags, name),
        };
    }

    /// <inheritdoc />
    public override string ToString() => $"ARC-Seal i={Instance} cv={ChainStatus.Keyword()} d={Domain} s={Selector}";
}
