namespace MailAppliance.Inbound;

/// <summary>An SMTP reply the session should give (RFC 5321 §4.2, enhanced code RFC 3463).</summary>
/// <param name="Code">The reply code, e.g. 550.</param>
/// <param name="EnhancedCode">The enhanced status code, e.g. <c>5.7.1</c>.</param>
/// <param name="Text">The human-readable text.</param>
public sealed record InboundReply(int Code, string EnhancedCode, string Text)
{
    /// <inheritdoc />
    public override string ToString() => $"{Code} {EnhancedCode} {Text}";
}
