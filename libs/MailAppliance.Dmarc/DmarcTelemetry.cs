using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace MailAppliance.Dmarc;

/// <summary>Names and instruments of the DMARC evaluator's telemetry (registered by ServiceDefaults via "MailAppliance.*").</summary>
public static class DmarcTelemetry
{
    /// <summary>ActivitySource and Meter name.</summary>
    public const string Name = "MailAppliance.Dmarc";

    /// <summary>One span per evaluation (<c>dmarc.check</c>).</summary>
    public static readonly ActivitySource Source = new(Name);

    private static readonly Meter Meter = new(Name);

    /// <summary>Evaluations, by result and disposition.</summary>
    public static readonly Counter<long> Checks = Meter.CreateCounter<long>("mailappliance.dmarc.checks", "{check}", "DMARC evaluations, by result and disposition");
}
