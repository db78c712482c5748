using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace MailAppliance.DnsVerifier;

/// <summary>
/// DnsVerifier's trace source and meter. ServiceDefaults subscribes to every <c>MailAppliance.*</c> name, so
/// activities and instruments created here reach the dashboard without further registration.
/// </summary>
public static class DnsVerifierTelemetry
{
    /// <summary>Name of the <see cref="System.Diagnostics.ActivitySource"/> for DNS check runs.</summary>
    public const string ActivitySourceName = "MailAppliance.DnsVerifier";

    /// <summary>Name of the <see cref="System.Diagnostics.Metrics.Meter"/> for check results per record kind.</summary>
    public const string MeterName = "MailAppliance.DnsVerifier";

    /// <summary>The service's activity source; each check run starts its spans here.</summary>
    public static readonly ActivitySource ActivitySource = new(ActivitySourceName);

    /// <summary>The service's meter; instruments are added with the features that measure something.</summary>
    public static readonly Meter Meter = new(MeterName);
}
