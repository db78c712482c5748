namespace MailAppliance.Queue;

/// <summary>What TLS a destination domain requires.</summary>
public enum TlsPolicyMode
{
    /// <summary>STARTTLS when offered, any certificate (RFC 7435); MTA-STS may still require more.</summary>
    Opportunistic,

    /// <summary>STARTTLS with a certificate valid for the MX host name, or no delivery (like MTA-STS enforce).</summary>
    Verify,
}

/// <summary>How the courier reaches remote servers (section <c>Delivery</c>).</summary>
public sealed class DeliveryOptions
{
    /// <summary>Configuration section.</summary>
    public const string Section = "Delivery";

    /// <summary>The EHLO name. Default: the top-level <c>Hostname</c> (it should match the PTR of the source address).</summary>
    public string? HeloName { get; set; }

    /// <summary>Port of remote MX servers. Default 25 (RFC 5321 §4.5.4); change only for tests.</summary>
    public int Port { get; set; } = 25;

    /// <summary>Source address for IPv4 connections (its PTR should name <see cref="HeloName"/>). Default: the system's choice.</summary>
    public string? SourceAddressIPv4 { get; set; }

    /// <summary>Source address for IPv6 connections. Default: the system's choice.</summary>
    public string? SourceAddressIPv6 { get; set; }

    /// <summary>Try IPv6 addresses of an MX before IPv4 ones. Default true.</summary>
    public bool PreferIPv6 { get; set; } = true;

    /// <summary>Deliver over IPv4. Default true.</summary>
    public bool EnableIPv4 { get; set; } = true;

    /// <summary>Deliver over IPv6. Default true.</summary>
    public bool EnableIPv6 { get; set; } = true;

    /// <summary>TCP connect timeout. Default 30 s.</summary>
    public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Wait for the 220 greeting (RFC 5321 §4.5.3.2.1). Default 5 minutes.</summary>
    public TimeSpan GreetingTimeout { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>Wait for the reply to MAIL, RCPT and other commands (RFC 5321 §4.5.3.2.2-3). Default 5 minutes.</summary>
    public TimeSpan CommandTimeout { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>Wait for the 354 after DATA (RFC 5321 §4.5.3.2.4). Default 2 minutes.</summary>
    public TimeSpan DataInitiationTimeout { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>Each data block write (RFC 5321 §4.5.3.2.5). Default 3 minutes.</summary>
    public TimeSpan DataBlockTimeout { get; set; } = TimeSpan.FromMinutes(3);

    /// <summary>Wait for the reply after the end of data (RFC 5321 §4.5.3.2.6). Default 10 minutes.</summary>
    public TimeSpan DataTerminationTimeout { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>Send with BDAT when the server offers CHUNKING (RFC 3030). Default true.</summary>
    public bool UseChunking { get; set; } = true;

    /// <summary>Keep connections open and reuse them for more messages to the same server. Default true.</summary>
    public bool ReuseConnections { get; set; } = true;

    /// <summary>How long an unused connection stays open for reuse. Default 5 s.</summary>
    public TimeSpan IdleConnectionTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Messages over one connection before it is closed. Default 100.</summary>
    public int MaxMessagesPerConnection { get; set; } = 100;

    /// <summary>Look up and apply MTA-STS policies of destinations (RFC 8461). Default true.</summary>
    public bool MtaSts { get; set; } = true;

    /// <summary>PEM file of extra root certificates trusted for MX certificates and MTA-STS policy fetches. Default none.</summary>
    public string? TrustedRootsFile { get; set; }

    /// <summary>Per-domain TLS policy, e.g. <c>"Delivery:TlsPolicies:example.com": "Verify"</c>. Default: none (opportunistic).</summary>
    public Dictionary<string, TlsPolicyMode> TlsPolicies { get; set; } = new(StringComparer.OrdinalIgnoreCase);
}
