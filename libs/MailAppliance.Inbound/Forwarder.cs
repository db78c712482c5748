using System.Text;
using MailAppliance.Arc;
using MailAppliance.Dkim;
using MailAppliance.Srs;

namespace MailAppliance.Inbound;

/// <summary>
/// Prepares a message received for a local alias or catch-all to go on to an outside address, so that it still
/// authenticates there: the envelope sender is rewritten with SRS (SPF then checks our addresses), our ARC set is
/// added with the results we computed on arrival (RFC 8617 §5.1), and the original message stays byte-exact below
/// the added fields (its DKIM signatures keep verifying). Also routes bounces to our SRS addresses and detects loops.
/// Thread-safe.
/// </summary>
/// <example>
/// <code>
/// var forwarder = new Forwarder(new SrsRewriter(secrets, srsOptions), inboundOptions);
/// if (forwarder.CheckLoop(message, "alias@our.example") is { IsLoop: true } loop) bounce(loop.Reply);
/// var copy = forwarder.Prepare(mailFrom, "our.example", "alias@our.example", message, verdict.Arc,
///                              verdict.AuthenticationResults, keyring.For("our.example"));
/// enqueue(copy.EnvelopeSender, outsideAddress, copy.Apply(message));
/// // RCPT TO on port 25:
/// var bounce = forwarder.ReverseBounce(rcpt);   // Ok -> deliver to bounce.OriginalAddress; refused -> bounce.Reply
/// </code>
/// </example>
public sealed class Forwarder
{
    private readonly SrsRewriter srs;
    private readonly ArcSealerOptions? sealerOptions;
    private readonly TimeProvider? timeProvider;

    /// <summary>Creates a forwarder.</summary>
    /// <param name="srs">The SRS rewriter (its secret lives in state/).</param>
    /// <param name="options">The <c>Inbound</c> settings; null for the defaults.</param>
    /// <param name="sealerOptions">How ARC sets are made; null for the defaults.</param>
    /// <param name="timeProvider">The clock for ARC's <c>t=</c>; null for the system clock.</param>
    public Forwarder(SrsRewriter srs, InboundOptions? options = null, ArcSealerOptions? sealerOptions = null, TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(srs);
        this.srs = srs;
        Options = options ?? new InboundOptions();
        this.sealerOptions = sealerOptions;
        this.timeProvider = timeProvider;
        AuthservId = Options.EffectiveAuthservId();
    }

    /// <summary>The settings in force.</summary>
    public InboundOptions Options { get; }

    /// <summary>Our authserv-id, written into the ARC-Authentication-Results.</summary>
    public string AuthservId { get; }

    /// <summary>
    /// The envelope sender and the fields to prepend for a forwarded copy.
    /// </summary>
    /// <param name="sender">The original MAIL FROM (empty for the null sender, which stays null).</param>
    /// <param name="ourDomain">Our domain that forwards (the alias's domain): the SRS address is in it and our ARC set is
    /// signed with its key; its SPF record must list our addresses.</param>
    /// <param name="recipient">The local address the message is forwarded for (the alias), recorded for loop detection.</param>
    /// <param name="message">The message as stored on arrival (with our Authentication-Results, forged ones dropped).</param>
    /// <param name="arc">The ARC validation result of the message on arrival (<see cref="InboundVerdict.Arc"/>).</param>
    /// <param name="authenticationResults">Our results (<see cref="InboundVerdict.AuthenticationResults"/>), carried in the
    /// ARC-Authentication-Results.</param>
    /// <param name="keys">The DKIM keys of <paramref name="ourDomain"/> (<c>DkimKeyring.For</c>); none means no ARC set.</param>
    public ForwardPreparation Prepare(string sender, string ourDomain, string recipient, ReadOnlyMemory<byte> message,
                                      ArcValidationResult arc, string authenticationResults, IEnumerable<DkimSigningKey> keys)
    {
        var plan = Plan(sender, ourDomain, recipient, arc, authenticationResults, keys);
        ArcSealResult? set = null;
        string? problem = null;
        if (plan.Key is not null)
        {
            try
            {
                // The set seals what goes out below it: the marker and the message (RFC 8617 §5.1, AMS over the message as sent).
                set = new ArcSealer(plan.Key, sealerOptions, timeProvider).SealMessage(
                    (byte[])[.. plan.Marker, .. message.Span], AuthservId, authenticationResults, arc);
            }
            catch (DkimFormatException e)
            {
                problem = "the header section cannot be parsed: " + e.Message;
            }
        }

        return Finish(plan, set, problem);
    }

    private sealed record ForwardPlan(SrsForwardResult Rewrite, string ForwardedFor, byte[] Marker, DkimSigningKey? Key, string OurDomain);

    private ForwardPlan Plan(string sender, string ourDomain, string recipient, ArcValidationResult arc, string authenticationResults,
                             IEnumerable<DkimSigningKey> keys)
    {
        ArgumentNullException.ThrowIfNull(sender);
        ArgumentException.ThrowIfNullOrWhiteSpace(ourDomain);
        ArgumentException.ThrowIfNullOrWhiteSpace(recipient);
        ArgumentNullException.ThrowIfNull(arc);
        ArgumentNullException.ThrowIfNull(authenticationResults);
        ArgumentNullException.ThrowIfNull(keys);
        string forwardedFor = $"{Options.ForwardedForHeader}: {recipient}\r\n";
        return new ForwardPlan(srs.Forward(sender, ourDomain), forwardedFor, Encoding.UTF8.GetBytes(forwardedFor), ArcSealer.PreferredKey(keys), ourDomain);
    }

    private static ForwardPreparation Finish(ForwardPlan plan, ArcSealResult? set, string? problem)
    {
        byte[] arcFields = set is { Sealed: true } ? set.Fields : [];
        string? skipped = arcFields.Length > 0 ? null
            : plan.Key is null ? $"{plan.OurDomain} has no DKIM key to seal with"
            : problem ?? set?.SkippedReason;
        InboundTelemetry.Count(InboundTelemetry.Forwards, arcFields.Length > 0 ? "sealed" : "unsealed");
        return new ForwardPreparation
        {
            EnvelopeSender = plan.Rewrite.Address,
            SenderRewrite = plan.Rewrite.Status,
            ArcFields = arcFields,
            ArcInstance = arcFields.Length > 0 ? set!.Instance : 0,
            ArcSkippedReason = skipped,
            ForwardedForField = plan.ForwardedFor,
            FieldsToPrepend = [.. arcFields, .. plan.Marker],
        };
    }

    /// <summary>
    /// <see cref="Prepare(string, string, string, ReadOnlyMemory{byte}, ArcValidationResult, string, IEnumerable{DkimSigningKey})"/>
    /// for a message in a seekable stream (the spool file), read from its current position; the body is hashed as it
    /// is read, never held in memory. The stream is left at an unspecified position.
    /// </summary>
    /// <exception cref="ArgumentException">The stream cannot seek.</exception>
    /// <exception cref="DkimFormatException">The header section is longer than 1 MiB.</exception>
    public async Task<ForwardPreparation> PrepareAsync(string sender, string ourDomain, string recipient, Stream message,
                                                       ArcValidationResult arc, string authenticationResults, IEnumerable<DkimSigningKey> keys,
                                                       CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(message);
        if (!message.CanSeek)
        {
            throw new ArgumentException("the message stream must be seekable", nameof(message));
        }

        long start = message.Position;
        var header = (await DkimMessageReader.ReadHeaderSectionAsync(message, DkimMessageReader.DefaultMaxHeaderLength, cancellationToken)).HeaderSection;
        // The body starts after the header section and its empty line (RFC 5322 §2.1); the spool writes CRLF.
        message.Position = start + header.Length;
        byte[] emptyLine = new byte[2];
        int read = await message.ReadAtLeastAsync(emptyLine, 2, throwOnEndOfStream: false, cancellationToken);
        if (read == 2 && (emptyLine[0] != '\r' || emptyLine[1] != '\n'))
        {
            // Not CRLF-framed: fall back to the in-memory path, which finds the body however the lines end.
            message.Position = start;
            using var copy = new MemoryStream();
            await message.CopyToAsync(copy, cancellationToken);
            return Prepare(sender, ourDomain, recipient, copy.ToArray(), arc, authenticationResults, keys);
        }

        var plan = Plan(sender, ourDomain, recipient, arc, authenticationResults, keys);
        ArcSealResult? set = null;
        string? problem = null;
        if (plan.Key is not null)
        {
            try
            {
                set = await new ArcSealer(plan.Key, sealerOptions, timeProvider).SealAsync(
                    (byte[])[.. plan.Marker, .. header.Span], message, AuthservId, authenticationResults, arc, cancellationToken);
            }
            catch (DkimFormatException e)
            {
                problem = "the header section cannot be parsed: " + e.Message;
            }
        }

        return Finish(plan, set, problem);
    }

    /// <summary>
    /// Checks a RCPT TO that may be one of our SRS addresses (a bounce to forwarded mail).
    /// </summary>
    /// <param name="recipient">The RCPT TO address.</param>
    /// <returns>Ok with the original sender to deliver the bounce to; Forged or Expired with a 550 5.1.1 reply (the address
    /// does not exist for anyone but us, and we did not make it, or no longer honour it); NotSrs for any other address.</returns>
    public BounceRoute ReverseBounce(string recipient)
    {
        ArgumentNullException.ThrowIfNull(recipient);
        var reverse = srs.Reverse(recipient);
        var route = reverse.Status switch
        {
            SrsReverseStatus.Ok => new BounceRoute(reverse.Status, reverse.Address, null, null),
            SrsReverseStatus.Forged => new BounceRoute(reverse.Status, null,
                new InboundReply(550, "5.1.1", "No such address: this SRS bounce address was not made by this server"), reverse.Problem),
            SrsReverseStatus.Expired => new BounceRoute(reverse.Status, null,
                new InboundReply(550, "5.1.1", "No such address: this SRS bounce address has expired"), reverse.Problem),
            _ => new BounceRoute(SrsReverseStatus.NotSrs, null, null, null),
        };
        InboundTelemetry.Count(InboundTelemetry.Bounces, reverse.Status.ToString().ToLowerInvariant());
        return route;
    }

    /// <summary>
    /// Whether forwarding <paramref name="message"/> for <paramref name="recipient"/> would loop: too many Received fields
    /// (RFC 5321 §6.3), or our forwarded-for marker for this same recipient already on it. A loop is bounced, not forwarded.
    /// </summary>
    /// <param name="message">The message (or only its header section).</param>
    /// <param name="recipient">The local address about to be forwarded for.</param>
    public LoopCheck CheckLoop(ReadOnlyMemory<byte> message, string recipient)
    {
        ArgumentNullException.ThrowIfNull(recipient);
        IReadOnlyList<DkimHeaderField> fields;
        try
        {
            fields = DkimHeaderSection.Parse(DkimMessageReader.Split(message).HeaderSection);
        }
        catch (DkimFormatException)
        {
            fields = [];
        }

        int received = fields.Count(f => f.Is("Received"));
        if (received > Options.MaxReceivedHeaders)
        {
            return new LoopCheck(LoopStatus.TooManyHops, received,
                new InboundReply(554, "5.4.6", $"Mail loop: the message has {received} Received fields (at most {Options.MaxReceivedHeaders})"));
        }

        bool seen = fields.Any(f => f.Is(Options.ForwardedForHeader) &&
            string.Equals(Unfold(f.RawValueText), recipient.Trim(), StringComparison.OrdinalIgnoreCase));
        return seen
            ? new LoopCheck(LoopStatus.AlreadyForwarded, received,
                new InboundReply(554, "5.4.6", $"Mail loop: the message was already forwarded by this server for {recipient}"))
            : new LoopCheck(LoopStatus.None, received, null);
    }

    private static string Unfold(string value) => value.Replace("\r\n", string.Empty, StringComparison.Ordinal).Trim();
}
