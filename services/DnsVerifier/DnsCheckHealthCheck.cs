using MailAppliance.DnsCheck;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace MailAppliance.DnsVerifier;

/// <summary>
/// The health of the published DNS, from the last run: Unhealthy on any error (or a configuration that stops the
/// checks), Degraded on warnings, Healthy otherwise and before the first run. The description names the first
/// problem and its instruction, so the Aspire dashboard says what to fix.
/// </summary>
public sealed class DnsCheckHealthCheck(DnsCheckRunner runner) : IHealthCheck
{
    /// <summary>The name the check is registered under.</summary>
    public const string Name = "dns-records";

    /// <inheritdoc />
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var run = runner.Last;
        if (run is null)
        {
            return Task.FromResult(HealthCheckResult.Healthy("no DNS check has run yet"));
        }

        if (run.Report is not DnsCheckReport report)
        {
            return Task.FromResult(HealthCheckResult.Unhealthy($"DNS checks cannot run: {run.ConfigurationError}"));
        }

        var data = Enum.GetValues<CheckStatus>().ToDictionary(s => s.Name(), s => (object)report.Count(s));
        var first = report.Problems.OrderByDescending(r => r.Status).FirstOrDefault();
        string description = first is null
            ? $"all DNS checks pass ({report.Count(CheckStatus.Ok)} ok)"
            : $"{report.Count(CheckStatus.Error)} errors, {report.Count(CheckStatus.Warning)} warnings; first: {first.Id} {first.Subject}: {first.Instruction}";
        return Task.FromResult(report.Worst switch
        {
            CheckStatus.Error => HealthCheckResult.Unhealthy(description, data: data),
            CheckStatus.Warning => HealthCheckResult.Degraded(description, data: data),
            _ => HealthCheckResult.Healthy(description, data),
        });
    }
}
