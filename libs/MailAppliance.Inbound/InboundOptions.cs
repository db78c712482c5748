namespace MailAppliance.Inbound;

/// <summary>Settings of the <c>Inbound</c> section: what the appliance does with the authentication results of mail
/// received on port 25, and the limits of forwarding.</summary>
public sealed class InboundOptions
{
    /// <summary>The configuration section.</summary>
    public const string Section = "Inbound";

    /// <summary>
    /// The authserv-id of our Authentication-Results fields (RFC 8601 §2.5): this host's name. Forged fields claiming
    /// it are removed. Empty (the default) means the machine's host name.
    /// </summary>
    public string AuthservId { get; set; } = string.Empty;

    /// <summary>
    /// Apply the sender domain's DMARC policy (RFC 7489 §6.7). Default true. When false the result is only recorded in
    /// Authentication-Results and the mail log, and every message is accepted.
    /// </summary>
    public bool EnforceDmarc { get; set; } = true;

    /// <summary>
    /// What a DMARC <c>p=reject</c> fail gets: <see cref="DmarcRejectHandling.Reject"/> (550 5.7.1 at end of data, the
    /// default) or <see cref="DmarcRejectHandling.Quarantine"/> (accepted and marked, RFC 7489 §6.7 allows a receiver to
    /// soften the policy, e.g. for mailing lists).
    /// </summary>
    public DmarcRejectHandling RejectHandling { get; set; } = DmarcRejectHandling.Reject;

    /// <summary>The header field that marks a quarantined message (default <c>X-MailAppliance-Quarantine</c>); its value is
    /// the reason, e.g. <c>dmarc</c>.</summary>
    public string QuarantineHeader { get; set; } = "X-MailAppliance-Quarantine";

    /// <summary>
    /// The most Received fields a message may carry and still be forwarded (default 50). More is a mail loop
    /// (RFC 5321 §6.3: a simple counting of Received headers).
    /// </summary>
    public int MaxReceivedHeaders { get; set; } = 50;

    /// <summary>
    /// The header field this appliance adds to each forwarded copy, naming the local recipient it was forwarded for
    /// (default <c>X-MailAppliance-Forwarded-For</c>). Seeing it again for the same recipient is a loop.
    /// </summary>
    public string ForwardedForHeader { get; set; } = "X-MailAppliance-Forwarded-For";

    /// <summary>
    /// The most time SPF, DKIM, ARC and DMARC of one message may take at the end of DATA (default 1 minute). Past it the
    /// message is refused with 451 4.4.3, a temporary failure the sender retries, instead of holding the session while
    /// DNS does not answer (RFC 7208 §4.6.4 asks for a limit of at least 20 seconds on SPF).
    /// </summary>
    public TimeSpan CheckTimeout { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>The authserv-id in force: <see cref="AuthservId"/>, or the host name when it is empty.</summary>
    public string EffectiveAuthservId() =>
        string.IsNullOrWhiteSpace(AuthservId) ? System.Net.Dns.GetHostName() : AuthservId.Trim();
}

/// <summary>How a DMARC fail under <c>p=reject</c> is handled (<see cref="InboundOptions.RejectHandling"/>).</summary>
public enum DmarcRejectHandling
{
    /// <summary>Refuse the message with 550 5.7.1.</summary>
    Reject,

    /// <summary>Accept it and mark it as quarantined.</summary>
    Quarantine,
}
