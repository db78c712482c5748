using System.Diagnostics;

namespace MailAppliance.Acme;

/// <summary>The ACME client's trace source: one client span per HTTP request to the CA.</summary>
public static class AcmeTelemetry
{
    /// <summary>Name of the <see cref="System.Diagnostics.ActivitySource"/>.</summary>
    public const string ActivitySourceName = "MailAppliance.Acme";

    /// <summary>The activity source.</summary>
    public static readonly ActivitySource ActivitySource = new(ActivitySourceName);
}
