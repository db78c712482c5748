using MailAppliance.Queue;

namespace MailAppliance.Tests.Queue;

public sealed class RetryScheduleTests
{
    [Fact]
    public void Delays_double_up_to_the_cap_and_stay_within_the_jitter()
    {
        var options = new QueueOptions { MinRetryDelay = TimeSpan.FromMinutes(5), MaxRetryDelay = TimeSpan.FromHours(1), RetryJitter = 0.2 };
        var schedule = new RetrySchedule(options, new Random(7));
        double[] expected = [300, 600, 1200, 2400, 3600, 3600, 3600];
        for (int attempt = 1; attempt <= expected.Length; attempt++)
        {
            double seconds = schedule.DelayAfter(attempt).TotalSeconds;
            Assert.InRange(seconds, expected[attempt - 1] * 0.8, expected[attempt - 1] * 1.2);
        }
    }

    [Fact]
    public void Jitter_spreads_the_delays()
    {
        var schedule = new RetrySchedule(new QueueOptions(), new Random(1));
        var delays = Enumerable.Range(0, 20).Select(_ => schedule.DelayAfter(1)).Distinct().Count();
        Assert.True(delays > 10);
    }
}
