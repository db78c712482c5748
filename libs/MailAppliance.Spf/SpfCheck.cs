namespace MailAppliance.Spf;

/// <summary>The outcome of one <c>check_host()</c> evaluation (RFC 7208 §4).</summary>
/// <param name="Result">The result.</param>
/// <param name="Domain">The domain that was checked (the MAIL FROM domain or the HELO name).</param>
/// <param name="Mechanism">The term that decided the result (e.g. <c>-all</c>, <c>ip4:192.0.2.0/24</c>), or null
/// when none did (no record, default neutral, an error).</param>
/// <param name="Explanation">For <see cref="SpfResult.Fail"/>: the expanded <c>exp=</c> text, or the evaluator's
/// default explanation (RFC 7208 §6.2); otherwise null.</param>
/// <param name="Problem">For <see cref="SpfResult.TempError"/> and <see cref="SpfResult.PermError"/> (and a
/// <see cref="SpfResult.None"/> for an unusable domain): what went wrong, for logs; otherwise null.</param>
/// <param name="DnsLookups">DNS-querying terms evaluated (the count RFC 7208 §4.6.4 limits to 10).</param>
/// <param name="VoidLookups">Lookups that returned NXDOMAIN or no records (limited to 2 by §4.6.4).</param>
public sealed record SpfCheck(SpfResult Result, string Domain, string? Mechanism, string? Explanation,
                              string? Problem, int DnsLookups, int VoidLookups)
{
    /// <inheritdoc />
    public override string ToString() =>
        $"{Result.Keyword()} {Domain}" + (Mechanism is null ? string.Empty : $" ({Mechanism})") +
        (Problem is null ? string.Empty : $": {Problem}");
}
