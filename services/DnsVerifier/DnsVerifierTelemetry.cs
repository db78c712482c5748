using System.Diagnostics;
using System.Diagnostics.Metrics;
using MailAppliance.DnsCheck;

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

    /// <summary>The service's activity source; each check run is one span ("dns.check.run").</summary>
    public static readonly ActivitySource ActivitySource = new(ActivitySourceName);

    /// <summary>The service's meter.</summary>
    public static readonly Meter Meter = new(MeterName);

    /// <summary>Check results, by check id and status (one per result of every run).</summary>
    public static readonly Counter<long> Results = Meter.CreateCounter<long>(
        "mailappliance.dnsverifier.check.results", "{result}", "DNS check results, by check id and status");

    /// <summary>How long a run of all checks takes.</summary>
    public static readonly Histogram<double> RunDuration = Meter.CreateHistogram<double>(
        "mailappliance.dnsverifier.run.duration", "s", "Time taken by a run of all DNS checks");

    /// <summary>Tags of one result for <see cref="Results"/>.</summary>
    public static TagList Tags(CheckResult result) => new()
    {
        { "check.id", result.Id },
        { "check.status", result.Status.Name() },
    };

    /// <summary>
    /// Registers the gauge of the last run: for each check id and status, how many results of the last run have it
    /// (so a dashboard shows e.g. ptr.ipv6 error = 1 until the PTR is fixed).
    /// </summary>
    public static void ObserveLastRun(Func<DnsCheckReport?> lastReport) =>
        Meter.CreateObservableGauge("mailappliance.dnsverifier.check.status", () => Observe(lastReport()), "{result}",
            "Results of the last DNS check run, by check id and status");

    private static IEnumerable<Measurement<int>> Observe(DnsCheckReport? report)
    {
        if (report is null)
        {
            yield break;
        }

        foreach (var group in report.Results.GroupBy(r => (r.Id, r.Status)))
        {
            yield return new Measurement<int>(group.Count(), new KeyValuePair<string, object?>("check.id", group.Key.Id),
                new KeyValuePair<string, object?>("check.status", group.Key.Status.Name()));
        }
    }
}
