using System.Text.Json.Serialization;

namespace MailAppliance.Queue;

/// <summary>Where one recipient of a queued message stands.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<RecipientStatus>))]
public enum RecipientStatus
{
    /// <summary>Not delivered yet; will be tried (again).</summary>
    Pending,

    /// <summary>A remote server took responsibility for it (or it was stored locally).</summary>
    Delivered,

    /// <summary>Given up: permanent failure or lifetime exceeded. A DSN went to the sender when NOTIFY allowed it.</summary>
    Failed,
}

/// <summary>
/// The delivery state of one recipient, kept on disk beside the spool file (<c>&lt;id&gt;.state</c>) so a restart
/// neither forgets a retry schedule nor delivers twice (DESIGN.md §3: per-recipient state lives in the queue item).
/// </summary>
public sealed class RecipientState
{
    /// <summary>The address delivered to.</summary>
    public required string Address { get; init; }

    /// <summary>The envelope recipient this one came from when an alias was expanded, else null.</summary>
    public string? Original { get; init; }

    /// <summary>NOTIFY of RFC 3461 §4.1, as given at RCPT, or null.</summary>
    public string? Notify { get; init; }

    /// <summary>ORCPT of RFC 3461 §4.2, as given at RCPT, or null.</summary>
    public string? OriginalRecipient { get; init; }

    /// <summary>Pending, delivered or failed.</summary>
    public RecipientStatus Status { get; set; }

    /// <summary>Attempts made so far.</summary>
    public int Attempts { get; set; }

    /// <summary>When the last attempt ended.</summary>
    public DateTimeOffset? LastAttempt { get; set; }

    /// <summary>The remote reply or local reason of the last attempt.</summary>
    public string? LastResult { get; set; }

    /// <summary>Enhanced status code (RFC 3463) of the last result, e.g. <c>4.4.1</c>.</summary>
    public string? LastStatusCode { get; set; }

    /// <summary>The remote server's reply of the last attempt (RFC 3464 §2.3.6 Diagnostic-Code), or null when decided locally.</summary>
    public string? RemoteReply { get; set; }

    /// <summary>The server that gave the last result, or null when decided locally.</summary>
    public string? RemoteMta { get; set; }
}

/// <summary>The delivery state of a queued message.</summary>
public sealed class QueueItemState
{
    /// <summary>The queue id.</summary>
    public required string Id { get; init; }

    /// <summary>Every recipient, after alias expansion.</summary>
    public required List<RecipientState> Recipients { get; init; }

    /// <summary>When the next attempt is due.</summary>
    public DateTimeOffset NextAttempt { get; set; }

    /// <summary>Attempts made for the message (the backoff grows with it).</summary>
    public int Attempts { get; set; }

    /// <summary>Held by the operator: not tried until released.</summary>
    public bool Held { get; set; }

    /// <summary>A delay DSN was sent (only ever one, RFC 3461 §4.1 DELAY).</summary>
    public bool DelayNotified { get; set; }

    /// <summary>True when no recipient is pending any more.</summary>
    [JsonIgnore]
    public bool IsFinished => Recipients.TrueForAll(r => r.Status != RecipientStatus.Pending);
}

/// <summary>Source-generated JSON for the state files.</summary>
[JsonSourceGenerationOptions(WriteIndented = true, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    UseStringEnumConverter = true, PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
[JsonSerializable(typeof(QueueItemState))]
public sealed partial class QueueJsonContext : JsonSerializerContext;
