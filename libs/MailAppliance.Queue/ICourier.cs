using MailAppliance.Delivery;
using MailAppliance.Spool;

namespace MailAppliance.Queue;

/// <summary>The outcome for one recipient of one attempt, as the queue records it.</summary>
/// <param name="Address">The recipient.</param>
/// <param name="Status">Delivered, temporary or permanent failure.</param>
/// <param name="Detail">The remote reply or the local reason, one line.</param>
/// <param name="StatusCode">Enhanced status code (RFC 3463) of the result.</param>
/// <param name="RemoteMta">The server that answered, or null when decided locally.</param>
/// <param name="DiagnosticCode">The remote SMTP reply for a DSN's Diagnostic-Code (RFC 3464 §2.3.6), or null.</param>
public sealed record AttemptOutcome(string Address, DeliveryStatus Status, string Detail, string StatusCode, string? RemoteMta, string? DiagnosticCode)
{
    /// <summary>The TLS of the session, for the mail log (e.g. <c>Tls13 TLS_AES_256_GCM_SHA384 verified</c>), or null.</summary>
    public string? Tls { get; init; }

    /// <summary>True when the remote offered DSN (RFC 3461), so it took over success notifications.</summary>
    public bool RemoteSupportsDsn { get; init; }
}

/// <summary>
/// Delivers one message to the recipients of one destination and says what happened to each (DESIGN.md §3,
/// "Courier result"). A courier never retries and never bounces: the queue alone decides that.
/// </summary>
public interface ICourier
{
    /// <summary>Attempts delivery; one outcome per recipient, in order. Never throws for network or DNS problems.</summary>
    Task<IReadOnlyList<AttemptOutcome>> DeliverAsync(SpooledMessage message, string destination, IReadOnlyList<RecipientState> recipients,
        CancellationToken cancellationToken = default);
}
