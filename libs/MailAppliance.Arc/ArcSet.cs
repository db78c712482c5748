namespace MailAppliance.Arc;

/// <summary>One ARC Set: the three fields a hop added, sharing an instance number (RFC 8617 §4.2).</summary>
/// <param name="Instance">The instance (<c>i=</c>), 1 for the first hop.</param>
/// <param name="AuthenticationResults">The ARC-Authentication-Results.</param>
/// <param name="MessageSignature">The ARC-Message-Signature.</param>
/// <param name="Seal">The ARC-Seal.</param>
public sealed record ArcSet(int Instance, ArcAuthenticationResults AuthenticationResults, ArcMessageSignature MessageSignature, ArcSeal Seal);
