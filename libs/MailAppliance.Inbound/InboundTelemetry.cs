using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace MailAppliance.Inbound;

/// <summary>Names and instruments of inbound authentication and forwarding (registered by ServiceDefaults via "MailAppliance.*").</summary>
public static class InboundTelemetry
{
    /// <summary>ActivitySource and Meter name.</summary>
    public const string Name = "MailAppliance.Inbound";

    /// <summary>The tag carrying the result keyword.</summary>
    public const string ResultTag = "result";

    /// <summary>One span per authenticated message.</summary>
    public static readonly ActivitySource Source = new(Name);

    private static readonly Meter Meter = new(Name);

    /// <summary>SPF results of received messages.</summary>
    public static readonly Counter<long> Spf = Meter.CreateCounter<long>("mailappliance.inbound.spf", "{message}", "SPF results of received messages");

    /// <summary>DKIM results, one per signature (<c>none</c> for an unsigned message).</summary>
    public static readonly Counter<long> Dkim = Meter.CreateCounter<long>("mailappliance.inbound.dkim", "{signature}", "DKIM results of received messages");

    /// <summary>DMARC results, with the action taken.</summary>
    public static readonly Counter<long> Dmarc = Meter.CreateCounter<long>("mailappliance.inbound.dmarc", "{message}", "DMARC results of received messages");

    /// <summary>ARC chain validation results.</summary>
    public static readonly Counter<long> Arc = Meter.CreateCounter<long>("mailappliance.inbound.arc", "{message}", "ARC results of received messages");

    /// <summary>Forwarding preparations, by outcome (sealed, unsealed).</summary>
    public static readonly Counter<long> Forwards = Meter.CreateCounter<long>("mailappliance.inbound.forwards", "{message}", "Forwarded messages prepared");

    /// <summary>Bounces to SRS addresses, by outcome (ok, forged, expired, notsrs).</summary>
    public static readonly Counter<long> Bounces = Meter.CreateCounter<long>("mailappliance.inbound.bounces", "{recipient}", "Recipients checked as SRS bounce addresses");

    internal static void Count(Counter<long> counter, string result, string? action = null)
    {
        if (action is null)
        {
            counter.Add(1, new KeyValuePair<string, object?>(ResultTag, result));
        }
        else
        {
            counter.Add(1, new KeyValuePair<string, object?>(ResultTag, result), new KeyValuePair<string, object?>("action", action));
        }
    }
}
