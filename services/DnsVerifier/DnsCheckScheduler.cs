using MailAppliance.DnsCheck;
using Microsoft.Extensions.Options;

namespace MailAppliance.DnsVerifier;

/// <summary>
/// Runs the checks at start and then every <c>DnsVerifier:Interval</c>. An interval of zero runs them only on demand
/// (<c>POST /checks/run</c>), e.g. for a development config whose domains are in no public DNS.
/// </summary>
public sealed class DnsCheckScheduler(DnsCheckRunner runner, IOptions<DnsCheckOptions> options, TimeProvider time, ILogger<DnsCheckScheduler> logger)
    : BackgroundService
{
    /// <inheritdoc />
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var interval = options.Value.Interval;
        if (interval <= TimeSpan.Zero)
        {
            logger.LogInformation("DnsVerifier:Interval is zero: DNS checks run only on POST /checks/run");
            return;
        }

        using var timer = new PeriodicTimer(interval, time);
        do
        {
            try
            {
                await runner.RunAsync(stoppingToken);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // A bug in one run must not stop the next ones; the health check shows the last good run meanwhile.
                logger.LogError(e, "DNS check run failed");
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }
}
