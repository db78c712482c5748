using System.Diagnostics;
using System.Net;
using MailAppliance.Arc;
using MailAppliance.AuthResults;
using MailAppliance.Dkim;
using MailAppliance.Dmarc;
using MailAppliance.Dns;
using MailAppliance.Spf;

namespace MailAppliance.Inbound;

/// <summary>
/// Authenticates mail received on port 25 in one call: SPF of MAIL FROM (of HELO for the null sender), every DKIM
/// signature, the ARC chain, then DMARC over those results; and turns that into an <see cref="InboundVerdict"/> with
/// our Authentication-Results field (RFC 8601), the forged ones to drop, and the DMARC action. DNS problems are
/// results (temperror), never exceptions. Thread-safe; one instance serves every session.
/// </summary>
/// <example>
/// <code>
/// var inbound = InboundAuthenticator.Create(dns, options);
/// var spf = await inbound.CheckSpfAsync(client, mailFrom, helo, ct);           // optional, at MAIL time
/// var verdict = await inbound.AuthenticateAsync(new InboundEnvelope(client, helo, mailFrom), message, spf, ct);
/// if (verdict.Action == InboundAction.Reject) return verdict.RejectReply;        // 550 5.7.1 at end of data
/// byte[] stored = verdict.Apply(message);                                        // forged A-R dropped, ours on top
/// </code>
/// </example>
public sealed class InboundAuthenticator
{
    private readonly SpfEvaluator spf;
    private readonly DkimVerifier dkim;
    private readonly ArcVerifier arc;
    private readonly DmarcEvaluator dmarc;

    /// <summary>An authenticator over the given evaluators.</summary>
    /// <param name="spf">The SPF evaluator.</param>
    /// <param name="dkim">The DKIM verifier.</param>
    /// <param name="arc">The ARC verifier.</param>
    /// <param name="dmarc">The DMARC evaluator.</param>
    /// <param name="options">The <c>Inbound</c> settings; null for the defaults.</param>
    public InboundAuthenticator(SpfEvaluator spf, DkimVerifier dkim, ArcVerifier arc, DmarcEvaluator dmarc, InboundOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(spf);
        ArgumentNullException.ThrowIfNull(dkim);
        ArgumentNullException.ThrowIfNull(arc);
        ArgumentNullException.ThrowIfNull(dmarc);
        this.spf = spf;
        this.dkim = dkim;
        this.arc = arc;
        this.dmarc = dmarc;
        Options = options ?? new InboundOptions();
        AuthservId = Options.EffectiveAuthservId();
        // Fail at start-up, not on the first message, when the host name cannot be an authserv-id.
        _ = new AuthenticationResultsBuilder(AuthservId);
    }

    /// <summary>The settings in force.</summary>
    public InboundOptions Options { get; }

    /// <summary>Our authserv-id (RFC 8601 §2.5).</summary>
    public string AuthservId { get; }

    /// <summary>An authenticator whose checks all ask <paramref name="dns"/>, with the Public Suffix List named by
    /// <paramref name="dmarcOptions"/>.</summary>
    /// <exception cref="IOException">The Public Suffix List cannot be read.</exception>
    /// <exception cref="ArgumentException">The authserv-id is not a valid one.</exception>
    public static InboundAuthenticator Create(IDnsResolver dns, InboundOptions? options = null, DmarcOptions? dmarcOptions = null) =>
        Create(dns, options, PublicSuffixList.Load((dmarcOptions ?? new DmarcOptions()).PublicSuffixListPath));

    /// <summary>An authenticator whose checks all ask <paramref name="dns"/>, with the given Public Suffix List.</summary>
    /// <exception cref="ArgumentException">The authserv-id is not a valid one.</exception>
    public static InboundAuthenticator Create(IDnsResolver dns, InboundOptions? options, PublicSuffixList publicSuffixes)
    {
        ArgumentNullException.ThrowIfNull(dns);
        ArgumentNullException.ThrowIfNull(publicSuffixes);
        options ??= new InboundOptions();
        var keys = new DnsDkimKeyLocator(dns);
        return new InboundAuthenticator(
            new SpfEvaluator(dns, new SpfEvaluatorOptions { ReceiverName = options.EffectiveAuthservId() }),
            new DkimVerifier(keys),
            new ArcVerifier(keys),
            new DmarcEvaluator(dns, publicSuffixes),
            options);
    }

    /// <summary>
    /// SPF on its own, for the session to run at MAIL time (RFC 7208 §2.4): the MAIL FROM identity, or the HELO
    /// identity for the null sender. Pass the result to <see cref="AuthenticateAsync(InboundEnvelope, ReadOnlyMemory{byte}, SpfCheck?, CancellationToken)"/>
    /// so it is not computed twice.
    /// </summary>
    /// <exception cref="OperationCanceledException">The token was canceled.</exception>
    public Task<SpfCheck> CheckSpfAsync(IPAddress client, string mailFrom, string helo, CancellationToken cancellationToken = default) =>
        spf.CheckMailFromAsync(client, mailFrom ?? string.Empty, helo ?? string.Empty, cancellationToken);

    /// <summary>Authenticates a message held in memory.</summary>
    /// <param name="envelope">The session facts.</param>
    /// <param name="message">The message as received (CRLF line ends).</param>
    /// <param name="spfCheck">The SPF result from <see cref="CheckSpfAsync"/>, or null to check it now.</param>
    /// <param name="cancellationToken">Cancels the DNS lookups.</param>
    /// <exception cref="OperationCanceledException">The token was canceled.</exception>
    public async Task<InboundVerdict> AuthenticateAsync(InboundEnvelope envelope, ReadOnlyMemory<byte> message, SpfCheck? spfCheck = null,
                                                        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(envelope);
        using var activity = InboundTelemetry.Source.StartActivity("inbound.authenticate");
        var spfTask = spfCheck is null ? CheckSpfAsync(envelope.ClientAddress, envelope.MailFrom, envelope.Helo, cancellationToken) : Task.FromResult(spfCheck);
        var heloTask = CheckHeloSeparatelyAsync(envelope, cancellationToken);
        var dkimTask = VerifyDkimAsync(message, cancellationToken);
        var arcTask = arc.VerifyMessageAsync(message, cancellationToken);
        await Task.WhenAll(spfTask, heloTask, dkimTask, arcTask);
        var headerSection = DkimMessageReader.Split(message).HeaderSection;
        return await DecideAsync(envelope, headerSection, await spfTask, await heloTask, await dkimTask, await arcTask, activity, cancellationToken);
    }

    /// <summary>Authenticates a message in a seekable stream (the spool file), read from its current position and
    /// without holding the body in memory. The stream is left at an unspecified position.</summary>
    /// <inheritdoc cref="AuthenticateAsync(InboundEnvelope, ReadOnlyMemory{byte}, SpfCheck?, CancellationToken)"/>
    /// <exception cref="ArgumentException">The stream cannot seek.</exception>
    /// <exception cref="DkimFormatException">The header section is longer than the verifiers accept.</exception>
    public async Task<InboundVerdict> AuthenticateAsync(InboundEnvelope envelope, Stream message, SpfCheck? spfCheck = null,
                                                        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(envelope);
        ArgumentNullException.ThrowIfNull(message);
        if (!message.CanSeek)
        {
            throw new ArgumentException("the message stream must be seekable: it is read three times", nameof(message));
        }

        using var activity = InboundTelemetry.Source.StartActivity("inbound.authenticate");
        var spfTask = spfCheck is null ? CheckSpfAsync(envelope.ClientAddress, envelope.MailFrom, envelope.Helo, cancellationToken) : Task.FromResult(spfCheck);
        var heloTask = CheckHeloSeparatelyAsync(envelope, cancellationToken);
        long start = message.Position;
        var headerSection = (await DkimMessageReader.ReadHeaderSectionAsync(message, dkim.Options.MaxHeaderLength, cancellationToken)).HeaderSection;
        message.Position = start;
        IReadOnlyList<DkimSignatureResult> signatures;
        try
        {
            signatures = await dkim.VerifyMessageAsync(message, cancellationToken);
        }
        catch (DkimFormatException)
        {
            signatures = [];
        }

        message.Position = start;
        var chain = await arc.VerifyMessageAsync(message, cancellationToken);
        return await DecideAsync(envelope, headerSection, await spfTask, await heloTask, signatures, chain, activity, cancellationToken);
    }

    /// <summary>
    /// RFC 7208 §2.3: the HELO identity is checked on its own too (RECOMMENDED), when MAIL FROM was checked rather
    /// than the HELO name (a null sender) and the name is a domain, not an address literal. Reported beside the
    /// MAIL FROM result; DMARC uses only the MAIL FROM result (RFC 7489 §3.1.2).
    /// </summary>
    private Task<SpfCheck?> CheckHeloSeparatelyAsync(InboundEnvelope envelope, CancellationToken cancellationToken) =>
        envelope.MailFrom.Length == 0 || !envelope.Helo.Contains('.', StringComparison.Ordinal) || envelope.Helo.StartsWith('[')
            ? Task.FromResult<SpfCheck?>(null)
            : CheckHeloCoreAsync(envelope, cancellationToken);

    private async Task<SpfCheck?> CheckHeloCoreAsync(InboundEnvelope envelope, CancellationToken cancellationToken) =>
        await spf.CheckHeloAsync(envelope.ClientAddress, envelope.Helo, cancellationToken);

    private async Task<IReadOnlyList<DkimSignatureResult>> VerifyDkimAsync(ReadOnlyMemory<byte> message, CancellationToken cancellationToken)
    {
        try
        {
            return await dkim.VerifyMessageAsync(message, cancellationToken);
        }
        catch (DkimFormatException)
        {
            // Not a header section at all: nothing can be verified (dkim=none); DMARC then finds no From either.
            return [];
        }
    }

    private async Task<InboundVerdict> DecideAsync(InboundEnvelope envelope, ReadOnlyMemory<byte> headerSection, SpfCheck spfCheck,
                                                   SpfCheck? heloCheck, IReadOnlyList<DkimSignatureResult> signatures, ArcValidationResult chain,
                                                   Activity? activity, CancellationToken cancellationToken)
    {
        IReadOnlyList<DkimHeaderField> fields;
        try
        {
            fields = DkimHeaderSection.Parse(headerSection);
        }
        catch (DkimFormatException)
        {
            fields = [];
        }

        string? fromDomain = FromDomain.Find(fields);
        DmarcCheck? dmarcCheck = fromDomain is null ? null : await dmarc.EvaluateAsync(fromDomain, spfCheck, signatures, cancellationToken);

        var builder = new AuthenticationResultsBuilder(AuthservId)
            .AddSpf(spfCheck, envelope.MailFrom.Length == 0 ? null : envelope.MailFrom, heloCheck is null ? envelope.Helo : null);
        if (heloCheck is not null)
        {
            builder.AddSpf(heloCheck, mailFrom: null, envelope.Helo);
        }

        builder.AddDkim(signatures);
        if (dmarcCheck is not null)
        {
            builder.AddDmarc(dmarcCheck);
        }

        builder.AddArc(chain);

        var (action, reply, quarantine) = Disposition(dmarcCheck);
        var verdict = new InboundVerdict
        {
            Spf = spfCheck,
            HeloSpf = heloCheck,
            Dkim = signatures,
            Dmarc = dmarcCheck,
            Arc = chain,
            AuthservId = AuthservId,
            AuthenticationResults = builder.ToValue(),
            ForgedFields = ForgedAuthenticationResults.Find(headerSection.Span, AuthservId),
            Action = action,
            RejectReply = reply,
            QuarantineField = quarantine,
            LogFields = LogFields(envelope, spfCheck, heloCheck, signatures, dmarcCheck, chain, action),
        };

        Count(verdict);
        activity?.SetTag("inbound.spf", spfCheck.Result.Keyword());
        activity?.SetTag("inbound.dmarc", dmarcCheck?.Result.Keyword() ?? "none");
        activity?.SetTag("inbound.arc", chain.Status.Keyword());
        activity?.SetTag("inbound.action", verdict.LogFields["action"]);
        return verdict;
    }

    /// <summary>RFC 7489 §6.7: the receiver applies the policy (reject in the SMTP transaction, quarantine by marking),
    /// and may apply a less strict one (our <see cref="InboundOptions.RejectHandling"/>).</summary>
    private (InboundAction Action, InboundReply? Reply, string? Quarantine) Disposition(DmarcCheck? check)
    {
        if (check is null || !Options.EnforceDmarc)
        {
            return (InboundAction.Accept, null, null);
        }

        string quarantine = $"{Options.QuarantineHeader}: dmarc\r\n";
        return check.Disposition switch
        {
            DmarcDisposition.Reject when Options.RejectHandling == DmarcRejectHandling.Reject =>
                (InboundAction.Reject, new InboundReply(550, "5.7.1",
                    $"Message refused: {check.FromDomain} publishes a DMARC reject policy and this message failed DMARC (no aligned SPF or DKIM pass)"),
                 null),
            DmarcDisposition.Reject or DmarcDisposition.Quarantine => (InboundAction.Quarantine, null, quarantine),
            _ => (InboundAction.Accept, null, null),
        };
    }

    private static Dictionary<string, string> LogFields(InboundEnvelope envelope, SpfCheck spfCheck, SpfCheck? heloCheck, IReadOnlyList<DkimSignatureResult> signatures,
                                                        DmarcCheck? dmarcCheck, ArcValidationResult chain, InboundAction action)
    {
        var fields = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["client"] = envelope.ClientAddress.ToString(),
            ["spf"] = spfCheck.Result.Keyword(),
            ["spf_domain"] = spfCheck.Domain,
            ["spf_helo"] = heloCheck?.Result.Keyword() ?? "not_checked",
            ["dkim"] = signatures.Count == 0 ? "none" : string.Join(',', signatures.Select(s => $"{s.Result.Keyword()}:{s.Domain ?? "?"}")),
            ["dmarc"] = dmarcCheck?.Result.Keyword() ?? "none",
            ["arc"] = chain.Status.Keyword(),
            ["action"] = action.ToString().ToLowerInvariant(),
        };
        if (dmarcCheck is not null)
        {
            fields["from_domain"] = dmarcCheck.FromDomain;
            fields["dmarc_policy"] = dmarcCheck.Disposition.Keyword();
        }

        return fields;
    }

    private static void Count(InboundVerdict verdict)
    {
        InboundTelemetry.Count(InboundTelemetry.Spf, verdict.Spf.Result.Keyword());
        if (verdict.Dkim.Count == 0)
        {
            InboundTelemetry.Count(InboundTelemetry.Dkim, "none");
        }

        foreach (var signature in verdict.Dkim)
        {
            InboundTelemetry.Count(InboundTelemetry.Dkim, signature.Result.Keyword());
        }

        InboundTelemetry.Count(InboundTelemetry.Dmarc, verdict.Dmarc?.Result.Keyword() ?? "none", verdict.LogFields["action"]);
        InboundTelemetry.Count(InboundTelemetry.Arc, verdict.Arc.Status.Keyword());
    }
}
