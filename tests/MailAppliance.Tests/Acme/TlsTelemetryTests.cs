using System.Diagnostics.Metrics;
using MailAppliance.Tls;
using Microsoft.Extensions.Logging.Abstractions;

namespace MailAppliance.Tests.Acme;

/// <summary>The relay reports what it serves as a metric, for CertManager's renewals to be visible on a dashboard.</summary>
public sealed class TlsTelemetryTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("tls-metric-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public void TheServedCertificatesExpiryIsAGaugeTaggedWithItsSerial()
    {
        using var store = new CertificateStore(Path.Combine(_root, "certs"), Path.Combine(_root, "self"), "mail.example.test", NullLogger.Instance, watch: false);
        var days = new List<(double Value, Dictionary<string, object?> Tags)>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == TlsTelemetry.MeterName)
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<double>((instrument, value, tags, _) =>
        {
            if (instrument.Name == TlsTelemetry.DaysToExpiryInstrument)
            {
                days.Add((value, tags.ToArray().ToDictionary(t => t.Key, t => t.Value)));
            }
        });
        listener.Start();
        listener.RecordObservableInstruments();

        var served = days.Single(d => (string?)d.Tags["certificate.serial"] == store.Default.Serial);
        Assert.Equal(true, served.Tags["certificate.default"]);
        Assert.InRange(served.Value, 300, 366); // The self-signed fallback lives a year.
    }
}
