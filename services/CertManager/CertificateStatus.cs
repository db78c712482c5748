using System.Diagnostics.Metrics;

namespace MailAppliance.CertManager;

/// <summary>
/// The live state of the managed certificate, shared by the renewal loop (writer), the health check and the
/// days-to-expiry gauge (readers).
/// </summary>
public sealed class CertificateStatus
{
    private readonly TimeProvider _clock;
    private Snapshot _snapshot;

    /// <summary>Creates the status for certificate <paramref name="name"/> and registers its gauge.</summary>
    public CertificateStatus(string name, TimeProvider clock)
    {
        _clock = clock;
        _snapshot = new Snapshot(name, null, null, 0);
        CertManagerTelemetry.Meter.CreateObservableGauge("certmanager.certificate.days_to_expiry", ObserveDaysToExpiry, unit: "d",
            description: "Days until the managed certificate on disk expires (negative once expired)");
    }

    /// <summary>What is known right now.</summary>
    public Snapshot Current => Volatile.Read(ref _snapshot);

    /// <summary>Records the certificate on disk.</summary>
    public void SetCertificate(CurrentCertificate? certificate) => Update(s => s with { Certificate = certificate });

    /// <summary>Records a successful attempt.</summary>
    public void Succeeded() => Update(s => s with { LastError = null, ConsecutiveFailures = 0 });

    /// <summary>Records a failed attempt.</summary>
    public void Failed(string error) => Update(s => s with { LastError = error, ConsecutiveFailures = s.ConsecutiveFailures + 1 });

    /// <summary>Restores the failure count from saved state after a restart.</summary>
    public void Restore(string? lastError, int failures) => Update(s => s with { LastError = lastError, ConsecutiveFailures = failures });

    private void Update(Func<Snapshot, Snapshot> change)
    {
        Snapshot before, after;
        do
        {
            before = Volatile.Read(ref _snapshot);
            after = change(before);
        }
        while (!ReferenceEquals(Interlocked.CompareExchange(ref _snapshot, after, before), before));
    }

    private IEnumerable<Measurement<double>> ObserveDaysToExpiry()
    {
        var snapshot = Current;
        if (snapshot.Certificate is { } certificate)
        {
            yield return new Measurement<double>((certificate.NotAfter - _clock.GetUtcNow()).TotalDays,
                new KeyValuePair<string, object?>("certificate.name", snapshot.Name),
                new KeyValuePair<string, object?>("certificate.placeholder", certificate.Placeholder));
        }
    }

    /// <summary>One consistent view.</summary>
    /// <param name="Name">Directory name under config/certs.</param>
    /// <param name="Certificate">The pair on disk, if usable.</param>
    /// <param name="LastError">Why the last attempt failed, or null.</param>
    /// <param name="ConsecutiveFailures">Failures in a row.</param>
    public sealed record Snapshot(string Name, CurrentCertificate? Certificate, string? LastError, int ConsecutiveFailures);
}
