namespace MailAppliance.Arc;

/// <summary>The chain validation status (<c>cv=</c>, RFC 8617 §4.4): also the <c>arc=</c> result of Authentication-Results.</summary>
public enum ArcChainStatus
{
    /// <summary>No ARC Sets on the message.</summary>
    None,

    /// <summary>Every ARC Set is present, well formed, and every seal and the newest message signature verify.</summary>
    Pass,

    /// <summary>The chain is broken: structure, syntax, a signature, or a key.</summary>
    Fail,
}

/// <summary>Names of <see cref="ArcChainStatus"/> values.</summary>
public static class ArcChainStatuses
{
    /// <summary>The <c>cv=</c> and <c>arc=</c> keyword: none, pass or fail.</summary>
    public static string Keyword(this ArcChainStatus status) => status switch
    {
        ArcChainStatus.None => "none",
        ArcChainStatus.Pass => "pass",
        ArcChainStatus.Fail => "fail",
        _ => throw new ArgumentOutOfRangeException(nameof(status)),
    };

    /// <summary>Parses a <c>cv=</c> value; exactly <c>none</c>, <c>pass</c> or <c>fail</c> (RFC 8617 §4.1.3).</summary>
    public static bool TryParse(string value, out ArcChainStatus status)
    {
        switch (value)
        {
            case "none":
                status = ArcChainStatus.None;
                return true;
            case "pass":
                status = ArcChainStatus.Pass;
                return true;
            case "fail":
                status = ArcChainStatus.Fail;
                return true;
            default:
                status = default;
                return false;
        }
    }
}
