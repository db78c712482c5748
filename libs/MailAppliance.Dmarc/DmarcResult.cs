namespace MailAppliance.Dmarc;

/// <summary>The DMARC result of a message (RFC 7489 §11.2, RFC 8601 §2.7.4 keywords).</summary>
public enum DmarcResult
{
    /// <summary>No DMARC record for the From domain or its organizational domain (or several: §6.6.3).</summary>
    None,

    /// <summary>SPF or DKIM passed with an identifier aligned with the From domain.</summary>
    Pass,

    /// <summary>Neither passed aligned: the record's policy applies.</summary>
    Fail,

    /// <summary>The record lookup, or an aligned SPF/DKIM check, failed temporarily; nothing passed.</summary>
    TempError,

    /// <summary>The record is unusable (syntax error).</summary>
    PermError,
}

/// <summary>What the receiver should do with the message (RFC 7489 §6.3 p=, §6.6.4, §6.7).</summary>
public enum DmarcDisposition
{
    /// <summary>Deliver as usual.</summary>
    None,

    /// <summary>Accept, but mark or file it as suspicious.</summary>
    Quarantine,

    /// <summary>Reject it in the SMTP transaction (550 5.7.1).</summary>
    Reject,
}

/// <summary>Names of <see cref="DmarcResult"/> and <see cref="DmarcDisposition"/> values.</summary>
public static class DmarcResults
{
    /// <summary>The Authentication-Results keyword: none, pass, fail, temperror or permerror (RFC 8601 §2.7.4 via RFC 7489 §11.2).</summary>
    public static string Keyword(this DmarcResult result) => result switch
    {
        DmarcResult.None => "none",
        DmarcResult.Pass => "pass",
        DmarcResult.Fail => "fail",
        DmarcResult.TempError => "temperror",
        DmarcResult.PermError => "permerror",
        _ => throw new ArgumentOutOfRangeException(nameof(result)),
    };

    /// <summary>The disposition's name as in aggregate reports (RFC 7489 App. C): none, quarantine, reject.</summary>
    public static string Keyword(this DmarcDisposition disposition) => disposition switch
    {
        DmarcDisposition.None => "none",
        DmarcDisposition.Quarantine => "quarantine",
        DmarcDisposition.Reject => "reject",
        _ => throw new ArgumentOutOfRangeException(nameof(disposition)),
    };
}
