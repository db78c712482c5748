using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace MailAppliance.CertManager;

/// <summary>
/// Health from the certificate's point of view: Unhealthy when it expired or less than
/// <see cref="CertManagerOptions.UnhealthyBefore"/> of its lifetime is left; Degraded while the last attempt
/// failed or only the placeholder exists; Healthy otherwise.
/// </summary>
public sealed class CertificateHealthCheck : IHealthCheck
{
    private readonly CertificateStatus _status;
    private readonly CertManagerOptions _options;
    private readonly TimeProvider _clock;

    /// <summary>Creates the check.</summary>
    public CertificateHealthCheck(CertificateStatus status, CertManagerOptions options, TimeProvider clock)
    {
        _status = status;
        _options = options;
        _clock = clock;
    }

    /// <inheritdoc />
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(Evaluate(_status.Current, _options.UnhealthyBefore, _clock.GetUtcNow()));

    /// <summary>The health of <paramref name="snapshot"/> at <paramref name="now"/>.</summary>
    public static HealthCheckResult Evaluate(CertificateStatus.Snapshot snapshot, double unhealthyBefore, DateTimeOffset now)
    {
        var data = new Dictionary<string, object> { ["name"] = snapshot.Name, ["failures"] = snapshot.ConsecutiveFailures };
        if (snapshot.Certificate is not { } certificate)
        {
            return HealthCheckResult.Unhealthy($"no usable certificate in certs/{snapshot.Name}", data: data);
        }

        data["serial"] = certificate.Serial;
        data["notAfter"] = certificate.NotAfter;
        string failure = snapshot.LastError is null ? string.Empty : $"; last attempt failed: {snapshot.LastError}";
        var lifetime = certificate.NotAfter - certificate.NotBefore;
        var left = certificate.NotAfter - now;
        if (left <= TimeSpan.Zero)
        {
            return HealthCheckResult.Unhealthy($"certificate {snapshot.Name} expired at {certificate.NotAfter:u}{failure}", data: data);
        }

        if (left.Ticks < lifetime.Ticks * unhealthyBefore)
        {
            return HealthCheckResult.Unhealthy($"certificate {snapshot.Name} expires at {certificate.NotAfter:u}{failure}", data: data);
        }

        if (snapshot.LastError is not null)
        {
            return HealthCheckResult.Degraded($"certificate {snapshot.Name} valid until {certificate.NotAfter:u}{failure}", data: data);
        }

        if (certificate.Placeholder)
        {
            return HealthCheckResult.Degraded($"certificate {snapshot.Name} is the self-signed placeholder; no certificate issued yet", data: data);
        }

        return HealthCheckResult.Healthy($"certificate {snapshot.Name} serial {certificate.Serial} valid until {certificate.NotAfter:u}", data);
    }
}
