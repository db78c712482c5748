namespace MailAppliance.SmtpRelay;

/// <summary>Top-level and <c>SmtpRelay</c> settings of the relay process.</summary>
public sealed class RelayOptions
{
    /// <summary>The configuration section.</summary>
    public const string Section = "SmtpRelay";

    /// <summary>
    /// The host name used in the greeting, EHLO, Received fields and the self-signed certificate; it should be the
    /// name MX records point to and the PTR of the public addresses. Read from the top-level <c>Hostname</c> key.
    /// </summary>
    public string Hostname { get; set; } = System.Net.Dns.GetHostName();

    /// <summary>URLs of the loopback admin HTTP endpoint (health, reload, queue, TLS status). Default http://127.0.0.1:8025.</summary>
    public string AdminUrls { get; set; } = "http://127.0.0.1:8025";

    /// <summary>Seconds sessions get to finish on shutdown before they are cut. Default 10.</summary>
    public int ShutdownGraceSeconds { get; set; } = 10;

    /// <summary>Accept admin requests from non-loopback clients (only for a relay inside a container network). Default false.</summary>
    public bool AdminAllowRemote { get; set; }
}
