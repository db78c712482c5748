using System.Diagnostics;
using MailAppliance.Core;
using MailAppliance.Dns;
using MailAppliance.DnsCheck;
using Microsoft.Extensions.Options;

namespace MailAppliance.DnsVerifier;

/// <summary>One run: its report, or the configuration problem that stopped it.</summary>
/// <param name="At">When it ran.</param>
/// <param name="Report">The results, or null when the configuration is broken.</param>
/// <param name="ConfigurationError">What to set (no Hostname, no public address, a broken DKIM key file), or null.</param>
public sealed record DnsCheckRun(DateTimeOffset At, DnsCheckReport? Report, string? ConfigurationError);

/// <summary>
/// Runs the checks, one run at a time, and keeps the last run for <c>GET /checks</c>, the health check and the
/// metrics. The target is loaded again for each run, so new domains and DKIM keys are picked up without a restart.
/// </summary>
public sealed class DnsCheckRunner(
    ApplianceDirectories directories, IConfiguration configuration, IOptions<DnsCheckOptions> options, IDnsResolver dns,
    IHttpClientFactory httpClients, TimeProvider time, ILogger<DnsCheckRunner> logger, ISpfPassEvaluator? spf = null)
{
    /// <summary>The HTTP client that fetches MTA-STS policies (no redirects, RFC 8461 §3.3).</summary>
    public const string MtaStsClient = "mta-sts";

    /// <summary>The HTTP client that asks the relay's admin API.</summary>
    public const string RelayClient = "relay-admin";

    private readonly SemaphoreSlim _gate = new(1, 1);
    private volatile DnsCheckRun? _last;

    /// <summary>The last run, or null before the first.</summary>
    public DnsCheckRun? Last => _last;

    /// <summary>Runs every check now (waiting for a run in progress to end first) and keeps the result.</summary>
    /// <exception cref="OperationCanceledException">The token was canceled.</exception>
    public async Task<DnsCheckRun> RunAsync(CancellationToken cancellationToken = default)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            using var activity = DnsVerifierTelemetry.ActivitySource.StartActivity("dns.check.run");
            var run = await RunOnceAsync(cancellationToken);
            if (run.Report is { } report)
            {
                activity?.SetTag("dns.check.hostname", report.HostName);
                activity?.SetTag("dns.check.status", report.Worst.Name());
                foreach (var status in Enum.GetValues<CheckStatus>())
                {
                    activity?.SetTag("dns.check." + status.Name(), report.Count(status));
                }

                foreach (var result in report.Results)
                {
                    DnsVerifierTelemetry.Results.Add(1, DnsVerifierTelemetry.Tags(result));
                }

                DnsVerifierTelemetry.RunDuration.Record(report.Duration.TotalSeconds);
                if (report.HasErrors)
                {
                    activity?.SetStatus(ActivityStatusCode.Error, $"{report.Count(CheckStatus.Error)} DNS checks failed");
                }

                foreach (var problem in report.Problems)
                {
                    logger.LogWarning("DNS check {CheckId} {Status} for {Subject}: {Detail}. {Instruction}",
                        problem.Id, problem.Status.Name(), problem.Subject, problem.Detail, problem.Instruction);
                }

                logger.LogInformation("DNS checks for {HostName}: {Errors} errors, {Warnings} warnings, {Ok} ok in {Duration} ms",
                    report.HostName, report.Count(CheckStatus.Error), report.Count(CheckStatus.Warning), report.Count(CheckStatus.Ok),
                    (int)report.Duration.TotalMilliseconds);
            }
            else
            {
                activity?.SetStatus(ActivityStatusCode.Error, run.ConfigurationError);
                logger.LogError("DNS checks cannot run: {Problem}", run.ConfigurationError);
            }

            _last = run;
            return run;
        }
        finally
        {
            _gate.Release();
        }
    }

    private async Task<DnsCheckRun> RunOnceAsync(CancellationToken cancellationToken)
    {
        var settings = options.Value;
        DnsCheckTarget target;
        try
        {
            target = DnsCheckTargetLoader.Load(directories, configuration, settings);
        }
        catch (Exception e) when (e is DnsCheckConfigurationException or ConfigurationFileException)
        {
            return new DnsCheckRun(time.GetUtcNow(), null, e.Message);
        }

        IRelayCertificateSource? relay = string.IsNullOrWhiteSpace(settings.RelayAdminUrl)
            ? null
            : new HttpRelayCertificateSource(httpClients.CreateClient(RelayClient), settings.RelayAdminUrl);
        var checker = new DnsChecker(dns, settings, spf, new HttpsMtaStsPolicySource(httpClients.CreateClient(MtaStsClient)), relay, time);
        return new DnsCheckRun(time.GetUtcNow(), await checker.RunAsync(target, cancellationToken), null);
    }
}
