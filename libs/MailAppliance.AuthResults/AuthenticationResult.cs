namespace MailAppliance.AuthResults;

/// <summary>One property of a result: <c>ptype.property=value</c> (RFC 8601 §2.2), e.g. <c>smtp.mailfrom=a@example.com</c>.</summary>
/// <param name="Type">The ptype: <c>smtp</c>, <c>header</c>, <c>body</c> or <c>policy</c>.</param>
/// <param name="Name">The property, e.g. <c>mailfrom</c>, <c>d</c>, <c>from</c>.</param>
/// <param name="Value">The value; quoted on output when it is neither a token nor an address (§2.2 pvalue).</param>
public sealed record AuthenticationProperty(string Type, string Name, string Value);

/// <summary>
/// One <c>resinfo</c> of an Authentication-Results field (RFC 8601 §2.2): <c>method=result</c>, an optional
/// <c>reason</c>, a comment and properties.
/// </summary>
/// <param name="Method">The method: <c>spf</c>, <c>dkim</c>, <c>dmarc</c>, <c>arc</c>, ... (IANA registry, §6.2).</param>
/// <param name="Result">The result keyword: <c>pass</c>, <c>fail</c>, <c>none</c>, ...</param>
/// <param name="Properties">The properties, written in order.</param>
public sealed record AuthenticationResult(string Method, string Result, IReadOnlyList<AuthenticationProperty> Properties)
{
    /// <summary>A comment written after the result, e.g. the DMARC policy (<c>p=reject dis=none</c>); null for none.</summary>
    public string? Comment { get; init; }

    /// <summary>The <c>reason=</c> text (§2.2), or null.</summary>
    public string? Reason { get; init; }
}
