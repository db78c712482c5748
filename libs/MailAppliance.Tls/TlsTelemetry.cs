using System.Collections.Concurrent;
using System.Diagnostics.Metrics;

namespace MailAppliance.Tls;

/// <summary>
/// The relay's certificate metrics: what it serves and when that expires, per certificate, tagged with the
/// serial, so a dashboard shows a renewal the moment the relay picks it up (CertManager reads the same facts
/// from GET /admin/tls). ServiceDefaults subscribes to every <c>MailAppliance.*</c> meter.
/// </summary>
public static class TlsTelemetry
{
    /// <summary>Name of the <see cref="System.Diagnostics.Metrics.Meter"/>.</summary>
    public const string MeterName = "MailAppliance.Tls";

    /// <summary>Gauge: days until each served certificate expires.</summary>
    public const string DaysToExpiryInstrument = "tls.certificate.days_to_expiry";

    /// <summary>Gauge: each served certificate's notAfter as Unix seconds.</summary>
    public const string NotAfterInstrument = "tls.certificate.not_after";

    /// <summary>The meter.</summary>
    public static readonly Meter Meter = new(MeterName);

    private static readonly ConcurrentDictionary<CertificateStore, byte> Stores = new();

    static TlsTelemetry()
    {
        Meter.CreateObservableGauge(DaysToExpiryInstrument, () => Observe(c => (c.Leaf.NotAfter.ToUniversalTime() - DateTime.UtcNow).TotalDays),
            unit: "d", description: "Days until a certificate the relay serves expires");
        Meter.CreateObservableGauge(NotAfterInstrument, () => Observe(c => new DateTimeOffset(c.Leaf.NotAfter.ToUniversalTime()).ToUnixTimeSeconds()),
            unit: "s", description: "Expiry (Unix time) of a certificate the relay serves");
    }

    internal static void Track(CertificateStore store) => Stores[store] = 0;

    internal static void Untrack(CertificateStore store) => Stores.TryRemove(store, out _);

    private static IEnumerable<Measurement<T>> Observe<T>(Func<ServedCertificate, T> value) where T : struct
    {
        foreach (var store in Stores.Keys)
        {
            var served = store.Default;
            foreach (var certificate in store.Certificates)
            {
                yield return new Measurement<T>(value(certificate),
                    new KeyValuePair<string, object?>("certificate.name", certificate.Name),
                    new KeyValuePair<string, object?>("certificate.serial", certificate.Serial),
                    new KeyValuePair<string, object?>("certificate.default", ReferenceEquals(certificate, served)),
                    new KeyValuePair<string, object?>("certificate.self_signed", certificate.SelfSigned));
            }
        }
    }
}
