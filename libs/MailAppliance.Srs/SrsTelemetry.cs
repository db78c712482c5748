using System.Diagnostics.Metrics;

namespace MailAppliance.Srs;

/// <summary>Names and instruments of the SRS library's telemetry (registered by ServiceDefaults via "MailAppliance.*").</summary>
public static class SrsTelemetry
{
    /// <summary>Meter name.</summary>
    public const string Name = "MailAppliance.Srs";

    /// <summary>Counter of forward rewrites, tagged with <see cref="ResultTag"/> (rewritten, notneeded, nodomain, toolong).</summary>
    public const string ForwardsCounter = "mailappliance.srs.forwards";

    /// <summary>Counter of reverse lookups, tagged with <see cref="ResultTag"/> (ok, notsrs, forged, expired).</summary>
    public const string ReversesCounter = "mailappliance.srs.reverses";

    /// <summary>The tag naming the result.</summary>
    public const string ResultTag = "srs.result";

    internal static readonly Meter Meter = new(Name);

    internal static readonly Counter<long> Forwards = Meter.CreateCounter<long>(ForwardsCounter, description: "SRS forward rewrites, by result");

    internal static readonly Counter<long> Reverses = Meter.CreateCounter<long>(ReversesCounter, description: "SRS reverse lookups, by result");

    internal static void Count(Counter<long> counter, Enum result) =>
        counter.Add(1, new KeyValuePair<string, object?>(ResultTag, result.ToString().ToLowerInvariant()));
}
