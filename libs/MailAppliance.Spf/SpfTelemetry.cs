using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace MailAppliance.Spf;

/// <summary>Names and instruments of the SPF evaluator's telemetry (registered by ServiceDefaults via "MailAppliance.*").</summary>
public static class SpfTelemetry
{
    /// <summary>ActivitySource and Meter name.</summary>
    public const string Name = "MailAppliance.Spf";

    /// <summary>One span per check (<c>spf.check</c>).</summary>
    public static readonly ActivitySource Source = new(Name);

    private static readonly Meter Meter = new(Name);

    /// <summary>Checks, by result keyword.</summary>
    public static readonly Counter<long> Checks = Meter.CreateCounter<long>("mailappliance.spf.checks", "{check}", "SPF checks, by result");
}
