using System.Net.Security;
using MailAppliance.Inbound;
using MailAppliance.MailLog;
using MailAppliance.Smtp.Policy;
using MailAppliance.Smtp.Signing;
using MailAppliance.Smtp.Server;
using MailAppliance.Spool;
using Microsoft.Extensions.Logging;

namespace MailAppliance.Smtp.Session;

/// <summary>What every session of one server shares: settings, policy, spool, TLS, throttles.</summary>
public sealed class SmtpEngine
{
    public SmtpEngine(string hostname, SmtpServerOptions options, ISmtpPolicy policy, SpoolStore spool,
        Func<string?, SslServerAuthenticationOptions>? tls, ILogger logger, TimeProvider? clock = null)
    {
        Hostname = hostname;
        Options = options;
        Policy = policy;
        Spool = spool;
        Tls = tls;
        Logger = logger;
        Clock = clock ?? TimeProvider.System;
        AuthThrottle = new AuthThrottle(options.MaxAuthFailuresPerIp, options.MaxAuthFailuresPerAccount, options.AuthFailureWindow, Clock);
    }

    /// <summary>The name this server gives in its greeting, EHLO reply and Received fields.</summary>
    public string Hostname { get; }

    public SmtpServerOptions Options { get; }

    public ISmtpPolicy Policy { get; }

    public SpoolStore Spool { get; }

    /// <summary>TLS settings for a handshake, chosen by the client's SNI name; null when TLS is not offered.</summary>
    public Func<string?, SslServerAuthenticationOptions>? Tls { get; }

    public ILogger Logger { get; }

    public TimeProvider Clock { get; }

    public AuthThrottle AuthThrottle { get; }

    /// <summary>DKIM signing of authenticated submissions; null signs nothing.</summary>
    public SubmissionSigner? Signer { get; init; }

    /// <summary>
    /// Authentication of mail from outside (SPF, DKIM, DMARC, ARC) at the end of DATA of sessions that neither
    /// authenticated nor come from a trusted network; null checks nothing.
    /// </summary>
    public InboundAuthenticator? Inbound { get; init; }

    /// <summary>The mail log, one line per accepted or refused message; null writes none.</summary>
    public MailLogWriter? MailLog { get; init; }

    /// <summary>Runs one session over an accepted connection until it ends.</summary>
    public Task RunSessionAsync(Stream stream, SessionInfo info, CancellationToken shutdown) =>
        new SmtpSession(this, info, stream, shutdown).RunAsync();
}
