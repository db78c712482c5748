namespace MailAppliance.Queue;

/// <summary>Exponential backoff with jitter between attempts (RFC 5321 §4.5.4.1: retry at least 30 minutes apart is advised; configurable for tests).</summary>
public sealed class RetrySchedule(QueueOptions options, Random? random = null)
{
    private readonly Random _random = random ?? Random.Shared;

    /// <summary>The wait after attempt number <paramref name="attempts"/> (1 = the first attempt failed).</summary>
    public TimeSpan DelayAfter(int attempts)
    {
        double seconds = options.MinRetryDelay.TotalSeconds * Math.Pow(2, Math.Clamp(attempts - 1, 0, 30));
        seconds = Math.Min(seconds, options.MaxRetryDelay.TotalSeconds);
        double spread = 1 + options.RetryJitter * (2 * _random.NextDouble() - 1);
        return TimeSpan.FromSeconds(Math.Max(0.001, seconds * spread));
    }
}
