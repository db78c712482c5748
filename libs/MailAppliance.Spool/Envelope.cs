using System.Text.Json.Serialization;

namespace MailAppliance.Spool;

/// <summary>
/// The SMTP envelope of a spooled message and what the session knew about it (RFC 5321 §2.3.1), kept with the
/// message so that delivery, DSNs (RFC 3461 parameters) and the mail log need nothing from the session.
/// </summary>
public sealed record Envelope
{
    /// <summary>The queue id.</summary>
    public required string Id { get; init; }

    /// <summary>The reverse-path; empty for the null sender <c>&lt;&gt;</c>.</summary>
    public required string MailFrom { get; init; }

    /// <summary>The accepted recipients, in RCPT order.</summary>
    public required IReadOnlyList<EnvelopeRecipient> Recipients { get; init; }

    /// <summary>When the message was accepted (UTC).</summary>
    public required DateTimeOffset ReceivedAt { get; init; }

    /// <summary>Size of the message content in octets, without the headers this hop prepended.</summary>
    public long Size { get; init; }

    /// <summary>BODY parameter (RFC 6152): <c>7BIT</c> or <c>8BITMIME</c>.</summary>
    public string Body { get; init; } = "7BIT";

    /// <summary>SMTPUTF8 was given on MAIL (RFC 6531).</summary>
    public bool SmtpUtf8 { get; init; }

    /// <summary>RET parameter of RFC 3461 §4.3 (<c>FULL</c> or <c>HDRS</c>), or null.</summary>
    public string? Ret { get; init; }

    /// <summary>ENVID parameter of RFC 3461 §4.4, as given (xtext), or null.</summary>
    public string? EnvId { get; init; }

    /// <summary>The client's IP address.</summary>
    public string? ClientAddress { get; init; }

    /// <summary>The EHLO/HELO name the client gave.</summary>
    public string? Helo { get; init; }

    /// <summary>The authenticated account, when the session authenticated.</summary>
    public string? AuthenticatedAs { get; init; }

    /// <summary>Name of the listener that accepted the message (mx, submission, submissions).</summary>
    public string? Listener { get; init; }

    /// <summary>TLS version and cipher of the session, or null for plaintext.</summary>
    public string? Tls { get; init; }

    /// <summary>The W3C trace context of the accepting session, so delivery spans link to it.</summary>
    public string? TraceParent { get; init; }

    /// <summary>
    /// What inbound authentication found when the message came from outside (port 25, unauthenticated), or null for
    /// submissions, trusted clients and messages this appliance made. Forwarding seals it into the ARC set.
    /// </summary>
    public ReceivedAuthentication? Authentication { get; init; }
}

/// <summary>The results of inbound authentication kept with a received message (RFC 8601, RFC 8617).</summary>
public sealed record ReceivedAuthentication
{
    /// <summary>The value of our Authentication-Results field (authserv-id and results, no field name).</summary>
    public required string Results { get; init; }

    /// <summary>The ARC chain validation status on arrival: <c>none</c>, <c>pass</c> or <c>fail</c> (RFC 8617 §4.1.3 cv).</summary>
    public required string ArcStatus { get; init; }
}

/// <summary>One recipient with its DSN parameters (RFC 3461 §4.1, §4.2).</summary>
public sealed record EnvelopeRecipient
{
    /// <summary>The forward-path.</summary>
    public required string Address { get; init; }

    /// <summary>NOTIFY as given (e.g. <c>SUCCESS,FAILURE</c> or <c>NEVER</c>), or null for the default.</summary>
    public string? Notify { get; init; }

    /// <summary>ORCPT as given (<c>addr-type;xtext</c>), or null.</summary>
    public string? OriginalRecipient { get; init; }
}

/// <summary>Source-generated JSON for the envelope (no reflection on the hot path).</summary>
[JsonSourceGenerationOptions(DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(Envelope))]
[JsonSerializable(typeof(List<Envelope>))]
public sealed partial class SpoolJsonContext : JsonSerializerContext;
