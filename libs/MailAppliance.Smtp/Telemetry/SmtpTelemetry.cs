using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace MailAppliance.Smtp.Telemetry;

/// <summary>Names and instruments of the SMTP engine's telemetry (registered by ServiceDefaults via "MailAppliance.*").</summary>
public static class SmtpTelemetry
{
    /// <summary>ActivitySource and Meter name.</summary>
    public const string Name = "MailAppliance.Smtp";

    /// <summary>One span per SMTP session.</summary>
    public static readonly ActivitySource Source = new(Name);

    private static readonly Meter Meter = new(Name);

    /// <summary>Connections accepted, by listener.</summary>
    public static readonly Counter<long> Connections = Meter.CreateCounter<long>("mailappliance.smtp.connections", "{connection}", "SMTP connections accepted");

    /// <summary>Sessions in progress.</summary>
    public static readonly UpDownCounter<long> ActiveSessions = Meter.CreateUpDownCounter<long>("mailappliance.smtp.sessions.active", "{session}", "SMTP sessions in progress");

    /// <summary>Messages acknowledged with 250 (durably spooled), by listener.</summary>
    public static readonly Counter<long> MessagesAccepted = Meter.CreateCounter<long>("mailappliance.smtp.messages.accepted", "{message}", "Messages accepted and spooled");

    /// <summary>Accepted message sizes.</summary>
    public static readonly Histogram<long> MessageSize = Meter.CreateHistogram<long>("mailappliance.smtp.message.size", "By", "Size of accepted messages");

    /// <summary>Refusals, by reason (relay_denied, unknown_user, auth_failed, too_big, ...).</summary>
    public static readonly Counter<long> Rejections = Meter.CreateCounter<long>("mailappliance.smtp.rejections", "{reply}", "Commands or messages refused, by reason");

    /// <summary>Records a rejection with its reason.</summary>
    public static void Reject(string reason, string listener) =>
        Rejections.Add(1, new KeyValuePair<string, object?>("reason", reason), new KeyValuePair<string, object?>("listener", listener));
}
