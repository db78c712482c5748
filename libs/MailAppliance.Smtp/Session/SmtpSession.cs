using System.Buffers;
using System.Diagnostics;
using System.Security.Authentication;
using System.Text;
using MailAppliance.Core;
using MailAppliance.Arc;
using MailAppliance.Dkim;
using MailAppliance.Inbound;
using MailAppliance.Smtp.Signing;
using MailAppliance.Smtp.Protocol;
using MailAppliance.Smtp.Server;
using MailAppliance.Smtp.Telemetry;
using MailAppliance.Spool;
using Microsoft.Extensions.Logging;

namespace MailAppliance.Smtp.Session;

/// <summary>
/// One SMTP session: the RFC 5321 state machine with ESMTP extensions. Every reply carries an enhanced
/// status code (RFC 2034) except the greeting, the EHLO reply and the 334/354 intermediates, where RFC 2034 §3
/// and RFC 4954 exclude it. Unexpected failures answer 451 4.3.0, never 5xx.
/// </summary>
internal sealed class SmtpSession
{
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    private readonly SmtpEngine _engine;
    private readonly SmtpServerOptions _options;
    private readonly SessionInfo _info;
    private readonly SmtpTransport _transport;
    private readonly SmtpInput _input;
    private readonly CancellationToken _shutdown;
    private readonly CancellationTokenSource _readTimeout;
    private readonly DateTimeOffset _deadline;
    private readonly StrongBox _lineTooLong = new();
    private TimeSpan _waitLimit;
    private bool _sessionLimitArmed;
    private Transaction? _transaction;
    private int _errors;
    private bool _quit;
    private bool _pendingOutput;
    private Activity? _activity;

    public SmtpSession(SmtpEngine engine, SessionInfo info, Stream stream, CancellationToken shutdown)
    {
        _engine = engine;
        _options = engine.Options;
        _info = info;
        _shutdown = shutdown;
        _transport = new SmtpTransport(stream);
        _readTimeout = CancellationTokenSource.CreateLinkedTokenSource(shutdown);
        _deadline = engine.Clock.GetUtcNow() + _options.SessionTimeout;
        _waitLimit = _options.CommandTimeout;
        _input = new SmtpInput(_transport.Reader, FlushAsync)
        {
            ReadToken = _readTimeout.Token,
            ArmTimeout = ArmReadTimeout,
            DisarmTimeout = () => _readTimeout.CancelAfter(Timeout.InfiniteTimeSpan),
        };
    }

    public async Task RunAsync()
    {
        using var activity = _activity = SmtpTelemetry.Source.StartActivity("smtp.session", ActivityKind.Server);
        activity?.SetTag("client.address", _info.Remote.Address.ToString());
        activity?.SetTag("client.port", _info.Remote.Port);
        activity?.SetTag("smtp.listener", _info.Listener);
        SmtpTelemetry.ActiveSessions.Add(1);
        try
        {
            if (_info.Mode == ListenerMode.ImplicitTls && !await StartTlsAsync())
            {
                return;
            }

            Send(new SmtpReply(220, string.Empty, $"{_engine.Hostname} ESMTP MailAppliance"));
            await CommandLoopAsync();
            await FlushAsync();
        }
        catch (OperationCanceledException) when (_shutdown.IsCancellationRequested)
        {
            await TrySendFinalAsync(SmtpReplies.ShuttingDown);
        }
        catch (OperationCanceledException)
        {
            // Which limit was armed decides the reply: timers may fire a millisecond before the clock agrees.
            bool sessionOver = _sessionLimitArmed;
            Rejected(sessionOver ? "session_timeout" : "timeout");
            await TrySendFinalAsync(sessionOver ? SmtpReplies.SessionTooLong : SmtpReplies.Timeout);
        }
        catch (Exception e) when (e is IOException or AuthenticationException or ObjectDisposedException or InvalidOperationException)
        {
            // The client went away or broke the stream; there is nobody left to answer.
            _engine.Logger.LogDebug(e, "session with {Client} ended: {Reason}", _info.Remote, e.Message);
        }
        catch (Exception e)
        {
            _engine.Logger.LogError(e, "session with {Client} failed", _info.Remote);
            activity?.SetStatus(ActivityStatusCode.Error, e.Message);
            await TrySendFinalAsync(SmtpReplies.LocalError);
        }
        finally
        {
            SmtpTelemetry.ActiveSessions.Add(-1);
            await AbandonTransactionAsync();
            _input.Release();
            _readTimeout.Dispose();
            await _transport.DisposeAsync();
        }
    }

    private void ArmReadTimeout()
    {
        TimeSpan left = _deadline - _engine.Clock.GetUtcNow();
        _sessionLimitArmed = left <= _waitLimit;
        _readTimeout.CancelAfter(_sessionLimitArmed ? (left < TimeSpan.Zero ? TimeSpan.Zero : left) : _waitLimit);
    }

    private async Task CommandLoopAsync()
    {
        while (!_quit)
        {
            _waitLimit = _options.CommandTimeout;
            _lineTooLong.Value = false;
            string? line = await _input.ReadLineAsync(_options.MaxCommandLineLength, DecodeLine, _lineTooLong);
            if (line is null)
            {
                return;
            }

            SmtpReply? reply = _lineTooLong.Value ? SmtpReplies.LineTooLong
                : line == InvalidUtf8 ? SmtpReplies.SyntaxError.WithText("Command is not valid UTF-8")
                : await DispatchAsync(SmtpCommandParser.Parse(line));
            if (reply is null)
            {
                continue;
            }

            Send(reply);

            // RFC 5321 §4.5.3.1.8: recipients over the limit are refused "in an orderly fashion" and the client sends
            // them later; that is not a client error, or a pipelined batch of 110 recipients would lose all of them.
            if (reply.IsError && reply != SmtpReplies.TooManyRecipients && ++_errors >= _options.MaxErrors)
            {
                Rejected("too_many_errors");
                Send(SmtpReplies.TooManyErrors);
                return;
            }
        }
    }

    private const string InvalidUtf8 = "\0invalid-utf8";

    private static string DecodeLine(ReadOnlySequence<byte> line)
    {
        try
        {
            return StrictUtf8.GetString(line);
        }
        catch (DecoderFallbackException)
        {
            return InvalidUtf8;
        }
    }

    private async ValueTask<SmtpReply?> DispatchAsync(SmtpCommand command)
    {
        if (_transaction?.BdatWriter is not null && command.Verb is not (SmtpVerb.Bdat or SmtpVerb.Rset or SmtpVerb.Quit or SmtpVerb.Noop))
        {
            return SmtpReplies.BdatInProgress;
        }

        return command.Verb switch
        {
            SmtpVerb.Ehlo => Ehlo(command.Argument),
            SmtpVerb.Helo => Helo(command.Argument),
            SmtpVerb.Mail => Mail(command.Argument),
            SmtpVerb.Rcpt => Rcpt(command.Argument),
            SmtpVerb.Data => await DataAsync(command.Argument),
            SmtpVerb.Bdat => await BdatAsync(command.Argument),
            SmtpVerb.Rset => await RsetAsync(),
            SmtpVerb.Noop => SmtpReplies.Ok,
            SmtpVerb.Quit => Quit(),
            SmtpVerb.Vrfy => SmtpReplies.CannotVerify, // RFC 5321 §3.5.3: 252, disclose nothing.
            SmtpVerb.Expn => SmtpReplies.NotImplemented,
            SmtpVerb.Help => SmtpReplies.Help,
            SmtpVerb.StartTls => await StartTlsCommandAsync(command.Argument),
            SmtpVerb.Auth => await AuthAsync(command.Argument),
            _ => SmtpReplies.Unrecognized,
        };
    }

    private SmtpReply Ehlo(string argument)
    {
        if (!IsHeloArgument(argument))
        {
            return SmtpReplies.SyntaxError.WithText("EHLO requires a domain or address literal");
        }

        _info.Helo = argument;
        _info.Esmtp = true;
        _transaction = null; // RFC 5321 §4.1.4: EHLO resets the transaction.
        var lines = new List<string>
        {
            $"{_engine.Hostname} Hello {argument} [{_info.Remote.Address}]",
            "PIPELINING",
            $"SIZE {_options.MaxMessageSize}",
            "8BITMIME",
            "SMTPUTF8",
            "ENHANCEDSTATUSCODES",
            "CHUNKING",
            "DSN",
        };
        if (_info.Tls is null && _engine.Tls is not null)
        {
            lines.Add("STARTTLS");
        }

        // RFC 4954 §4 leaves it to us: AUTH is offered only under TLS, so passwords never cross in the clear.
        if (_info.Tls is not null && _info.AuthenticatedAs is null)
        {
            lines.Add("AUTH PLAIN LOGIN");
        }

        lines.Add("HELP");
        return new SmtpReply(250, string.Empty, string.Join('\n', lines));
    }

    private SmtpReply Helo(string argument)
    {
        if (!IsHeloArgument(argument))
        {
            return SmtpReplies.SyntaxError.WithText("HELO requires a domain");
        }

        _info.Helo = argument;
        _info.Esmtp = false;
        _transaction = null;
        return new SmtpReply(250, "2.0.0", $"{_engine.Hostname} Hello {argument}");
    }

    private static bool IsHeloArgument(string argument) =>
        argument.Length is > 0 and <= 255 && !argument.Any(c => c is ' ' or '\t' || char.IsControl(c));

    private SmtpReply Mail(string argument)
    {
        if (_info.Helo is null)
        {
            return SmtpReplies.BadSequenceHelloFirst;
        }

        if (_transaction is not null)
        {
            return SmtpReplies.NestedMail;
        }

        if (_info.Mode != ListenerMode.Mx && _info.AuthenticatedAs is null)
        {
            // RFC 6409 §4.3: submission requires authentication; on 587 that first needs STARTTLS.
            Rejected("auth_required");
            return _info.Tls is null ? SmtpReplies.MustStartTls : SmtpReplies.AuthRequired;
        }

        var error = SmtpPath.TryParse(argument, "FROM:", allowNull: true, out var sender, out var parameters);
        if (error is not null)
        {
            return error;
        }

        var transaction = new Transaction(sender);
        if (parameters.Select(p => p.Key).Distinct().Count() != parameters.Count)
        {
            return SmtpReplies.SyntaxError.WithText("A MAIL parameter is given twice");
        }

        foreach (var (key, value) in parameters)
        {
            switch (key)
            {
                case "SIZE" when long.TryParse(value, out long size) && size >= 0:
                    // RFC 1870 §6: refuse early when the declared size is over the limit.
                    if (size > _options.MaxMessageSize)
                    {
                        Rejected("too_big");
                        return SmtpReplies.MessageTooBig;
                    }

                    break;
                case "BODY" when value is not null && (value.Equals("7BIT", StringComparison.OrdinalIgnoreCase) || value.Equals("8BITMIME", StringComparison.OrdinalIgnoreCase)):
                    transaction.Body = value.ToUpperInvariant();
                    break;
                case "SMTPUTF8" when value is null:
                    transaction.SmtpUtf8 = true;
                    break;
                case "RET" when transaction.Ret is null && value is not null && (value.Equals("FULL", StringComparison.OrdinalIgnoreCase) || value.Equals("HDRS", StringComparison.OrdinalIgnoreCase)):
                    transaction.Ret = value.ToUpperInvariant();
                    break;
                case "ENVID" when transaction.EnvId is null && value is not null && value.Length <= 100 && SmtpPath.IsXtext(value):
                    transaction.EnvId = value;
                    break;
                case "AUTH" when value is not null:
                    // RFC 4954 §5: the AUTH parameter is advisory; we record the session's own identity instead.
                    break;
                case "SIZE" or "BODY" or "SMTPUTF8" or "RET" or "ENVID" or "AUTH":
                    return SmtpReplies.SyntaxError.WithText($"Invalid {key} parameter");
                default:
                    return SmtpReplies.UnknownParameter;
            }
        }

        if (!transaction.SmtpUtf8 && SmtpPath.NeedsUtf8(sender))
        {
            return SmtpReplies.Utf8WithoutSmtpUtf8;
        }

        var refusal = _engine.Policy.CheckSender(_info, sender);
        if (refusal is not null)
        {
            Rejected("sender_refused", refusal, sender: sender.ToString());
            return refusal;
        }

        _transaction = transaction;
        return SmtpReplies.SenderOk;
    }

    private SmtpReply Rcpt(string argument)
    {
        if (_transaction is null)
        {
            return SmtpReplies.BadSequenceMailFirst;
        }

        var error = SmtpPath.TryParse(argument, "TO:", allowNull: false, out var recipient, out var parameters);
        if (error is not null)
        {
            return error;
        }

        if (parameters.Select(p => p.Key).Distinct().Count() != parameters.Count)
        {
            return SmtpReplies.SyntaxError.WithText("A RCPT parameter is given twice");
        }

        string? notify = null;
        string? orcpt = null;
        foreach (var (key, value) in parameters)
        {
            switch (key)
            {
                case "NOTIFY" when notify is null && value is not null && IsNotify(value):
                    notify = value.ToUpperInvariant();
                    break;
                case "ORCPT" when orcpt is null && value is not null && IsOrcpt(value):
                    orcpt = value;
                    break;
                case "NOTIFY" or "ORCPT":
                    return SmtpReplies.SyntaxError.WithText($"Invalid {key} parameter");
                default:
                    return SmtpReplies.UnknownParameter;
            }
        }

        if (!_transaction.SmtpUtf8 && SmtpPath.NeedsUtf8(recipient))
        {
            return SmtpReplies.Utf8WithoutSmtpUtf8;
        }

        if (_transaction.Recipients.Count >= _options.MaxRecipients)
        {
            Rejected("too_many_recipients");
            return SmtpReplies.TooManyRecipients;
        }

        var refusal = _engine.Policy.CheckRecipient(_info, _transaction.Sender, recipient);
        if (refusal is not null)
        {
            Rejected(refusal.Enhanced == "5.7.1" ? "relay_denied" : refusal.Enhanced == "5.1.1" ? "unknown_user" : "recipient_refused", refusal, recipient.ToString());
            return refusal;
        }

        _transaction.Recipients.Add(new EnvelopeRecipient { Address = recipient.ToString(), Notify = notify, OriginalRecipient = orcpt });
        return SmtpReplies.RecipientOk;
    }

    private static bool IsNotify(string value)
    {
        // RFC 3461 §4.1: "NEVER" alone, or a list of SUCCESS, FAILURE, DELAY.
        string[] items = value.ToUpperInvariant().Split(',');
        return items is ["NEVER"] || (items.Length <= 3 && items.Distinct().Count() == items.Length
            && items.All(i => i is "SUCCESS" or "FAILURE" or "DELAY"));
    }

    private static bool IsOrcpt(string value)
    {
        // RFC 3461 §4.2: addr-type ";" xtext.
        int semicolon = value.IndexOf(';');
        return semicolon > 0 && value[..semicolon].All(c => char.IsAsciiLetterOrDigit(c) || c == '-')
            && SmtpPath.IsXtext(value[(semicolon + 1)..]);
    }

    private async ValueTask<SmtpReply> DataAsync(string argument)
    {
        if (argument.Length > 0)
        {
            return SmtpReplies.SyntaxError.WithText("DATA takes no argument");
        }

        if (_transaction is null)
        {
            return SmtpReplies.BadSequenceMailFirst;
        }

        if (_transaction.Recipients.Count == 0)
        {
            return SmtpReplies.NoValidRecipients;
        }

        _transaction.DataStarted = _engine.Clock.GetUtcNow();
        await using var writer = TryCreateWriter();
        var sink = new ContentSink(writer, _options.MaxMessageSize);
        var decoder = new DotDecoder();
        Send(SmtpReplies.StartData);
        _waitLimit = _options.DataTimeout;
        if (!await _input.ReadUntilAsync(input => decoder.Decode(input, sink)))
        {
            _quit = true;
            return SmtpReplies.LocalError; // The client vanished mid-message; nothing was acknowledged.
        }

        var transaction = _transaction;
        _transaction = null; // RFC 5321 §4.1.1.4: the transaction ends with the reply to the data.
        return await FinishMessageAsync(transaction, writer, sink);
    }

    private async ValueTask<SmtpReply> BdatAsync(string argument)
    {
        // RFC 3030 §2: BDAT <size> [LAST]. The chunk must be read even when it is refused.
        string[] parts = argument.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length is 0 or > 2 || !long.TryParse(parts[0], out long size) || size < 0
            || (parts.Length == 2 && !parts[1].Equals("LAST", StringComparison.OrdinalIgnoreCase)))
        {
            // Without a size we cannot know where the chunk ends; the session cannot continue safely.
            _quit = true;
            return SmtpReplies.SyntaxError.WithText("BDAT requires a size and optionally LAST; closing");
        }

        bool last = parts.Length == 2;
        _waitLimit = _options.DataTimeout;
        var transaction = _transaction;
        if (transaction is null || transaction.Recipients.Count == 0)
        {
            if (!await _input.ReadExactAsync(size, static _ => { }))
            {
                _quit = true;
                return SmtpReplies.LocalError;
            }

            return transaction is null ? SmtpReplies.BadSequenceMailFirst : SmtpReplies.NoValidRecipients;
        }

        if (transaction.BdatSink is null)
        {
            transaction.DataStarted = _engine.Clock.GetUtcNow();
            transaction.BdatWriter = TryCreateWriter();
            transaction.BdatSink = new ContentSink(transaction.BdatWriter, _options.MaxMessageSize);
        }

        var sink = transaction.BdatSink;
        if (!await _input.ReadExactAsync(size, chunk => sink.Write(chunk)))
        {
            _quit = true;
            return SmtpReplies.LocalError;
        }

        if (!last)
        {
            return new SmtpReply(250, "2.0.0", $"{size} octets received");
        }

        _transaction = null;
        await using var writer = transaction.BdatWriter;
        return await FinishMessageAsync(transaction, writer, sink);
    }

    private SpoolWriter? TryCreateWriter()
    {
        try
        {
            return _engine.Spool.Create();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Read the message anyway, then answer 451: the client retries later.
            _engine.Logger.LogError(e, "cannot create a spool file");
            return null;
        }
    }

    private async ValueTask<SmtpReply> FinishMessageAsync(Transaction transaction, SpoolWriter? writer, ContentSink sink)
    {
        sink.Complete();
        if (sink.TooBig)
        {
            Rejected("too_big", SmtpReplies.MessageTooBig, sender: transaction.Sender.ToString());
            return SmtpReplies.MessageTooBig;
        }

        if (sink.BareLineEnding)
        {
            Rejected("bare_line_ending", SmtpReplies.BareLineEnding, sender: transaction.Sender.ToString());
            return SmtpReplies.BareLineEnding;
        }

        if (sink.Headers.ReceivedCount > _options.MaxReceivedHeaders)
        {
            Rejected("mail_loop", SmtpReplies.MailLoop, sender: transaction.Sender.ToString());
            return SmtpReplies.MailLoop;
        }

        if (writer is null)
        {
            return SmtpReplies.LocalError;
        }

        // The message is committed from `target`: the writer itself, or a copy without forged fields.
        SpoolWriter target = writer;
        SignedFields? signed = null;
        InboundVerdict? verdict = null;
        try
        {
            if (IsFromOutside && _engine.Inbound is not null)
            {
                (verdict, var refusal, string? reason) = await AuthenticateAsync(transaction, writer);
                if (refusal is not null)
                {
                    Rejected(reason!, refusal, sender: transaction.Sender.ToString());
                    return refusal;
                }

                if (verdict!.ForgedFields.Count > 0)
                {
                    // RFC 8601 §5: fields claiming our authserv-id did not come from us; they go before ours is added.
                    target = await CopyWithoutAsync(writer, verdict.ForgedFields);
                }
            }

            byte[] prefix = BuildPrefix(transaction, target.Id, sink.Headers);
            if (verdict is not null)
            {
                // Below our Received field (RFC 8601 §5: added at the top, with the trace fields of this hop).
                prefix = [.. prefix, .. Encoding.UTF8.GetBytes(verdict.FieldsToPrepend)];
            }

            if ((_info.AuthenticatedAs is not null || _engine.Policy.IsTrustedClient(_info)) && _engine.Signer is not null)
            {
                // Sign what will be delivered: the fields prepended here, then the content as received.
                await using var content = target.OpenContent();
                signed = await _engine.Signer.SignAsync(prefix, content, _shutdown);
                if (signed is not null)
                {
                    prefix = [.. signed.Fields, .. prefix];
                }
            }

            await target.CommitAsync(prefix, new Envelope
            {
                Id = target.Id,
                MailFrom = transaction.Sender.ToString(),
                Recipients = transaction.Recipients.ToArray(),
                ReceivedAt = transaction.DataStarted,
                Body = transaction.Body,
                SmtpUtf8 = transaction.SmtpUtf8,
                Ret = transaction.Ret,
                EnvId = transaction.EnvId,
                ClientAddress = _info.Remote.Address.ToString(),
                Helo = _info.Helo,
                AuthenticatedAs = _info.AuthenticatedAs,
                Listener = _info.Listener,
                Tls = _info.Tls,
                TraceParent = _activity?.Id,
                Authentication = verdict is null ? null : new ReceivedAuthentication
                {
                    Results = verdict.AuthenticationResults,
                    ArcStatus = verdict.Arc.Status.Keyword(),
                },
            });
        }
        catch (DkimFormatException e)
        {
            // The header section cannot be signed as it is: the client must fix the message, retrying cannot help.
            Rejected("unsignable_header", SmtpReplies.UnsignableHeader, sender: transaction.Sender.ToString());
            _engine.Logger.LogWarning("message {QueueId} refused: cannot DKIM-sign its header section: {Problem}", writer.Id, e.Message);
            return SmtpReplies.UnsignableHeader;
        }
        catch (Exception e) when (e is not OperationCanceledException || !_shutdown.IsCancellationRequested)
        {
            // DESIGN.md §3: anything that goes wrong before the message is durable, signing included, is a
            // temporary failure: never 5xx, and never an unsigned message.
            _engine.Logger.LogError(e, "spooling message {QueueId} failed", writer.Id);
            return SmtpReplies.LocalError;
        }
        finally
        {
            if (target != writer)
            {
                await target.DisposeAsync();
            }
        }

        if (verdict is not null)
        {
            LogVerdict(target.Id, verdict);
            _activity?.SetTag("mail.dmarc", verdict.LogFields["dmarc"]);
            _activity?.SetTag("mail.spf", verdict.LogFields["spf"]);
        }

        SmtpTelemetry.MessagesAccepted.Add(1, new KeyValuePair<string, object?>("listener", _info.Listener));
        SmtpTelemetry.MessageSize.Record(sink.Size);
        _activity?.AddEvent(new ActivityEvent("message.accepted", tags: new ActivityTagsCollection
        {
            ["queue.id"] = target.Id,
            ["message.size"] = sink.Size,
            ["message.recipients"] = transaction.Recipients.Count,
        }));
        _engine.MailLog?.Write("accepted",
            ("id", target.Id),
            ("from", "<" + transaction.Sender + ">"),
            ("to", string.Join(',', transaction.Recipients.Select(r => r.Address))),
            ("size", sink.Size),
            ("client", _info.Remote.Address),
            ("helo", _info.Helo),
            ("listener", _info.Listener),
            ("tls", _info.Tls),
            ("auth", _info.AuthenticatedAs),
            ("dkim", signed is null ? null : signed.Domain + ":" + string.Join('+', signed.Selectors)));
        _engine.Logger.LogInformation("accepted {QueueId} from <{Sender}> to {Recipients} recipient(s), {Size} octets, client {Client}, listener {Listener}",
            target.Id, transaction.Sender, transaction.Recipients.Count, sink.Size, _info.Remote.Address, _info.Listener);
        return new SmtpReply(250, "2.0.0", $"OK queued as {target.Id}");
    }

    /// <summary>A session that neither authenticated nor comes from a trusted network: mail from outside.</summary>
    private bool IsFromOutside => _info.AuthenticatedAs is null && !_engine.Policy.IsTrustedClient(_info);

    /// <summary>
    /// SPF, DKIM, ARC and DMARC of a message from outside, read back from the spool file. Returns the verdict, and a
    /// reply when the message is refused: a DMARC reject (RFC 7489 §6.7, 550 5.7.1 at end of data) or a header
    /// section too large to be checked.
    /// </summary>
    private async Task<(InboundVerdict? Verdict, SmtpReply? Refusal, string? Reason)> AuthenticateAsync(Transaction transaction, SpoolWriter writer)
    {
        var inbound = _engine.Inbound!;
        var envelope = new InboundEnvelope(_info.Remote.Address.IsIPv4MappedToIPv6 ? _info.Remote.Address.MapToIPv4() : _info.Remote.Address,
            _info.Helo ?? string.Empty, transaction.Sender.ToString());
        await using var content = writer.OpenContent();
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(_shutdown);
        limit.CancelAfter(inbound.Options.CheckTimeout);
        InboundVerdict verdict;
        try
        {
            verdict = await inbound.AuthenticateAsync(envelope, content, spfCheck: null, limit.Token);
        }
        catch (DkimFormatException e)
        {
            return (null, new SmtpReply(552, "5.3.4", "Message header section too large to be checked: " + e.Message), "unparsable_header");
        }
        catch (OperationCanceledException) when (!_shutdown.IsCancellationRequested)
        {
            // DNS too slow to judge the message: a temporary failure, so the sender tries again (never 5xx for it).
            return (null, new SmtpReply(451, "4.4.3",
                $"Sender authentication (SPF, DKIM, DMARC) did not finish within {inbound.Options.CheckTimeout.TotalSeconds:0} s; try again later"),
                "auth_timeout");
        }

        if (verdict.Action == InboundAction.Reject && verdict.RejectReply is { } reject)
        {
            LogVerdict(writer.Id, verdict);
            return (verdict, new SmtpReply(reject.Code, reject.EnhancedCode, reject.Text), "dmarc");
        }

        return (verdict, null, null);
    }

    /// <summary>The one mail-log line of an inbound decision (spf, dkim, dmarc, arc, action...).</summary>
    private void LogVerdict(string queueId, InboundVerdict verdict) =>
        _engine.MailLog?.Write("authenticated", [("id", queueId), .. verdict.LogFields.Select(f => (f.Key, (object?)f.Value))]);

    /// <summary>A new spool file holding the content without the given header fields (byte ranges into the content).</summary>
    private async Task<SpoolWriter> CopyWithoutAsync(SpoolWriter writer, IReadOnlyList<MailAppliance.AuthResults.HeaderFieldRange> fields)
    {
        var copy = _engine.Spool.Create();
        try
        {
            await using var content = writer.OpenContent();
            long position = 0;
            foreach (var field in fields.OrderBy(f => f.Start))
            {
                await copy.CopyFromAsync(content, field.Start - position, _shutdown);
                content.Seek(field.Length, SeekOrigin.Current);
                position = field.End;
            }

            await copy.CopyFromAsync(content, cancellationToken: _shutdown);
            return copy;
        }
        catch
        {
            await copy.DisposeAsync();
            throw;
        }
    }

    private byte[] BuildPrefix(Transaction transaction, string queueId, HeaderScanner headers)
    {
        var prefix = new StringBuilder(ReceivedHeader.Build(_info, _engine.Hostname, queueId,
            transaction.Recipients.Select(r => r.Address).ToArray(), transaction.SmtpUtf8,
            _options.ShowAuthenticatedUserInReceived, transaction.DataStarted));

        // RFC 6409 §8.2, §8.3: a submission server may add a missing Date and Message-ID.
        if (_info.AuthenticatedAs is not null)
        {
            if (!headers.HasMessageId)
            {
                prefix.Append("Message-ID: <").Append(queueId).Append('@').Append(_engine.Hostname).Append(">\r\n");
            }

            if (!headers.HasDate)
            {
                prefix.Append("Date: ").Append(ReceivedHeader.Rfc5322Date(transaction.DataStarted)).Append("\r\n");
            }
        }

        return Encoding.UTF8.GetBytes(prefix.ToString());
    }

    private async ValueTask<SmtpReply> RsetAsync()
    {
        await AbandonTransactionAsync();
        return SmtpReplies.ResetOk;
    }

    private async ValueTask AbandonTransactionAsync()
    {
        if (_transaction?.BdatWriter is { } writer)
        {
            await writer.DisposeAsync();
        }

        _transaction = null;
    }

    private SmtpReply Quit()
    {
        _quit = true;
        return SmtpReplies.Bye;
    }

    private async ValueTask<SmtpReply?> StartTlsCommandAsync(string argument)
    {
        if (argument.Length > 0)
        {
            return SmtpReplies.SyntaxError.WithText("STARTTLS takes no argument");
        }

        if (_info.Tls is not null)
        {
            return SmtpReplies.AlreadyTls;
        }

        if (_engine.Tls is null)
        {
            return SmtpReplies.TlsNotAvailable;
        }

        Send(SmtpReplies.ReadyForTls);
        _input.DiscardBuffered();
        if (!await StartTlsAsync())
        {
            _quit = true;
            return null;
        }

        // RFC 3207 §4.2: forget everything learned before TLS, including EHLO.
        _info.Helo = null;
        _info.Esmtp = false;
        _transaction = null;
        return null;
    }

    private async Task<bool> StartTlsAsync()
    {
        var options = _engine.Tls;
        if (options is null)
        {
            _engine.Logger.LogWarning("no TLS certificate available for {Listener}", _info.Listener);
            return false;
        }

        try
        {
            await FlushAsync();
            await _transport.StartTlsAsync(options, _options.TlsHandshakeTimeout, _shutdown);
            await _input.ReplaceReaderAsync(_transport.Reader);
        }
        catch (Exception e) when (e is AuthenticationException or IOException or OperationCanceledException)
        {
            Rejected("tls_handshake_failed");
            _engine.Logger.LogInformation("TLS handshake with {Client} failed: {Reason}", _info.Remote, e.Message);
            return false;
        }

        _info.Tls = _transport.Describe();
        _activity?.SetTag("tls.protocol", _info.Tls);
        return true;
    }

    private async ValueTask<SmtpReply?> AuthAsync(string argument)
    {
        if (_info.Tls is null)
        {
            return SmtpReplies.AuthRequiresTls;
        }

        if (_info.Helo is null || !_info.Esmtp)
        {
            return SmtpReplies.BadSequenceHelloFirst;
        }

        if (_info.AuthenticatedAs is not null)
        {
            return SmtpReplies.AlreadyAuthenticated;
        }

        if (_transaction is not null)
        {
            return SmtpReplies.AuthInTransaction;
        }

        if (_engine.AuthThrottle.IsBlocked(_info.Remote.Address, null))
        {
            Rejected("auth_throttled");
            return SmtpReplies.AuthThrottled;
        }

        string[] parts = argument.Split(' ', 2, StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length == 0)
        {
            return SmtpReplies.SyntaxError.WithText("AUTH requires a mechanism");
        }

        string mechanism = parts[0].ToUpperInvariant();
        string? initial = parts.Length > 1 ? parts[1] : null;
        string? user;
        string? password;
        switch (mechanism)
        {
            case "PLAIN":
            {
                // RFC 4616: [authzid] NUL authcid NUL passwd. "=" is an empty initial response (RFC 4954 §4).
                var (reply, response) = initial is null ? await ChallengeAsync(string.Empty) : (null, initial);
                if (reply is not null)
                {
                    return reply;
                }

                if (!TryDecodeBase64(response!, out string decoded))
                {
                    return SmtpReplies.AuthBadBase64;
                }

                string[] fields = decoded.Split('\0');
                if (fields.Length != 3 || (fields[0].Length > 0 && fields[0] != fields[1]))
                {
                    return await FailAuthAsync(null);
                }

                (user, password) = (fields[1], fields[2]);
                break;
            }

            case "LOGIN":
            {
                string? userResponse = initial;
                if (userResponse is null)
                {
                    var (reply, response) = await ChallengeAsync("VXNlcm5hbWU6"); // "Username:"
                    if (reply is not null)
                    {
                        return reply;
                    }

                    userResponse = response;
                }

                if (!TryDecodeBase64(userResponse!, out user))
                {
                    return SmtpReplies.AuthBadBase64;
                }

                var (passwordReply, passwordResponse) = await ChallengeAsync("UGFzc3dvcmQ6"); // "Password:"
                if (passwordReply is not null)
                {
                    return passwordReply;
                }

                if (!TryDecodeBase64(passwordResponse!, out password))
                {
                    return SmtpReplies.AuthBadBase64;
                }

                break;
            }

            default:
                return SmtpReplies.UnknownMechanism;
        }

        string account = user.Trim().ToLowerInvariant();
        if (_engine.AuthThrottle.IsBlocked(_info.Remote.Address, account))
        {
            Rejected("auth_throttled");
            return SmtpReplies.AuthThrottled;
        }

        if (!EmailAddress.TryParse(account, out var address) || password.Length == 0
            || !await _engine.Policy.AuthenticateAsync(address, password, _shutdown))
        {
            return await FailAuthAsync(account);
        }

        _info.AuthenticatedAs = address.ToString();
        _activity?.SetTag("smtp.auth", "success");
        _engine.Logger.LogInformation("{Client} authenticated as {Account} on {Listener}", _info.Remote.Address, _info.AuthenticatedAs, _info.Listener);
        return SmtpReplies.AuthSucceeded;
    }

    private async ValueTask<SmtpReply> FailAuthAsync(string? account)
    {
        _engine.AuthThrottle.RecordFailure(_info.Remote.Address, account);
        Rejected("auth_failed", SmtpReplies.AuthFailed);
        _engine.Logger.LogWarning("failed AUTH from {Client} on {Listener}", _info.Remote.Address, _info.Listener);
        if (_options.AuthFailureDelay > TimeSpan.Zero)
        {
            await Task.Delay(_options.AuthFailureDelay, _engine.Clock, _shutdown);
        }

        return SmtpReplies.AuthFailed;
    }

    /// <summary>Sends a 334 challenge and reads the answer; "*" cancels (RFC 4954 §4).</summary>
    private async ValueTask<(SmtpReply? Reply, string? Response)> ChallengeAsync(string challenge)
    {
        Send(new SmtpReply(334, string.Empty, challenge));
        _lineTooLong.Value = false;
        string? line = await _input.ReadLineAsync(_options.MaxCommandLineLength, DecodeLine, _lineTooLong);
        if (line is null)
        {
            _quit = true;
            return (SmtpReplies.AuthCancelled, null);
        }

        if (_lineTooLong.Value)
        {
            return (SmtpReplies.LineTooLong, null);
        }

        return line == "*" ? (SmtpReplies.AuthCancelled, null) : (null, line);
    }

    private static bool TryDecodeBase64(string text, out string decoded)
    {
        decoded = string.Empty;
        if (text == "=")
        {
            return true;
        }

        byte[] buffer = new byte[(text.Length * 3 / 4) + 3];
        if (!Convert.TryFromBase64String(text, buffer, out int written))
        {
            return false;
        }

        try
        {
            decoded = StrictUtf8.GetString(buffer, 0, written);
            return true;
        }
        catch (DecoderFallbackException)
        {
            return false;
        }
    }

    /// <summary>Counts a refusal by reason and writes it to the mail log.</summary>
    private void Rejected(string reason, SmtpReply? reply = null, string? recipient = null, string? sender = null)
    {
        SmtpTelemetry.Reject(reason, _info.Listener);
        _engine.MailLog?.Write("rejected",
            ("reason", reason),
            ("reply", reply?.ToString()),
            ("client", _info.Remote.Address),
            ("listener", _info.Listener),
            ("from", sender is not null ? "<" + sender + ">" : _transaction is { } t ? "<" + t.Sender + ">" : null),
            ("to", recipient),
            ("auth", _info.AuthenticatedAs));
    }

    private void Send(SmtpReply reply)
    {
        _transport.Writer.Write(reply.Bytes);
        _pendingOutput = true;
    }

    private async ValueTask FlushAsync()
    {
        if (_pendingOutput)
        {
            _pendingOutput = false;
            await _transport.Writer.FlushAsync(_shutdown);
        }
    }

    private async Task TrySendFinalAsync(SmtpReply reply)
    {
        try
        {
            _transport.Writer.Write(reply.Bytes);
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            await _transport.Writer.FlushAsync(timeout.Token);
            _pendingOutput = false;
        }
        catch (Exception e) when (e is IOException or OperationCanceledException or InvalidOperationException or ObjectDisposedException)
        {
            // The connection is already gone.
        }
    }
}
