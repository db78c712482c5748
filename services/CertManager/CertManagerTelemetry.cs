using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace MailAppliance.CertManager;

/// <summary>
/// CertManager's trace source and meter. ServiceDefaults subscribes to every <c>MailAppliance.*</c> name, so
/// activities and instruments created here reach the dashboard without further registration.
/// </summary>
public static class CertManagerTelemetry
{
    /// <summary>Name of the <see cref="System.Diagnostics.ActivitySource"/> for ACME orders, challenges and renewals.</summary>
    public const string ActivitySourceName = "MailAppliance.CertManager";

    /// <summary>Name of the <see cref="System.Diagnostics.Metrics.Meter"/> for certificate expiry and renewal outcomes.</summary>
    public const string MeterName = "MailAppliance.CertManager";

    /// <summary>The service's activity source; ACME work starts its spans here.</summary>
    public static readonly ActivitySource ActivitySource = new(ActivitySourceName);

    /// <summary>The service's meter.</summary>
    public static readonly Meter Meter = new(MeterName);

    /// <summary>Issuance attempts, tagged <c>outcome</c>: <c>issued</c>, <c>failed</c>, <c>rate_limited</c>, <c>imported</c>.</summary>
    public static readonly Counter<long> IssuanceAttempts = Meter.CreateCounter<long>("certmanager.issuance.attempts",
        description: "Certificate issuance (or import) attempts by outcome");
}
