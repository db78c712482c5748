using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using MailAppliance.Spool;

namespace MailAppliance.Delivery;

/// <summary>Settings of <see cref="SmtpCourierClient"/>. Timeouts default to RFC 5321 §4.5.3.2.</summary>
public sealed class SmtpCourierOptions
{
    /// <summary>The name given in EHLO/HELO (RFC 5321 §4.1.1.1). Default: the machine's host name.</summary>
    public string HeloName { get; init; } = System.Net.Dns.GetHostName();

    /// <summary>Remote port. Default 25.</summary>
    public int Port { get; init; } = 25;

    /// <summary>TCP connect timeout (not fixed by the RFC). Default 30 s.</summary>
    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Initial 220 message: 5 minutes (RFC 5321 §4.5.3.2.1).</summary>
    public TimeSpan GreetingTimeout { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>MAIL, RCPT and the other commands: 5 minutes (RFC 5321 §4.5.3.2.2, §4.5.3.2.3).</summary>
    public TimeSpan CommandTimeout { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>DATA initiation (the 354): 2 minutes (RFC 5321 §4.5.3.2.4).</summary>
    public TimeSpan DataInitiationTimeout { get; init; } = TimeSpan.FromMinutes(2);

    /// <summary>Each data block write: 3 minutes (RFC 5321 §4.5.3.2.5).</summary>
    public TimeSpan DataBlockTimeout { get; init; } = TimeSpan.FromMinutes(3);

    /// <summary>The reply after the end of data: 10 minutes (RFC 5321 §4.5.3.2.6).</summary>
    public TimeSpan DataTerminationTimeout { get; init; } = TimeSpan.FromMinutes(10);

    /// <summary>Source address for IPv4 connections, or null for the system's choice.</summary>
    public IPAddress? SourceAddressIPv4 { get; init; }

    /// <summary>Source address for IPv6 connections, or null for the system's choice.</summary>
    public IPAddress? SourceAddressIPv6 { get; init; }

    /// <summary>Use STARTTLS whenever offered (RFC 3207, opportunistic). Default true.</summary>
    public bool UseStartTls { get; init; } = true;

    /// <summary>
    /// Fail the attempt (temporarily) when the certificate does not verify. Default false: opportunistic TLS
    /// (RFC 7435) accepts any certificate and records whether it verified.
    /// </summary>
    public bool RequireValidCertificate { get; init; }

    /// <summary>
    /// Extra trust anchors for verifying server certificates (besides the system's), e.g. a private CA.
    /// Null: the system's roots only.
    /// </summary>
    public X509Certificate2Collection? TrustedRoots { get; init; }

    /// <summary>Keep connections open after a transaction and reuse them for the next message to the same server address. Default true.</summary>
    public bool ReuseConnections { get; init; } = true;

    /// <summary>How long an unused open connection is kept. Default 5 s (servers close idle sessions, RFC 5321 §4.5.3.2.7).</summary>
    public TimeSpan IdleConnectionTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Messages sent over one connection before it is closed. Default 100.</summary>
    public int MaxMessagesPerConnection { get; init; } = 100;

    /// <summary>Use BDAT when CHUNKING is offered (RFC 3030). Default true.</summary>
    public bool UseChunking { get; init; } = true;

    /// <summary>Size of each BDAT chunk. Default 1 MiB.</summary>
    public int ChunkSize { get; init; } = 1 << 20;
}

/// <summary>What TLS a delivery needs.</summary>
public enum TlsRequirement
{
    /// <summary>STARTTLS when offered, any certificate accepted and recorded (RFC 7435). The default.</summary>
    Opportunistic,

    /// <summary>STARTTLS must succeed with a certificate that verifies for the host name (MTA-STS enforce, per-domain policy).</summary>
    Verified,
}

/// <summary>
/// Delivers one message to one server address for recipients of one domain, and says per recipient what
/// happened (DESIGN.md §3 "Courier result"). It never retries: the queue owns retries.
/// </summary>
public class SmtpCourierClient : IAsyncDisposable
{
    // Open connections waiting for their next message, per server address and TLS requirement (RFC 5321 §4.1.1.5:
    // RSET makes an open session ready for a new transaction).
    private readonly System.Collections.Concurrent.ConcurrentDictionary<(string Host, IPAddress Address, TlsRequirement Tls), System.Collections.Concurrent.ConcurrentQueue<Session>> _idle = new();
    private int _disposed;
    private const int MaxReplyLine = 4096;
    private const int MaxReplyLines = 200;
    private readonly SmtpCourierOptions _options;

    /// <summary>Creates a client.</summary>
    public SmtpCourierClient(SmtpCourierOptions? options = null) => _options = options ?? new SmtpCourierOptions();

    /// <summary>Whether the envelope needs SMTPUTF8 (RFC 6531 §3.4): asked for at submission, or non-ASCII addresses.</summary>
    public static bool NeedsSmtpUtf8(Envelope envelope, IEnumerable<EnvelopeRecipient> recipients) =>
        envelope.SmtpUtf8 || !Ascii.IsValid(envelope.MailFrom) || recipients.Any(r => !Ascii.IsValid(r.Address));

    /// <summary>Delivers a spooled message: the octets of <see cref="SpooledMessage.OpenMessage"/> (prepended header fields, then the content as received).</summary>
    /// <param name="host">The server's host name (for SNI and the result).</param>
    /// <param name="address">The address to connect to.</param>
    /// <param name="message">The spooled message; its envelope gives the sender, BODY, SMTPUTF8 and DSN parameters.</param>
    /// <param name="recipients">The recipients to deliver to on this server (of the same domain).</param>
    /// <param name="cancellationToken">Cancels the attempt.</param>
    /// <returns>One result per recipient; never throws for network or protocol problems.</returns>
    /// <exception cref="IOException">The spool file cannot be read.</exception>
    /// <exception cref="OperationCanceledException">The token was canceled.</exception>
    public Task<CourierResult> DeliverAsync(string host, IPAddress address, SpooledMessage message, IReadOnlyList<EnvelopeRecipient> recipients,
        CancellationToken cancellationToken = default) =>
        DeliverAsync(host, address, message, recipients, TlsRequirement.Opportunistic, cancellationToken);

    /// <summary>Delivers a spooled message under a TLS requirement (e.g. MTA-STS enforce, RFC 8461 §5).</summary>
    /// <param name="host">The server's host name (for SNI, certificate matching and the result).</param>
    /// <param name="address">The address to connect to.</param>
    /// <param name="message">The spooled message.</param>
    /// <param name="recipients">The recipients to deliver to on this server.</param>
    /// <param name="tls">Opportunistic, or verified: STARTTLS must succeed with a certificate valid for <paramref name="host"/>.</param>
    /// <param name="cancellationToken">Cancels the attempt.</param>
    /// <returns>One result per recipient; never throws for network or protocol problems.</returns>
    /// <exception cref="IOException">The spool file cannot be read.</exception>
    public async Task<CourierResult> DeliverAsync(string host, IPAddress address, SpooledMessage message, IReadOnlyList<EnvelopeRecipient> recipients,
        TlsRequirement tls, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(message);
        await using var content = message.OpenMessage();
        return await DeliverCoreAsync(host, address, message.Envelope, recipients, content, message.PrefixLength + message.ContentLength, tls, cancellationToken);
    }

    /// <summary>Delivers the message.</summary>
    /// <param name="host">The server's host name (for SNI and the result).</param>
    /// <param name="address">The address to connect to.</param>
    /// <param name="envelope">The message's envelope (sender, BODY, SMTPUTF8, DSN parameters).</param>
    /// <param name="recipients">The recipients to deliver to on this server.</param>
    /// <param name="content">The message octets, exactly as to be sent (e.g. <see cref="SpooledMessage.OpenMessage"/>).</param>
    /// <param name="cancellationToken">Cancels the attempt (recipients then get no result: the exception propagates).</param>
    /// <returns>One result per recipient; never throws for network or protocol problems.</returns>
    /// <exception cref="OperationCanceledException">The token was canceled.</exception>
    public Task<CourierResult> DeliverAsync(string host, IPAddress address, Envelope envelope, IReadOnlyList<EnvelopeRecipient> recipients,
        Stream content, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(content);
        // Unknown size (a stream that cannot seek) is -1: no SIZE parameter then.
        long size = content.CanSeek ? content.Length - content.Position : -1;
        return DeliverCoreAsync(host, address, envelope, recipients, content, size, TlsRequirement.Opportunistic, cancellationToken);
    }

    private async Task<CourierResult> DeliverCoreAsync(string host, IPAddress address, Envelope envelope, IReadOnlyList<EnvelopeRecipient> recipients,
        Stream content, long size, TlsRequirement tls, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(address);
        ArgumentNullException.ThrowIfNull(envelope);
        ArgumentNullException.ThrowIfNull(recipients);
        ArgumentNullException.ThrowIfNull(content);
        var key = (host.ToLowerInvariant(), address, tls);
        long start = content.CanSeek ? content.Position : 0;
        while (_options.ReuseConnections && TakeIdle(key) is { } reused)
        {
            if (!await reused.ResetAsync(cancellationToken))
            {
                reused.Dispose(); // the server closed it meanwhile: try another, or a new connection
                continue;
            }

            var again = await reused.RunAsync(envelope, recipients, content, size, fresh: false, cancellationToken);
            if (!again.ConnectionFailed || !content.CanSeek)
            {
                await KeepOrCloseAsync(key, reused, cancellationToken);
                return again;
            }

            // Lost before the server decided anything: the stale connection is dropped and a fresh one tried.
            reused.Dispose();
            content.Position = start;
        }

        var session = new Session(this, _options, host, address, tls);
        var result = await session.RunAsync(envelope, recipients, content, size, fresh: true, cancellationToken);
        await KeepOrCloseAsync(key, session, cancellationToken);
        return result;
    }

    private Session? TakeIdle((string, IPAddress, TlsRequirement) key)
    {
        if (!_idle.TryGetValue(key, out var queue))
        {
            return null;
        }

        while (queue.TryDequeue(out var session))
        {
            if (session.IdleSince + _options.IdleConnectionTimeout > DateTime.UtcNow)
            {
                return session;
            }

            _ = session.CloseAsync(); // idle too long: the server may be about to close it
        }

        return null;
    }

    private async Task KeepOrCloseAsync((string, IPAddress, TlsRequirement) key, Session session, CancellationToken cancellationToken)
    {
        if (_options.ReuseConnections && session.Reusable && session.Transactions < _options.MaxMessagesPerConnection && Volatile.Read(ref _disposed) == 0)
        {
            session.IdleSince = DateTime.UtcNow;
            _idle.GetOrAdd(key, _ => new()).Enqueue(session);
            ScheduleSweep();
            return;
        }

        await session.CloseAsync(cancellationToken);
    }

    private int _sweepScheduled;

    /// <summary>Closes (with QUIT) connections that stayed idle too long, so servers are not left waiting.</summary>
    private void ScheduleSweep()
    {
        if (Interlocked.Exchange(ref _sweepScheduled, 1) == 1)
        {
            return;
        }

        _ = Task.Run(async () =>
        {
            while (true)
            {
                await Task.Delay(_options.IdleConnectionTimeout);
                bool any = false;
                foreach (var queue in _idle.Values)
                {
                    int count = queue.Count;
                    for (int i = 0; i < count && queue.TryDequeue(out var session); i++)
                    {
                        if (session.IdleSince + _options.IdleConnectionTimeout > DateTime.UtcNow && Volatile.Read(ref _disposed) == 0)
                        {
                            queue.Enqueue(session);
                            any = true;
                        }
                        else
                        {
                            await session.CloseAsync();
                        }
                    }
                }

                if (!any)
                {
                    Volatile.Write(ref _sweepScheduled, 0);
                    if (_idle.Values.All(q => q.IsEmpty) || Interlocked.Exchange(ref _sweepScheduled, 1) == 1)
                    {
                        return;
                    }
                }
            }
        });
    }

    /// <summary>Closes every idle connection with QUIT.</summary>
    public async ValueTask DisposeAsync()
    {
        Interlocked.Exchange(ref _disposed, 1);
        foreach (var queue in _idle.Values)
        {
            while (queue.TryDequeue(out var session))
            {
                await session.CloseAsync();
            }
        }

        GC.SuppressFinalize(this);
    }

    /// <summary>Hook: validates the server certificate; the default records errors and accepts unless required.</summary>
    protected virtual bool ValidateCertificate(string host, SslPolicyErrors errors) => errors == SslPolicyErrors.None || !_options.RequireValidCertificate;

    /// <summary>The errors left after also trying <see cref="SmtpCourierOptions.TrustedRoots"/> as anchors.</summary>
    private SslPolicyErrors WithTrustedRoots(X509Certificate? certificate, X509Chain? chain, SslPolicyErrors errors) =>
        TrustedRootValidation.Validate(certificate, chain, errors, _options.TrustedRoots);

    private sealed class Session(SmtpCourierClient owner, SmtpCourierOptions options, string host, IPAddress address, TlsRequirement requirement) : IDisposable
    {
        private Envelope envelope = null!;
        private IReadOnlyList<EnvelopeRecipient> recipients = [];
        private Stream content = Stream.Null;
        private long size;
        private RecipientResult?[] _results = [];
        private bool _open;
        private bool _closed;
        private Socket? _socket;
        private Stream? _stream;
        private readonly byte[] _readBuffer = new byte[8192];
        private int _readStart;
        private int _readEnd;
        private HashSet<string> _extensions = new(StringComparer.OrdinalIgnoreCase);
        private long _sizeLimit;
        private TlsInfo? _tls;
        private bool _chunking;
        private bool _decidedAny;

        /// <summary>Open, greeted, and the last transaction ended with the server in a known state.</summary>
        public bool Reusable => _open && !_closed;

        /// <summary>Transactions run over this connection.</summary>
        public int Transactions { get; private set; }

        /// <summary>When the connection went back to the idle pool.</summary>
        public DateTime IdleSince { get; set; }

        public void Dispose()
        {
            _closed = true;
            _stream?.Dispose();
            _socket?.Dispose();
        }

        /// <summary>QUIT (best effort) and close.</summary>
        public async Task CloseAsync(CancellationToken cancellationToken = default)
        {
            if (_open && !_closed)
            {
                await QuitAsync(cancellationToken);
            }

            Dispose();
        }

        /// <summary>RSET before reusing the connection (RFC 5321 §4.1.1.5); false when it is no longer usable.</summary>
        public async Task<bool> ResetAsync(CancellationToken cancellationToken)
        {
            try
            {
                return (await CommandAsync("RSET", TimeSpan.FromSeconds(30), cancellationToken)).Code == 250;
            }
            catch (Exception e) when (e is IOException or SocketException or FormatException or ObjectDisposedException
                                          || (e is OperationCanceledException && !cancellationToken.IsCancellationRequested))
            {
                return false;
            }
        }

        public async Task<CourierResult> RunAsync(Envelope envelope, IReadOnlyList<EnvelopeRecipient> recipients, Stream content, long size, bool fresh,
            CancellationToken cancellationToken)
        {
            this.envelope = envelope;
            this.recipients = recipients;
            this.content = content;
            this.size = size;
            _results = new RecipientResult?[recipients.Count];
            _decidedAny = false;
            _chunking = false;
            Transactions++;
            try
            {
                if (fresh)
                {
                    await OpenAsync(cancellationToken);
                }

                if (!_closed)
                {
                    await TransactAsync(cancellationToken);
                }
            }
            catch (Exception e) when (e is IOException or SocketException or TimeoutException or FormatException or System.Security.Authentication.AuthenticationException
                                          || (e is OperationCanceledException && !cancellationToken.IsCancellationRequested))
            {
                _closed = true;
                string what = e is OperationCanceledException or TimeoutException ? "timeout" : e.Message;
                FailUndecided(DeliveryStatus.TemporaryFailure, null, $"connection to {host} [{address}] failed: {what}");
            }

            return new CourierResult
            {
                Host = host,
                Address = address,
                Recipients = _results.Select((r, i) => r ?? new RecipientResult(recipients[i].Address, DeliveryStatus.TemporaryFailure, null, "no result")).ToArray(),
                ConnectionFailed = !_decidedAny,
                Tls = _tls,
                UsedChunking = _chunking,
                Extensions = _extensions,
            };
        }

        /// <summary>Connects, reads the greeting, says EHLO, starts TLS; on failure the results say why and the session is closed.</summary>
        private async Task OpenAsync(CancellationToken cancellationToken)
        {
            await ConnectAsync(cancellationToken);
            var greeting = await ReadReplyAsync(options.GreetingTimeout, cancellationToken);
            if (greeting.Code != 220)
            {
                // RFC 5321 §3.1: 554 refuses service; a 4xx greeting means "come back later".
                FailFromReply(greeting, "greeting", all: true);
                await QuitAsync(cancellationToken);
                return;
            }

            if (!await HelloAsync(cancellationToken))
            {
                return;
            }

            if (options.UseStartTls && _extensions.Contains("STARTTLS"))
            {
                var reply = await CommandAsync("STARTTLS", options.CommandTimeout, cancellationToken);
                if (reply.Code == 220)
                {
                    await StartTlsAsync(cancellationToken);
                    // RFC 3207 §4.2: the client MUST discard what it knew and send EHLO again.
                    if (!await HelloAsync(cancellationToken))
                    {
                        return;
                    }
                }

                // Otherwise opportunistic TLS (RFC 7435) carries on in plaintext.
            }

            if (requirement == TlsRequirement.Verified && _tls is not { CertificateVerified: true })
            {
                // RFC 8461 §5: with an enforced policy, no TLS (or a certificate that does not verify) means no
                // delivery to this host; it is a temporary failure, so the message waits for a fixed host or policy.
                FailUndecided(DeliveryStatus.TemporaryFailure, null, _tls is null
                    ? $"{host} did not offer STARTTLS, and the TLS policy for this destination requires it"
                    : $"the certificate of {host} did not verify ({_tls.CertificateErrors}), and the TLS policy for this destination requires a valid one");
                await QuitAsync(cancellationToken);
                return;
            }

            _open = true;
        }

        /// <summary>One mail transaction on the open session (RFC 5321 §3.3): MAIL, RCPT, DATA or BDAT.</summary>
        private async Task TransactAsync(CancellationToken cancellationToken)
        {
            bool utf8 = NeedsSmtpUtf8(envelope, recipients);
            if (utf8 && !_extensions.Contains("SMTPUTF8"))
            {
                // RFC 6531 §3.2: without SMTPUTF8 the message cannot be sent as is, and no retry will change that.
                FailUndecided(DeliveryStatus.PermanentFailure, null,
                    $"the message needs SMTPUTF8 (RFC 6531: internationalized address or header) and {host} does not offer it");
                _decidedAny = true;
                await QuitAsync(cancellationToken);
                return;
            }

            if (_sizeLimit > 0 && size > _sizeLimit)
            {
                // RFC 1870 §6: the server's fixed limit is permanent.
                FailUndecided(DeliveryStatus.PermanentFailure, null, $"message size {size} exceeds the limit of {_sizeLimit} octets that {host} announced (RFC 1870)");
                _decidedAny = true;
                await QuitAsync(cancellationToken);
                return;
            }

            bool dsn = _extensions.Contains("DSN");
            var mail = new StringBuilder("MAIL FROM:<").Append(envelope.MailFrom).Append('>');
            if (_extensions.Contains("SIZE") && size >= 0)
            {
                mail.Append(" SIZE=").Append(size);
            }

            // RFC 6152 §3: BODY=8BITMIME only when offered. Without it the content is still sent as is: it cannot be
            // re-encoded without breaking DKIM signatures (DESIGN.md §3 "Byte-exact relay").
            if (string.Equals(envelope.Body, "8BITMIME", StringComparison.OrdinalIgnoreCase) && _extensions.Contains("8BITMIME"))
            {
                mail.Append(" BODY=8BITMIME");
            }

            if (utf8)
            {
                mail.Append(" SMTPUTF8");
            }

            if (dsn && envelope.Ret is { } ret)
            {
                mail.Append(" RET=").Append(ret); // RFC 3461 §4.3
            }

            if (dsn && envelope.EnvId is { } envId)
            {
                mail.Append(" ENVID=").Append(envId); // RFC 3461 §4.4, kept as xtext
            }

            var commands = new List<string> { mail.ToString() };
            foreach (var recipient in recipients)
            {
                var rcpt = new StringBuilder("RCPT TO:<").Append(recipient.Address).Append('>');
                if (dsn && recipient.Notify is { } notify)
                {
                    rcpt.Append(" NOTIFY=").Append(notify); // RFC 3461 §4.1
                }

                if (dsn && recipient.OriginalRecipient is { } orcpt)
                {
                    rcpt.Append(" ORCPT=").Append(orcpt); // RFC 3461 §4.2
                }

                commands.Add(rcpt.ToString());
            }

            // RFC 2920 §3.1: with PIPELINING, MAIL and RCPT go in one group; replies come back in order.
            var replies = new List<SmtpReply>();
            if (_extensions.Contains("PIPELINING"))
            {
                await WriteAsync(string.Concat(commands.Select(c => c + "\r\n")), options.CommandTimeout, cancellationToken);
                foreach (var _ in commands)
                {
                    replies.Add(await ReadReplyAsync(options.CommandTimeout, cancellationToken));
                }
            }
            else
            {
                var mailReply = await CommandAsync(commands[0], options.CommandTimeout, cancellationToken);
                replies.Add(mailReply);
                if (mailReply.IsPositive)
                {
                    foreach (string command in commands.Skip(1))
                    {
                        replies.Add(await CommandAsync(command, options.CommandTimeout, cancellationToken));
                    }
                }
            }

            _decidedAny = true; // from here on the server, not the connection, decides
            if (!replies[0].IsPositive)
            {
                FailFromReply(replies[0], "MAIL FROM", all: true);
                await QuitAsync(cancellationToken);
                return;
            }

            var accepted = new List<int>();
            for (int i = 0; i < recipients.Count; i++)
            {
                var reply = replies[i + 1];
                if (reply.IsPositive)
                {
                    accepted.Add(i);
                }
                else
                {
                    Decide(i, reply.IsTransient ? DeliveryStatus.TemporaryFailure : DeliveryStatus.PermanentFailure, reply, $"RCPT TO: {reply}");
                }
            }

            if (accepted.Count == 0)
            {
                await QuitAsync(cancellationToken);
                return;
            }

            SmtpReply final;
            if (options.UseChunking && _extensions.Contains("CHUNKING"))
            {
                _chunking = true;
                final = await SendChunksAsync(cancellationToken);
            }
            else
            {
                var dataReply = await CommandAsync("DATA", options.DataInitiationTimeout, cancellationToken);
                if (dataReply.Code != 354)
                {
                    FailAccepted(accepted, dataReply, "DATA");
                    await QuitAsync(cancellationToken);
                    return;
                }

                var writer = new DotStuffingWriter(_stream!);
                byte[] buffer = new byte[81920];
                int n;
                while ((n = await content.ReadAsync(buffer, cancellationToken)) > 0)
                {
                    using var block = Timeout(options.DataBlockTimeout, cancellationToken);
                    await writer.WriteAsync(buffer.AsMemory(0, n), block.Token);
                }

                using (var end = Timeout(options.DataBlockTimeout, cancellationToken))
                {
                    await writer.CompleteAsync(end.Token);
                    await _stream!.FlushAsync(end.Token);
                }

                final = await ReadReplyAsync(options.DataTerminationTimeout, cancellationToken);
            }

            if (final.Code == 250)
            {
                foreach (int i in accepted)
                {
                    Decide(i, DeliveryStatus.Delivered, final, final.ToString());
                }
            }
            else
            {
                FailAccepted(accepted, final, _chunking ? "BDAT" : "end of data");
            }

            // The transaction is over and the session is in its initial state again (RFC 5321 §4.1.1.4): the
            // connection stays open for the next message; the client closes it with QUIT when it is not reused.
        }

        private async Task<SmtpReply> SendChunksAsync(CancellationToken cancellationToken)
        {
            // RFC 3030 §2: "BDAT <size> [LAST]" followed by exactly <size> octets, no dot-stuffing; one reply per BDAT.
            byte[] current = new byte[options.ChunkSize];
            byte[] next = new byte[options.ChunkSize];
            int currentLength = await ReadFullAsync(content, current, cancellationToken);
            while (true)
            {
                int nextLength = currentLength == current.Length ? await ReadFullAsync(content, next, cancellationToken) : 0;
                bool last = nextLength == 0;
                using (var block = Timeout(options.DataBlockTimeout, cancellationToken))
                {
                    byte[] command = Encoding.ASCII.GetBytes($"BDAT {currentLength}{(last ? " LAST" : "")}\r\n");
                    await _stream!.WriteAsync(command, block.Token);
                    await _stream.WriteAsync(current.AsMemory(0, currentLength), block.Token);
                    await _stream.FlushAsync(block.Token);
                }

                var reply = await ReadReplyAsync(last ? options.DataTerminationTimeout : options.DataBlockTimeout, cancellationToken);
                if (last || reply.Code != 250)
                {
                    return reply;
                }

                (current, next) = (next, current);
                currentLength = nextLength;
            }
        }

        private static async Task<int> ReadFullAsync(Stream stream, byte[] buffer, CancellationToken cancellationToken)
        {
            int total = 0;
            int n;
            while (total < buffer.Length && (n = await stream.ReadAsync(buffer.AsMemory(total), cancellationToken)) > 0)
            {
                total += n;
            }

            return total;
        }

        private async Task<bool> HelloAsync(CancellationToken cancellationToken)
        {
            _extensions = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
            _sizeLimit = 0;
            var reply = await CommandAsync("EHLO " + options.HeloName, options.CommandTimeout, cancellationToken);
            if (reply.Code == 250)
            {
                // RFC 5321 §4.1.1.1: the lines after the first are the keywords of the extensions.
                foreach (string line in reply.Lines.Skip(1))
                {
                    string[] words = line.Length > 4 ? line[4..].Split(' ', StringSplitOptions.RemoveEmptyEntries) : [];
                    if (words.Length == 0)
                    {
                        continue;
                    }

                    _extensions.Add(words[0].ToUpperInvariant());
                    if (words[0].Equals("SIZE", StringComparison.OrdinalIgnoreCase) && words.Length > 1 && long.TryParse(words[1], out long limit))
                    {
                        _sizeLimit = limit; // RFC 1870 §4: 0 means no fixed limit.
                    }
                }

                return true;
            }

            if (reply.IsPermanent)
            {
                // RFC 5321 §3.2: a server that does not know EHLO answers 5xx; fall back to HELO.
                reply = await CommandAsync("HELO " + options.HeloName, options.CommandTimeout, cancellationToken);
                if (reply.Code == 250)
                {
                    return true;
                }
            }

            FailFromReply(reply, "EHLO/HELO", all: true);
            await QuitAsync(cancellationToken);
            return false;
        }

        private async Task StartTlsAsync(CancellationToken cancellationToken)
        {
            System.Net.Security.SslPolicyErrors errors = System.Net.Security.SslPolicyErrors.None;
            var ssl = new SslStream(_stream!, leaveInnerStreamOpen: false);
            using var timeout = Timeout(options.CommandTimeout, cancellationToken);
            await ssl.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
            {
                TargetHost = host,
                RemoteCertificateValidationCallback = (_, certificate, chain, e) =>
                {
                    errors = owner.WithTrustedRoots(certificate, chain, e);
                    // A verified requirement is checked after the handshake, so the failure can name the errors.
                    return owner.ValidateCertificate(host, errors) || requirement == TlsRequirement.Verified;
                },
            }, timeout.Token);
            _stream = ssl;
            _readStart = _readEnd = 0;
            _tls = new TlsInfo(ssl.SslProtocol, ssl.NegotiatedCipherSuite.ToString(), errors == SslPolicyErrors.None,
                errors == SslPolicyErrors.None ? null : errors.ToString());
        }

        private async Task ConnectAsync(CancellationToken cancellationToken)
        {
            _socket = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            var source = address.AddressFamily == AddressFamily.InterNetworkV6 ? options.SourceAddressIPv6 : options.SourceAddressIPv4;
            if (source is not null)
            {
                _socket.Bind(new IPEndPoint(source, 0));
            }

            using var timeout = Timeout(options.ConnectTimeout, cancellationToken);
            await _socket.ConnectAsync(new IPEndPoint(address, options.Port), timeout.Token);
            _stream = new NetworkStream(_socket, ownsSocket: false);
        }

        private async Task QuitAsync(CancellationToken cancellationToken)
        {
            // RFC 5321 §4.1.1.10: QUIT; the reply does not change any result, so errors here are ignored.
            _closed = true;
            try
            {
                await CommandAsync("QUIT", TimeSpan.FromSeconds(10), cancellationToken);
            }
            catch (Exception e) when (e is IOException or SocketException or FormatException or ObjectDisposedException or OperationCanceledException && !cancellationToken.IsCancellationRequested)
            {
            }
        }

        private async Task<SmtpReply> CommandAsync(string command, TimeSpan timeout, CancellationToken cancellationToken)
        {
            await WriteAsync(command + "\r\n", timeout, cancellationToken);
            return await ReadReplyAsync(timeout, cancellationToken);
        }

        private async Task WriteAsync(string text, TimeSpan timeout, CancellationToken cancellationToken)
        {
            using var cts = Timeout(timeout, cancellationToken);
            await _stream!.WriteAsync(Encoding.UTF8.GetBytes(text), cts.Token);
            await _stream.FlushAsync(cts.Token);
        }

        private async Task<SmtpReply> ReadReplyAsync(TimeSpan timeout, CancellationToken cancellationToken)
        {
            using var cts = Timeout(timeout, cancellationToken);
            var lines = new List<string>();
            while (true)
            {
                string line = await ReadLineAsync(cts.Token);
                int code = SmtpReply.ParseCode(line);
                if (lines.Count > 0 && code != SmtpReply.ParseCode(lines[0]))
                {
                    throw new FormatException($"reply code changed within a multiline reply: {SmtpReply.Truncate(line)}");
                }

                lines.Add(line);
                if (line.Length == 3 || line[3] == ' ')
                {
                    return SmtpReply.Parse(lines);
                }

                if (lines.Count > MaxReplyLines)
                {
                    throw new FormatException("reply too long");
                }
            }
        }

        private async Task<string> ReadLineAsync(CancellationToken cancellationToken)
        {
            var line = new List<byte>();
            while (true)
            {
                if (_readStart == _readEnd)
                {
                    _readStart = 0;
                    _readEnd = await _stream!.ReadAsync(_readBuffer, cancellationToken);
                    if (_readEnd == 0)
                    {
                        throw new IOException("connection closed by the server");
                    }
                }

                int lf = Array.IndexOf(_readBuffer, (byte)'\n', _readStart, _readEnd - _readStart);
                int end = lf < 0 ? _readEnd : lf;
                line.AddRange(_readBuffer.AsSpan(_readStart, end - _readStart));
                _readStart = lf < 0 ? _readEnd : lf + 1;
                if (line.Count > MaxReplyLine)
                {
                    throw new FormatException("reply line too long");
                }

                if (lf >= 0)
                {
                    int length = line.Count > 0 && line[^1] == '\r' ? line.Count - 1 : line.Count;
                    return Encoding.UTF8.GetString(line.ToArray(), 0, length);
                }
            }
        }

        private static CancellationTokenSource Timeout(TimeSpan timeout, CancellationToken cancellationToken)
        {
            var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            cts.CancelAfter(timeout);
            return cts;
        }

        private void Decide(int index, DeliveryStatus status, SmtpReply? reply, string detail)
        {
            _results[index] ??= new RecipientResult(recipients[index].Address, status, reply, detail);
        }

        private void FailUndecided(DeliveryStatus status, SmtpReply? reply, string detail)
        {
            for (int i = 0; i < _results.Length; i++)
            {
                Decide(i, status, reply, detail);
            }
        }

        private void FailAccepted(List<int> accepted, SmtpReply reply, string stage)
        {
            foreach (int i in accepted)
            {
                Decide(i, reply.IsTransient ? DeliveryStatus.TemporaryFailure : DeliveryStatus.PermanentFailure, reply, $"{stage}: {reply}");
            }
        }

        private void FailFromReply(SmtpReply reply, string stage, bool all)
        {
            // A 4xx (or an unexpected 2xx/3xx) is temporary; only a 5xx is permanent (RFC 5321 §4.2.1).
            var status = reply.IsPermanent ? DeliveryStatus.PermanentFailure : DeliveryStatus.TemporaryFailure;
            if (all)
            {
                FailUndecided(status, reply, $"{stage}: {reply}");
            }
        }
    }
}
