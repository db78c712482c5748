namespace MailAppliance.Dkim;

/// <summary>One canonicalization algorithm, for the header or for the body (RFC 6376 §3.4).</summary>
public enum DkimCanonicalizationAlgorithm
{
    /// <summary><c>simple</c>: (almost) no change (RFC 6376 §3.4.1, §3.4.3).</summary>
    Simple,

    /// <summary><c>relaxed</c>: tolerates whitespace changes and refolding (RFC 6376 §3.4.2, §3.4.4).</summary>
    Relaxed,
}

/// <summary>The <c>c=</c> tag: header and body canonicalization (RFC 6376 §3.5).</summary>
/// <param name="Header">How header fields are canonicalized.</param>
/// <param name="Body">How the body is canonicalized.</param>
public readonly record struct DkimCanonicalization(DkimCanonicalizationAlgorithm Header, DkimCanonicalizationAlgorithm Body)
{
    /// <summary><c>relaxed/relaxed</c>: what we sign with, because it survives the usual header refolding.</summary>
    public static DkimCanonicalization RelaxedRelaxed => new(DkimCanonicalizationAlgorithm.Relaxed, DkimCanonicalizationAlgorithm.Relaxed);

    /// <summary><c>simple/simple</c>: the default when <c>c=</c> is absent (RFC 6376 §3.5 c=).</summary>
    public static DkimCanonicalization SimpleSimple => new(DkimCanonicalizationAlgorithm.Simple, DkimCanonicalizationAlgorithm.Simple);

    /// <summary>
    /// Parses a <c>c=</c> value. One name means "that for the header, simple for the body" (RFC 6376 §3.5 c=).
    /// False for an unknown algorithm, which verifiers must ignore (RFC 6376 §3.4).
    /// </summary>
    public static bool TryParse(string value, out DkimCanonicalization canonicalization)
    {
        canonicalization = SimpleSimple;
        string[] parts = value.Split('/');
        if (parts.Length > 2 || !TryParseAlgorithm(parts[0], out var header))
        {
            return false;
        }

        var body = DkimCanonicalizationAlgorithm.Simple;
        if (parts.Length == 2 && !TryParseAlgorithm(parts[1], out body))
        {
            return false;
        }

        canonicalization = new DkimCanonicalization(header, body);
        return true;
    }

    /// <summary>The <c>c=</c> value, e.g. <c>relaxed/relaxed</c>.</summary>
    public override string ToString() => $"{Name(Header)}/{Name(Body)}";

    /// <summary>The name of one algorithm: <c>simple</c> or <c>relaxed</c>.</summary>
    public static string Name(DkimCanonicalizationAlgorithm algorithm) =>
        algorithm == DkimCanonicalizationAlgorithm.Relaxed ? "relaxed" : "simple";

    private static bool TryParseAlgorithm(string name, out DkimCanonicalizationAlgorithm algorithm)
    {
        switch (name)
        {
            case "simple":
                algorithm = DkimCanonicalizationAlgorithm.Simple;
                return true;
            case "relaxed":
                algorithm = DkimCanonicalizationAlgorithm.Relaxed;
                return true;
            default:
                algorithm = default;
                return false;
        }
    }
}
