namespace MailAppliance.Smtp.Server;

/// <summary>What a listener is for (RFC 6409 submission vs RFC 5321 relay; RFC 8314 implicit TLS).</summary>
public enum ListenerMode
{
    /// <summary>Port 25: mail from other servers to our domains; relaying only when authenticated. STARTTLS offered.</summary>
    Mx,

    /// <summary>Port 587: message submission (RFC 6409); STARTTLS then AUTH required before MAIL.</summary>
    Submission,

    /// <summary>Port 465: submission over implicit TLS (RFC 8314 §3.3); AUTH required before MAIL.</summary>
    ImplicitTls,
}

/// <summary>One listener (<c>Smtp:Listeners:&lt;name&gt;</c>).</summary>
public sealed class ListenerOptions
{
    /// <summary>The listener's purpose.</summary>
    public ListenerMode Mode { get; set; }

    /// <summary>TCP port.</summary>
    public int Port { get; set; }

    /// <summary>Comma-separated IP addresses to bind; IPv6 sockets are IPv6-only so both families can be bound.</summary>
    public string Addresses { get; set; } = "0.0.0.0, ::";

    /// <summary>False to switch the listener off.</summary>
    public bool Enabled { get; set; } = true;
}

/// <summary>The <c>Smtp</c> section: listeners and limits. Every limit has a default a public server can run with.</summary>
public sealed class SmtpServerOptions
{
    /// <summary>The configuration section.</summary>
    public const string Section = "Smtp";

    /// <summary>Listeners by name. The defaults are mx (25), submission (587) and submissions (465); configuration merges into them by name.</summary>
    public Dictionary<string, ListenerOptions> Listeners { get; set; } = new(StringComparer.OrdinalIgnoreCase)
    {
        ["mx"] = new() { Mode = ListenerMode.Mx, Port = 25 },
        ["submission"] = new() { Mode = ListenerMode.Submission, Port = 587 },
        ["submissions"] = new() { Mode = ListenerMode.ImplicitTls, Port = 465 },
    };

    /// <summary>Longest command line accepted, CRLF included (RFC 5321 §4.5.3.1.4 requires at least 512). Default 2048, room for AUTH PLAIN and SMTPUTF8 addresses.</summary>
    public int MaxCommandLineLength { get; set; } = 2048;

    /// <summary>Largest message accepted, in octets; announced with SIZE (RFC 1870) and enforced while reading. Default 50 MiB.</summary>
    public long MaxMessageSize { get; set; } = 50L * 1024 * 1024;

    /// <summary>Recipients per message (RFC 5321 §4.5.3.1.8 requires at least 100). Default 100.</summary>
    public int MaxRecipients { get; set; } = 100;

    /// <summary>Concurrent connections in total. Default 1000.</summary>
    public int MaxConnections { get; set; } = 1000;

    /// <summary>Concurrent connections from one client IP address. Default 64.</summary>
    public int MaxConnectionsPerIp { get; set; } = 64;

    /// <summary>Time to wait for a command (RFC 5321 §4.5.3.2.7 suggests 5 minutes). Default 5 minutes.</summary>
    public TimeSpan CommandTimeout { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>Time to wait for each block of message data (RFC 5321 §4.5.3.2.6 suggests 3 minutes for the client; we give 5). Default 5 minutes.</summary>
    public TimeSpan DataTimeout { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>Longest a whole session may last. Default 30 minutes.</summary>
    public TimeSpan SessionTimeout { get; set; } = TimeSpan.FromMinutes(30);

    /// <summary>Error replies (4xx/5xx) a session may cause before it is closed with 421. Default 10.</summary>
    public int MaxErrors { get; set; } = 10;

    /// <summary>Failed AUTH attempts from one IP address within <see cref="AuthFailureWindow"/> before AUTH is refused with 454. Default 10.</summary>
    public int MaxAuthFailuresPerIp { get; set; } = 10;

    /// <summary>Failed AUTH attempts for one account within <see cref="AuthFailureWindow"/> before AUTH is refused with 454. Default 5.</summary>
    public int MaxAuthFailuresPerAccount { get; set; } = 5;

    /// <summary>Window over which failed AUTH attempts count. Default 15 minutes.</summary>
    public TimeSpan AuthFailureWindow { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>Pause before answering a failed AUTH, to slow down guessing. Default 1 second.</summary>
    public TimeSpan AuthFailureDelay { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Time allowed for a TLS handshake. Default 30 seconds.</summary>
    public TimeSpan TlsHandshakeTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Whether the Received header of a submission names the authenticated account. Default false (redacted).</summary>
    public bool ShowAuthenticatedUserInReceived { get; set; }

    /// <summary>
    /// Received fields a message may already carry; more means a mail loop (RFC 5321 §6.3) and the message is
    /// refused with 554 5.4.6. Default 50, as Postfix's hopcount_limit.
    /// </summary>
    public int MaxReceivedHeaders { get; set; } = 50;

    /// <summary>Listen backlog of each socket. Default 512.</summary>
    public int ListenBacklog { get; set; } = 512;
}
