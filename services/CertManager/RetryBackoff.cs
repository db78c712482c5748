namespace MailAppliance.CertManager;

/// <summary>Exponential backoff with jitter for failed attempts, honoring a CA's Retry-After.</summary>
public static class RetryBackoff
{
    /// <summary>
    /// The wait after the <paramref name="failures"/>-th failure in a row: minimum × 2^(failures-1), capped at
    /// maximum, ±20 % jitter so that many appliances do not retry in step; never less than the server's
    /// <paramref name="retryAfter"/> (RFC 8555 §6.6).
    /// </summary>
    public static TimeSpan Next(int failures, TimeSpan minimum, TimeSpan maximum, TimeSpan? retryAfter, Random random)
    {
        double factor = Math.Pow(2, Math.Clamp(failures - 1, 0, 30));
        double ticks = Math.Min(minimum.Ticks * factor, maximum.Ticks);
        ticks *= 0.8 + (random.NextDouble() * 0.4);
        var wait = TimeSpan.FromTicks((long)ticks);
        return retryAfter is { } server && server > wait ? server : wait;
    }
}
