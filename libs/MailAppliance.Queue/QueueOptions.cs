namespace MailAppliance.Queue;

/// <summary>How the queue schedules attempts and when it gives up (section <c>Queue</c>).</summary>
public sealed class QueueOptions
{
    /// <summary>Configuration section.</summary>
    public const string Section = "Queue";

    /// <summary>Delay before the first retry; each later retry waits twice as long. Default 5 minutes.</summary>
    public TimeSpan MinRetryDelay { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>The longest wait between two attempts. Default 1 hour.</summary>
    public TimeSpan MaxRetryDelay { get; set; } = TimeSpan.FromHours(1);

    /// <summary>Each delay is spread by up to this fraction either way, so retries do not arrive in bursts. Default 0.2.</summary>
    public double RetryJitter { get; set; } = 0.2;

    /// <summary>How long a message may stay queued before it bounces (RFC 5321 §4.5.4.1: at least 4-5 days). Default 5 days.</summary>
    public TimeSpan MaxLifetime { get; set; } = TimeSpan.FromDays(5);

    /// <summary>After how long a still-queued message gets one delay DSN, when NOTIFY allows it. Default 4 hours.</summary>
    public TimeSpan DelayWarningAfter { get; set; } = TimeSpan.FromHours(4);

    /// <summary>
    /// Accept and keep mail but attempt no delivery (maintenance, or tests that read the spool). Default false.
    /// </summary>
    public bool Paused { get; set; }

    /// <summary>Messages being delivered at once. Default 64.</summary>
    public int MaxConcurrentDeliveries { get; set; } = 64;

    /// <summary>Transactions at once to one destination domain. Default 8.</summary>
    public int MaxConcurrentPerDestination { get; set; } = 8;
}
