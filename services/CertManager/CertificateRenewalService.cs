using System.Diagnostics;
using System.Net;
using System.Security.Cryptography;
using MailAppliance.Acme;
using MailAppliance.Core;

namespace MailAppliance.CertManager;

/// <summary>
/// The ACME mode's loop: a placeholder before the first issuance, then issue when there is no real certificate
/// (or it lacks a configured name) and renew when due (ARI window, else a third of the lifetime left). Failures
/// keep the current files untouched, back off, and show in health; a success writes the files atomically and
/// signals the relay.
/// </summary>
public sealed class CertificateRenewalService : BackgroundService
{
    private readonly CertManagerOptions _options;
    private readonly CertificateFiles _files;
    private readonly CertificateStatus _status;
    private readonly AcmeSession _session;
    private readonly IEnumerable<IChallengeResponder> _responders;
    private readonly RelaySignaler _signaler;
    private readonly ILogger<CertificateRenewalService> _logger;
    private readonly ILoggerFactory _loggerFactory;
    private readonly TimeProvider _clock;
    private readonly IReadOnlyList<string> _names;
    private readonly string _statePath;
    private readonly RenewalPolicy _policy;

    /// <summary>Creates the service.</summary>
    public CertificateRenewalService(CertManagerOptions options, CertificateTarget target, CertificateStatus status, AcmeSession session,
        IEnumerable<IChallengeResponder> responders, RelaySignaler signaler, ApplianceDirectories directories, ILoggerFactory loggerFactory, TimeProvider clock)
    {
        _options = options;
        _files = target.Files;
        _names = target.Names;
        _status = status;
        _session = session;
        _responders = responders;
        _signaler = signaler;
        _loggerFactory = loggerFactory;
        _logger = loggerFactory.CreateLogger<CertificateRenewalService>();
        _clock = clock;
        _statePath = CertificateRenewalState.PathFor(directories.Acme, _files.Name);
        _policy = new RenewalPolicy(options.RenewBefore);
    }

    /// <inheritdoc />
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var state = CertificateRenewalState.Load(_statePath) ?? new CertificateRenewalState { Name = _files.Name, Names = _names };
        _status.Restore(state.LastError, state.ConsecutiveFailures);
        if (_files.EnsurePlaceholder(_names, _clock))
        {
            _logger.LogInformation("wrote a self-signed placeholder for {Names} to {Directory} until the first certificate is issued", string.Join(", ", _names), _files.Directory);
            await _signaler.SignalAsync(_files.Read()!.Serial, stoppingToken);
        }

        while (!stoppingToken.IsCancellationRequested)
        {
            var current = _files.Read();
            _status.SetCertificate(current);
            var (due, renewal, source, ari) = await DueAsync(current, state, stoppingToken);
            state = state with { NextRenewal = renewal, NextAttempt = due, RenewalSource = source, Serial = current?.Serial, NotAfter = current?.NotAfter };
            if (_clock.GetUtcNow() >= due)
            {
                state = await AttemptAsync(current, ari, state, stoppingToken);
                SaveState(state);
                continue;
            }

            SaveState(state);
            var sleep = due - _clock.GetUtcNow();
            if (sleep > _options.CheckInterval)
            {
                sleep = _options.CheckInterval;
            }

            _logger.LogDebug("next look at certificate {Name} in {Sleep}", _files.Name, sleep);
            try
            {
                await Task.Delay(sleep > TimeSpan.Zero ? sleep : TimeSpan.Zero, _clock, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    private async Task<(DateTimeOffset Due, DateTimeOffset? Renewal, string? Source, bool AriOffered)> DueAsync(
        CurrentCertificate? current, CertificateRenewalState state, CancellationToken cancellationToken)
    {
        var now = _clock.GetUtcNow();
        DateTimeOffset? retry = state.ConsecutiveFailures > 0 ? state.NextAttempt : null;
        if (current is null || current.Placeholder || !_names.All(n => current.Leaf.MatchesHostname(n.Replace("*.", "x.", StringComparison.Ordinal))))
        {
            return (retry ?? now, null, null, false);
        }

        AcmeRenewalInfo? info = null;
        try
        {
            var client = await _session.GetClientAsync(cancellationToken);
            info = await client.GetRenewalInfoAsync(current.Leaf, cancellationToken);
        }
        catch (Exception e) when (IsExpectedFailure(e, cancellationToken))
        {
            _logger.LogDebug("no renewal information ({Reason}); renewing by lifetime", e.Message);
        }

        // Keep the instant picked inside an unchanged ARI window, so that a restart does not re-roll it.
        var renewal = info is not null && state.RenewalSource == "ari" && state.NextRenewal is { } picked
            && picked >= info.WindowStart && picked <= info.WindowEnd && state.Serial == current.Serial
            ? picked
            : _policy.RenewalTime(current.NotBefore, current.NotAfter, info);
        var due = retry is { } r && r > renewal ? r : renewal;
        return (due, renewal, info is null ? "lifetime" : "ari", info is not null);
    }

    private async Task<CertificateRenewalState> AttemptAsync(CurrentCertificate? current, bool ariOffered, CertificateRenewalState state, CancellationToken stoppingToken)
    {
        var started = _clock.GetUtcNow();
        using var activity = CertManagerTelemetry.ActivitySource.StartActivity("acme order");
        activity?.SetTag("certificate.name", _files.Name);
        activity?.SetTag("certificate.names", string.Join(",", _names));
        _logger.LogInformation("{Action} certificate {Name} for {Names} from {Directory}",
            current is null || current.Placeholder ? "issuing" : "renewing", _files.Name, string.Join(", ", _names), _options.DirectoryUrl);
        try
        {
            var issued = await IssueAsync(current, ariOffered, stoppingToken);
            _files.Write(issued.FullChainPem, issued.PrivateKeyPem);
            var written = _files.Read() ?? throw new CryptographicException("the certificate just written cannot be read back");
            _status.SetCertificate(written);
            _status.Succeeded();
            CertManagerTelemetry.IssuanceAttempts.Add(1, new KeyValuePair<string, object?>("outcome", "issued"));
            activity?.SetTag("certificate.serial", written.Serial);
            _logger.LogInformation("certificate {Name} serial {Serial} written to {Directory}, valid until {Expiry:u}", _files.Name, written.Serial, _files.Directory, written.NotAfter);
            bool confirmed = await _signaler.SignalAsync(written.Serial, stoppingToken);
            return state with
            {
                LastAttempt = started, LastSuccess = _clock.GetUtcNow(), LastError = null, ConsecutiveFailures = 0, RelayConfirmed = confirmed,
                Serial = written.Serial, NotAfter = written.NotAfter, NextAttempt = null, NextRenewal = null, RenewalSource = null,
            };
        }
        catch (Exception e) when (IsExpectedFailure(e, stoppingToken))
        {
            int failures = state.ConsecutiveFailures + 1;
            var problem = e as AcmeProblemException;
            var wait = RetryBackoff.Next(failures, _options.RetryMinimum, _options.RetryMaximum, problem?.RetryAfter, Random.Shared);
            string outcome = problem?.IsRateLimited == true ? "rate_limited" : "failed";
            CertManagerTelemetry.IssuanceAttempts.Add(1, new KeyValuePair<string, object?>("outcome", outcome));
            activity?.SetStatus(ActivityStatusCode.Error, e.Message);
            if (problem?.Type == AcmeProblem.AccountDoesNotExist)
            {
                _session.ForgetAccount();
            }

            _status.Failed(e.Message);
            _logger.LogError("certificate {Name}: attempt {Failures} failed: {Reason}; the current certificate stays in place; next attempt in {Wait}",
                _files.Name, failures, e.Message, wait);
            return state with { LastAttempt = started, LastError = e.Message, ConsecutiveFailures = failures, NextAttempt = _clock.GetUtcNow() + wait };
        }
    }

    private async Task<IssuedCertificate> IssueAsync(CurrentCertificate? current, bool ariOffered, CancellationToken cancellationToken)
    {
        var client = await _session.GetClientAsync(cancellationToken);
        var responder = _responders.FirstOrDefault(r => r.ChallengeType == _options.Challenge)
            ?? throw new InvalidOperationException($"no responder for challenge type {_options.Challenge}");
        var issuer = new AcmeCertificateIssuer(client, [responder], _loggerFactory.CreateLogger<AcmeCertificateIssuer>(), _clock);
        var issuance = new AcmeIssuanceOptions
        {
            KeyAlgorithm = _options.KeyAlgorithm,
            PollTimeout = _options.OrderTimeout,
            // RFC 9773 §5: name the certificate being replaced, when the CA speaks ARI.
            Replaces = ariOffered && current is { Placeholder: false } ? AcmeClient.RenewalCertificateId(current.Leaf) : null,
        };
        if (responder is not Http01ChallengeResponder http01)
        {
            return await issuer.IssueAsync(_names, issuance, cancellationToken);
        }

        // The HTTP-01 port is open only while an order needs it.
        await using var server = await Http01ChallengeServer.StartAsync(http01, IPAddress.Parse(_options.Http01Address), _options.Http01Port, _loggerFactory, cancellationToken);
        return await issuer.IssueAsync(_names, issuance, cancellationToken);
    }

    private void SaveState(CertificateRenewalState state)
    {
        try
        {
            state.Save(_statePath);
        }
        catch (IOException e)
        {
            _logger.LogWarning("cannot write {Path}: {Reason}", _statePath, e.Message);
        }
    }

    /// <summary>Failures that mean "try again later", as opposed to bugs.</summary>
    private static bool IsExpectedFailure(Exception e, CancellationToken stoppingToken) =>
        !stoppingToken.IsCancellationRequested && e is AcmeProblemException or AcmeProtocolException or HttpRequestException
            or IOException or CryptographicException or TaskCanceledException or System.Net.Sockets.SocketException or InvalidOperationException;
}
