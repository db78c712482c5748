namespace MailAppliance.Smtp.Policy;

/// <summary>Which envelope senders an authenticated account may use.</summary>
public enum SendAsRule
{
    /// <summary>Addresses of the account's own domain only. The default.</summary>
    OwnDomain,

    /// <summary>Addresses of any local domain.</summary>
    AnyLocalDomain,

    /// <summary>Any address (a gateway for trusted applications; SPF/DMARC will fail for foreign domains).</summary>
    Any,
}

/// <summary>The <c>Policy</c> section.</summary>
public sealed class RelayPolicyOptions
{
    /// <summary>The configuration section.</summary>
    public const string Section = "Policy";

    /// <summary>The send-as rule for every account. Default <see cref="SendAsRule.OwnDomain"/>.</summary>
    public SendAsRule SendAs { get; set; } = SendAsRule.OwnDomain;

    /// <summary>
    /// Extra sender domains per account, e.g. <c>"alice@example.com": "example.org, example.net"</c>
    /// (environment: <c>Policy__ExtraSenderDomains__alice@example.com</c>).
    /// </summary>
    public Dictionary<string, string> ExtraSenderDomains { get; set; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>
    /// Client networks trusted like authenticated submissions, comma-separated CIDRs (e.g. <c>127.0.0.1/32, ::1/128</c>
    /// for applications on this host, like Postfix's mynetworks): they may relay without AUTH and their mail is
    /// DKIM-signed. Default empty: nobody. Never put a public network here: it makes an open relay for it.
    /// </summary>
    public string TrustedNetworks { get; set; } = "";

    /// <summary>
    /// Mail for a local user that no alias forwards is stored in a Maildir under <c>state/mailboxes/</c> (true, the
    /// default; Dovecot can serve it). False refuses such recipients at RCPT with 550 5.1.1: the accounts only send.
    /// </summary>
    public bool LocalMailboxes { get; set; } = true;
}
