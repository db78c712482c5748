using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace MailAppliance.Arc;

/// <summary>Names and instruments of the ARC library's telemetry (registered by ServiceDefaults via "MailAppliance.*").</summary>
public static class ArcTelemetry
{
    /// <summary>ActivitySource and Meter name.</summary>
    public const string Name = "MailAppliance.Arc";

    /// <summary>Span of one chain validation.</summary>
    public const string ValidateActivity = "arc.validate";

    /// <summary>Span of one sealing.</summary>
    public const string SealActivity = "arc.seal";

    /// <summary>Counter of validations, tagged with <see cref="ResultTag"/> (none, pass, fail).</summary>
    public const string ValidationsCounter = "mailappliance.arc.validations";

    /// <summary>Counter of seals added, tagged with <see cref="ResultTag"/> (the cv= written), or "skipped".</summary>
    public const string SealsCounter = "mailappliance.arc.seals";

    /// <summary>The tag naming the result.</summary>
    public const string ResultTag = "arc.result";

    /// <summary>The tag with the chain's instance count.</summary>
    public const string InstanceTag = "arc.instance";

    internal static readonly ActivitySource Source = new(Name);

    internal static readonly Meter Meter = new(Name);

    internal static readonly Counter<long> Validations = Meter.CreateCounter<long>(ValidationsCounter, description: "ARC chains validated, by result");

    internal static readonly Counter<long> Seals = Meter.CreateCounter<long>(SealsCounter, description: "ARC sets added, by cv");
}
