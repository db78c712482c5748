namespace MailAppliance.Spf;

/// <summary>Settings of the <c>Spf</c> section: the limits and texts of the SPF evaluator (RFC 7208).</summary>
public sealed class SpfEvaluatorOptions
{
    /// <summary>The configuration section.</summary>
    public const string Section = "Spf";

    /// <summary>The explanation given for a fail when the record has no usable <c>exp=</c> (RFC 7208 §6.2).</summary>
    public const string StandardExplanation = "%{o} does not authorize %{i} to send mail for it (SPF); see RFC 7208";

    /// <summary>
    /// DNS-querying terms (include, a, mx, ptr, exists, redirect) allowed in one check; more is permerror.
    /// Default 10, the limit RFC 7208 §4.6.4 requires.
    /// </summary>
    public int MaxDnsLookups { get; set; } = 10;

    /// <summary>Lookups answering NXDOMAIN or no records allowed in one check; more is permerror. Default 2 (§4.6.4).</summary>
    public int MaxVoidLookups { get; set; } = 2;

    /// <summary>MX names looked at by one <c>mx</c> mechanism (more is permerror) and PTR names by one <c>ptr</c>
    /// (the rest are ignored). Default 10 (§4.6.4).</summary>
    public int MaxNamesPerLookup { get; set; } = 10;

    /// <summary>
    /// The explanation of a fail when the record has none, as an SPF macro-string (RFC 7208 §7; <c>%{o}</c>,
    /// <c>%{i}</c>, ... are expanded). Default: <see cref="StandardExplanation"/>.
    /// </summary>
    public string DefaultExplanation { get; set; } = StandardExplanation;

    /// <summary>
    /// The host name of this receiver, the value of the <c>%{r}</c> macro in explanations (RFC 7208 §7.3). Default
    /// <c>unknown</c>, as the RFC says when it is not known.
    /// </summary>
    public string ReceiverName { get; set; } = "unknown";
}
