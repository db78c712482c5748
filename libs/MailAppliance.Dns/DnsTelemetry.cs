using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace MailAppliance.Dns;

/// <summary>Names and instruments of the resolver's telemetry (registered by ServiceDefaults via "MailAppliance.*").</summary>
public static class DnsTelemetry
{
    /// <summary>ActivitySource and Meter name.</summary>
    public const string Name = "MailAppliance.Dns";

    /// <summary>One span per lookup.</summary>
    public static readonly ActivitySource Source = new(Name);

    private static readonly Meter Meter = new(Name);

    /// <summary>Lookups, by type and status (found, nxdomain, nodata, temporary_failure).</summary>
    public static readonly Counter<long> Lookups = Meter.CreateCounter<long>("mailappliance.dns.lookups", "{lookup}", "DNS lookups, by type and status");

    /// <summary>Lookup durations.</summary>
    public static readonly Histogram<double> Duration = Meter.CreateHistogram<double>("mailappliance.dns.lookup.duration", "s", "Time taken by DNS lookups");

    internal static string StatusTag(DnsLookupStatus status) => status switch
    {
        DnsLookupStatus.Found => "found",
        DnsLookupStatus.NxDomain => "nxdomain",
        DnsLookupStatus.NoData => "nodata",
        _ => "temporary_failure",
    };
}
