namespace MailAppliance.Spf;

/// <summary>The result of an SPF check (RFC 7208 §2.6).</summary>
public enum SpfResult
{
    /// <summary>No SPF record, or no checkable domain (§2.6.1).</summary>
    None,

    /// <summary>The domain states nothing about the client (§2.6.2).</summary>
    Neutral,

    /// <summary>The client is authorized (§2.6.3).</summary>
    Pass,

    /// <summary>The client is not authorized (§2.6.4).</summary>
    Fail,

    /// <summary>Probably not authorized: a weak fail (§2.6.5).</summary>
    SoftFail,

    /// <summary>A transient DNS error; a later check may succeed (§2.6.6).</summary>
    TempError,

    /// <summary>The published records cannot be interpreted (§2.6.7).</summary>
    PermError,
}

/// <summary>Names of <see cref="SpfResult"/> values.</summary>
public static class SpfResults
{
    /// <summary>The lower-case keyword used in Received-SPF and Authentication-Results (RFC 7208 §9.1, RFC 8601 §2.7.2).</summary>
    public static string Keyword(this SpfResult result) => result switch
    {
        SpfResult.None => "none",
        SpfResult.Neutral => "neutral",
        SpfResult.Pass => "pass",
        SpfResult.Fail => "fail",
        SpfResult.SoftFail => "softfail",
        SpfResult.TempError => "temperror",
        SpfResult.PermError => "permerror",
        _ => throw new ArgumentOutOfRangeException(nameof(result)),
    };

    /// <summary>Parses a keyword (case-insensitive); false for anything else.</summary>
    public static bool TryParse(string keyword, out SpfResult result)
    {
        foreach (var value in Enum.GetValues<SpfResult>())
        {
            if (string.Equals(value.Keyword(), keyword, StringComparison.OrdinalIgnoreCase))
            {
                result = value;
                return true;
            }
        }

        result = SpfResult.None;
        return false;
    }
}
