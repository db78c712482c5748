using System.Diagnostics;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace MailAppliance.Acme;

/// <summary>
/// One issuance, start to end (RFC 8555 §7.4): new order, each authorization answered with the first
/// responder whose challenge type the server offers, finalize with a fresh key's CSR, poll honoring
/// Retry-After, download the full chain.
/// </summary>
public sealed class AcmeCertificateIssuer
{
    private readonly AcmeClient _client;
    private readonly IReadOnlyList<IChallengeResponder> _responders;
    private readonly ILogger _logger;
    private readonly TimeProvider _clock;

    /// <summary>Creates an issuer. <paramref name="responders"/> are tried in order of preference.</summary>
    public AcmeCertificateIssuer(AcmeClient client, IReadOnlyList<IChallengeResponder> responders, ILogger? logger = null, TimeProvider? clock = null)
    {
        if (responders.Count == 0)
        {
            throw new ArgumentException("at least one challenge responder is needed", nameof(responders));
        }

        _client = client;
        _responders = responders;
        _logger = logger ?? NullLogger.Instance;
        _clock = clock ?? TimeProvider.System;
    }

    /// <summary>Orders and downloads a certificate for <paramref name="names"/>; the account must be registered.</summary>
    /// <exception cref="AcmeProblemException">The CA refused something, or a challenge/order ended invalid.</exception>
    /// <exception cref="AcmeProtocolException">The CA answered something unusable, or polling timed out.</exception>
    public async Task<IssuedCertificate> IssueAsync(IReadOnlyList<string> names, AcmeIssuanceOptions options, CancellationToken cancellationToken = default)
    {
        var order = await _client.NewOrderAsync(names.Select(AcmeIdentifier.Dns), options.Replaces, cancellationToken);
        Activity.Current?.SetTag("acme.order", order.Url.AbsoluteUri);
        _logger.LogInformation("ACME order {Order} for {Names}: {Status}", order.Url, string.Join(", ", names), order.Status);

        foreach (var authorizationUrl in order.Authorizations)
        {
            await AuthorizeAsync(authorizationUrl, options, cancellationToken);
        }

        order = await PollOrderAsync(order.Url, AcmeStatus.Pending, options, cancellationToken);
        if (order.Status != AcmeStatus.Ready && order.Status != AcmeStatus.Valid)
        {
            throw Failed("order", order.Status, order.Error);
        }

        using var csr = CertificateSigningRequest.Create(names, options.KeyAlgorithm);
        if (order.Status == AcmeStatus.Ready)
        {
            (order, var retryAfter) = await _client.FinalizeAsync(order, csr.Der, cancellationToken);
            if (order.Status == AcmeStatus.Processing)
            {
                await DelayAsync(retryAfter, options, cancellationToken);
                order = await PollOrderAsync(order.Url, AcmeStatus.Processing, options, cancellationToken);
            }
        }

        if (order.Status != AcmeStatus.Valid || order.Certificate is null)
        {
            throw Failed("order", order.Status, order.Error);
        }

        string chain = await _client.DownloadCertificateAsync(order.Certificate, cancellationToken);
        var leaf = X509Certificate2.CreateFromPem(chain);
        _logger.LogInformation("ACME order {Order} issued serial {Serial}, valid until {Expiry:u}", order.Url, leaf.SerialNumber, leaf.NotAfter.ToUniversalTime());
        return new IssuedCertificate(chain, csr.PrivateKeyPem, leaf, order.Url);
    }

    private async Task AuthorizeAsync(Uri url, AcmeIssuanceOptions options, CancellationToken cancellationToken)
    {
        var (authorization, _) = await _client.GetAuthorizationAsync(url, cancellationToken);
        if (authorization.Status == AcmeStatus.Valid)
        {
            return; // Reused from an earlier order (RFC 8555 §7.1.4).
        }

        if (authorization.Status != AcmeStatus.Pending)
        {
            throw Failed($"authorization for {authorization.Identifier.Value}", authorization.Status, authorization.FirstError);
        }

        var (responder, challenge) = Choose(authorization);
        string keyAuthorization = _client.AccountKey.KeyAuthorization(challenge.Token);
        using var activity = AcmeTelemetry.ActivitySource.StartActivity("acme challenge " + challenge.Type);
        activity?.SetTag("acme.identifier", authorization.Identifier.Value);
        await responder.PrepareAsync(authorization, challenge, keyAuthorization, cancellationToken);
        try
        {
            await _client.AnswerChallengeAsync(challenge, cancellationToken);
            var deadline = _clock.GetUtcNow() + options.PollTimeout;
            while (true)
            {
                (authorization, var retryAfter) = await _client.GetAuthorizationAsync(url, cancellationToken);
                if (authorization.Status == AcmeStatus.Valid)
                {
                    _logger.LogInformation("ACME {Type} challenge for {Name} valid", challenge.Type, authorization.Identifier.Value);
                    return;
                }

                if (authorization.Status != AcmeStatus.Pending)
                {
                    throw Failed($"{challenge.Type} challenge for {authorization.Identifier.Value}", authorization.Status, authorization.FirstError);
                }

                if (_clock.GetUtcNow() > deadline)
                {
                    throw new AcmeProtocolException($"the authorization for {authorization.Identifier.Value} stayed pending for {options.PollTimeout}");
                }

                await DelayAsync(retryAfter, options, cancellationToken);
            }
        }
        finally
        {
            await responder.CleanupAsync(authorization, challenge, keyAuthorization, CancellationToken.None);
        }
    }

    private (IChallengeResponder Responder, AcmeChallenge Challenge) Choose(AcmeAuthorization authorization)
    {
        foreach (var responder in _responders)
        {
            var challenge = authorization.Challenges.FirstOrDefault(c => c.Type == responder.ChallengeType && c.Status == AcmeStatus.Pending);
            if (challenge is not null)
            {
                return (responder, challenge);
            }
        }

        throw new AcmeProtocolException($"the CA offers {string.Join(", ", authorization.Challenges.Select(c => c.Type))} for " +
            $"{(authorization.Wildcard ? "*." : string.Empty)}{authorization.Identifier.Value}, and none is configured " +
            $"({string.Join(", ", _responders.Select(r => r.ChallengeType))}); a wildcard needs dns-01");
    }

    private async Task<AcmeOrder> PollOrderAsync(Uri url, string whileStatus, AcmeIssuanceOptions options, CancellationToken cancellationToken)
    {
        var deadline = _clock.GetUtcNow() + options.PollTimeout;
        while (true)
        {
            var (order, retryAfter) = await _client.GetOrderAsync(url, cancellationToken);
            if (order.Status != whileStatus)
            {
                return order;
            }

            if (_clock.GetUtcNow() > deadline)
            {
                throw new AcmeProtocolException($"the order {url} stayed {whileStatus} for {options.PollTimeout}");
            }

            await DelayAsync(retryAfter, options, cancellationToken);
        }
    }

    private Task DelayAsync(TimeSpan? retryAfter, AcmeIssuanceOptions options, CancellationToken cancellationToken)
    {
        // RFC 8555 §7.4 / §8.2: honor Retry-After when polling, within reason.
        var wait = retryAfter is { } r && r > TimeSpan.Zero ? (r < options.MaxPollInterval ? r : options.MaxPollInterval) : options.PollInterval;
        return Task.Delay(wait, _clock, cancellationToken);
    }

    private static AcmeProblemException Failed(string what, string status, AcmeProblem? problem) =>
        new(problem ?? new AcmeProblem("about:blank", $"{what} is {status}", null, []), 0, context: $"{what} is {status}");
}
