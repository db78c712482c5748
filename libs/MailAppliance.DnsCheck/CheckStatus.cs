namespace MailAppliance.DnsCheck;

/// <summary>The outcome of one check, from best to worst (the order is the severity).</summary>
public enum CheckStatus
{
    /// <summary>What is published is right.</summary>
    Ok,

    /// <summary>
    /// The check did not run: it is switched off, or it depends on another check that failed (that check carries the
    /// instruction). Not a failure.
    /// </summary>
    NotChecked,

    /// <summary>Mail still flows, but something should be changed (an optional record is missing, a lookup failed).</summary>
    Warning,

    /// <summary>Receivers will reject or distrust the mail until this is fixed.</summary>
    Error,
}

/// <summary>The names of the statuses as written in JSON, tables and metric tags.</summary>
public static class CheckStatusNames
{
    /// <summary>The status as one lower-case word: <c>ok</c>, <c>not-checked</c>, <c>warning</c>, <c>error</c>.</summary>
    public static string Name(this CheckStatus status) => status switch
    {
        CheckStatus.Ok => "ok",
        CheckStatus.NotChecked => "not-checked",
        CheckStatus.Warning => "warning",
        _ => "error",
    };
}
