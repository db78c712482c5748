using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace MailAppliance.Queue;

/// <summary>Trace and metric names of the queue and courier (registered by ServiceDefaults through the <c>MailAppliance.*</c> prefix).</summary>
public static class QueueTelemetry
{
    /// <summary>ActivitySource and Meter name.</summary>
    public const string Name = "MailAppliance.Queue";

    /// <summary>Spans: one per delivery attempt to one destination, in the trace of the session that accepted the message.</summary>
    public static readonly ActivitySource Source = new(Name);

    internal static readonly Meter Meter = new(Name);

    /// <summary>Recipient attempts by outcome (delivered, deferred, bounced).</summary>
    internal static readonly Counter<long> Attempts = Meter.CreateCounter<long>("mailappliance.delivery.attempts", "{recipient}",
        "Delivery attempts per recipient, by outcome");

    /// <summary>Time from acceptance to delivery.</summary>
    internal static readonly Histogram<double> Latency = Meter.CreateHistogram<double>("mailappliance.delivery.latency", "s",
        "Time from acceptance to delivery of a recipient",
        advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600, 14400, 86400] });

    /// <summary>DSNs sent, by action.</summary>
    internal static readonly Counter<long> Dsns = Meter.CreateCounter<long>("mailappliance.dsn.sent", "{message}", "Delivery status notifications queued, by action");
}
