using System.Diagnostics;
using MailAppliance.Delivery;
using MailAppliance.Delivery.MtaSts;
using MailAppliance.DnsRecords;
using MailAppliance.Spool;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace MailAppliance.Queue;

/// <summary>
/// Delivers to a remote domain: its MX hosts in order (RFC 5321 §5.1), each host's addresses in order, moving on
/// while a connection fails before the server decided anything; then the first server that answered decides.
/// TLS: opportunistic, unless MTA-STS (RFC 8461) in enforce mode or a configured policy requires verified TLS.
/// </summary>
public sealed class RemoteCourier : ICourier
{
    private readonly MxResolver _mx;
    private readonly SmtpCourierClient _client;
    private readonly MtaStsResolver? _mtaSts;
    private readonly DeliveryOptions _options;
    private readonly ILogger _logger;

    /// <summary>Creates the courier. <paramref name="mtaSts"/> null turns MTA-STS off.</summary>
    public RemoteCourier(MxResolver mx, SmtpCourierClient client, MtaStsResolver? mtaSts, DeliveryOptions options, ILogger? logger = null)
    {
        _mx = mx;
        _client = client;
        _mtaSts = mtaSts;
        _options = options;
        _logger = logger ?? NullLogger.Instance;
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<AttemptOutcome>> DeliverAsync(SpooledMessage message, string destination, IReadOnlyList<RecipientState> recipients,
        CancellationToken cancellationToken = default)
    {
        var resolution = await _mx.ResolveAsync(destination, cancellationToken);
        if (resolution.Status == MxResolutionStatus.PermanentFailure)
        {
            // RFC 7505 §4.2 (null MX) and RFC 5321 §5.1 (no such domain): no retry can help.
            return All(recipients, DeliveryStatus.PermanentFailure, $"{destination}: {resolution.Error}", "5.1.2");
        }

        if (resolution.Status == MxResolutionStatus.TemporaryFailure)
        {
            return All(recipients, DeliveryStatus.TemporaryFailure, $"{destination}: {resolution.Error}", "4.4.3");
        }

        var policy = _mtaSts is null ? null : await _mtaSts.GetPolicyAsync(destination, cancellationToken);
        bool enforce = policy?.Policy.Mode == MtaStsMode.Enforce;
        var tls = enforce || _options.TlsPolicies.GetValueOrDefault(destination) == TlsPolicyMode.Verify
            ? TlsRequirement.Verified : TlsRequirement.Opportunistic;
        Activity.Current?.SetTag("tls.policy", enforce ? "mta-sts enforce" : tls == TlsRequirement.Verified ? "configured verify" : policy is null ? "opportunistic" : "mta-sts testing");

        var envelopeRecipients = recipients.Select(r => new EnvelopeRecipient
        {
            Address = r.Address, Notify = r.Notify, OriginalRecipient = r.OriginalRecipient,
        }).ToArray();
        string lastFailure = $"no MX host of {destination} could be reached";
        string lastCode = "4.4.1";
        foreach (var target in resolution.Targets)
        {
            if (policy is not null && !policy.Allows(target.Host))
            {
                // RFC 8461 §4.1: an MX the policy does not list is not used in enforce mode; testing mode only reports.
                if (enforce)
                {
                    lastFailure = $"MX host {target.Host} is not listed in the MTA-STS policy of {destination} (mode enforce)";
                    lastCode = "4.7.5";
                    _logger.LogWarning("{Destination}: {Problem}", destination, lastFailure);
                    continue;
                }

                _logger.LogWarning("{Destination}: MX host {Host} is not listed in the MTA-STS policy (mode testing): delivering anyway", destination, target.Host);
            }

            foreach (var address in target.Addresses)
            {
                var result = await _client.DeliverAsync(target.Host, address, message, envelopeRecipients, tls, cancellationToken);
                Activity.Current?.AddEvent(new ActivityEvent("attempt", tags: new ActivityTagsCollection
                {
                    ["server.address"] = target.Host, ["network.peer.address"] = address.ToString(),
                    ["tls"] = result.Tls?.ToString(), ["connection_failed"] = result.ConnectionFailed,
                }));
                if (result.ConnectionFailed)
                {
                    lastFailure = result.Recipients[0].Detail;
                    lastCode = tls == TlsRequirement.Verified && lastFailure.Contains("TLS policy", StringComparison.Ordinal) ? "4.7.5" : "4.4.1";
                    continue;
                }

                return Map(result, recipients);
            }
        }

        return All(recipients, DeliveryStatus.TemporaryFailure, lastFailure, lastCode);
    }

    private static List<AttemptOutcome> Map(CourierResult result, IReadOnlyList<RecipientState> recipients)
    {
        string remote = $"{result.Host} [{result.Address}]";
        bool dsn = result.Extensions.Contains("DSN");
        return [.. result.Recipients.Select((r, i) => new AttemptOutcome(recipients[i].Address, r.Status, r.Detail,
            r.Reply?.EnhancedCode ?? DefaultCode(r), r.Reply is null ? null : remote, r.Reply?.ToString())
        {
            Tls = result.Tls?.ToString(),
            RemoteSupportsDsn = dsn,
        })];
    }

    private static string DefaultCode(RecipientResult result) => result.Status switch
    {
        DeliveryStatus.Delivered => "2.0.0",
        DeliveryStatus.TemporaryFailure => result.Reply is null ? "4.4.1" : "4.0.0",
        // A local permanent decision: SMTPUTF8 missing (RFC 6531 §3.2, 5.6.7) or the size limit (RFC 1870, 5.3.4).
        _ => result.Reply is not null ? "5.0.0" : result.Detail.Contains("SMTPUTF8", StringComparison.Ordinal) ? "5.6.7" : "5.3.4",
    };

    private static List<AttemptOutcome> All(IReadOnlyList<RecipientState> recipients, DeliveryStatus status, string detail, string code) =>
        [.. recipients.Select(r => new AttemptOutcome(r.Address, status, detail, code, null, null))];
}
