using System.Runtime.InteropServices;
using MailAppliance.Accounts;
using MailAppliance.Core;
using MailAppliance.Delivery;
using MailAppliance.Delivery.MtaSts;
using MailAppliance.Dkim;
using MailAppliance.Dmarc;
using MailAppliance.Dns;
using MailAppliance.Inbound;
using MailAppliance.Srs;
using MailAppliance.Queue;
using MailAppliance.Smtp.Signing;
using MailAppliance.MailLog;
using MailAppliance.Smtp.Policy;
using MailAppliance.Smtp.Server;
using MailAppliance.Smtp.Session;
using MailAppliance.Spool;
using MailAppliance.Tls;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace MailAppliance.SmtpRelay;

/// <summary>The relay's wiring: settings, domains, spool, certificates, engine, listeners, admin API.</summary>
public static class RelayExtensions
{
    /// <summary>Registers everything the relay runs on. Broken users/aliases files stop start-up here, naming file and line.</summary>
    public static WebApplicationBuilder AddSmtpRelay(this WebApplicationBuilder builder, ApplianceDirectories directories)
    {
        var configuration = builder.Configuration;
        var relay = configuration.GetSection(RelayOptions.Section).Get<RelayOptions>() ?? new RelayOptions();
        relay.Hostname = configuration["Hostname"] is { Length: > 0 } host ? host.ToLowerInvariant() : relay.Hostname;

        var smtp = new SmtpServerOptions();
        configuration.GetSection(SmtpServerOptions.Section).Bind(smtp);
        var spool = configuration.GetSection(SpoolOptions.Section).Get<SpoolOptions>() ?? new SpoolOptions();
        var policy = configuration.GetSection(RelayPolicyOptions.Section).Get<RelayPolicyOptions>() ?? new RelayPolicyOptions();
        try
        {
            RelayPolicy.ParseNetworks(policy.TrustedNetworks);
        }
        catch (FormatException e)
        {
            throw new StartupException(e.Message, e);
        }

        builder.Services.AddSingleton(relay);
        builder.Services.AddSingleton(smtp);
        builder.Services.AddSingleton(sp => new SpoolStore(directories.Queue, spool));
        builder.Services.AddSingleton(sp =>
        {
            var logger = sp.GetRequiredService<ILogger<DomainDirectoryWatcher>>();
            return new DomainDirectoryWatcher(directories.Domains, AddressNormalization.FromConfiguration(configuration),
                e => logger.LogError("domain configuration not reloaded, the previous one stays in force: {Problem}", e.Message));
        });
        builder.Services.AddSingleton(sp => new CertificateStore(directories.Certs, Path.Combine(directories.Tls, "self-signed"),
            relay.Hostname, sp.GetRequiredService<ILogger<CertificateStore>>()));
        builder.Services.AddSingleton(_ => CreateForwarder(configuration, directories, relay));
        builder.Services.AddSingleton(sp => CreateInboundAuthenticator(sp, configuration, relay));
        builder.Services.AddSingleton<ISmtpPolicy>(sp =>
        {
            var domains = sp.GetRequiredService<DomainDirectoryWatcher>();
            return new RelayPolicy(() => domains.Current, policy, sp.GetRequiredService<Forwarder>());
        });
        builder.Services.AddSingleton(sp =>
        {
            var certificates = sp.GetRequiredService<CertificateStore>();
            return new SmtpEngine(relay.Hostname, smtp, sp.GetRequiredService<ISmtpPolicy>(), sp.GetRequiredService<SpoolStore>(),
                certificates.OptionsFor, sp.GetRequiredService<ILoggerFactory>().CreateLogger("MailAppliance.Smtp"))
            {
                MailLog = sp.GetRequiredService<MailLogWriter>(),
                Signer = new SubmissionSigner(sp.GetRequiredService<DkimKeyring>()),
                Inbound = sp.GetRequiredService<InboundAuthenticator>(),
            };
        });
        builder.Services.AddSingleton(_ => new DkimKeyring(directories.Domains));
        builder.Services.AddSingleton(new MailLogWriter(directories.Log,
            configuration.GetSection(MailLogOptions.Section).Get<MailLogOptions>() ?? new MailLogOptions()));
        builder.Services.AddDnsResolver(configuration);
        builder.Services.AddSingleton(sp => CreateQueue(sp, configuration, directories, relay));
        builder.Services.AddSingleton<RelayService>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<RelayService>());
        builder.Services.AddHealthChecks().AddCheck<RelayHealthCheck>("smtp", tags: ["ready"]);
        return builder;
    }

    /// <summary>Maps the admin API and installs the SIGHUP reload.</summary>
    public static WebApplication UseSmtpRelay(this WebApplication app)
    {
        var logger = app.Services.GetRequiredService<ILogger<RelayService>>();

        // Resolve eagerly: a broken users or aliases file must stop start-up, not the first session.
        var domains = app.Services.GetRequiredService<DomainDirectoryWatcher>();
        var certificates = app.Services.GetRequiredService<CertificateStore>();
        var keyring = app.Services.GetRequiredService<DkimKeyring>();
        logger.LogInformation("DKIM signing for: {Domains}", keyring.Domains.Count == 0 ? "(no domain has keys)" : string.Join(", ", keyring.Domains));
        domains.Reloaded += _ => ReloadKeys(keyring, logger);
        logger.LogInformation("local domains: {Domains}", domains.Current.Domains.Count == 0 ? "(none)" : string.Join(", ", domains.Current.Domains));

        // SIGHUP reloads certificates and domains, as daemons do; CertManager sends it through Docker when the relay is in a container.
        var hangup = PosixSignalRegistration.Create(PosixSignal.SIGHUP, context =>
        {
            context.Cancel = true;
            logger.LogInformation("SIGHUP: reloading certificates and domains");
            try
            {
                certificates.Reload();
                domains.Reload();
                keyring.Reload();
            }
            catch (Exception e)
            {
                logger.LogError("reload on SIGHUP failed, the previous configuration stays in force: {Problem}", e.Message);
            }
        });
        app.Lifetime.ApplicationStopped.Register(hangup.Dispose);
        app.MapAdminEndpoints();
        return app;
    }

    /// <summary>The queue and its couriers: local mailboxes for our domains, MX delivery for the rest.</summary>
    private static DeliveryQueue CreateQueue(IServiceProvider sp, IConfiguration configuration, ApplianceDirectories directories, RelayOptions relay)
    {
        var queue = configuration.GetSection(QueueOptions.Section).Get<QueueOptions>() ?? new QueueOptions();
        var delivery = configuration.GetSection(DeliveryOptions.Section).Get<DeliveryOptions>() ?? new DeliveryOptions();
        var dns = sp.GetRequiredService<IDnsResolver>();
        var domains = sp.GetRequiredService<DomainDirectoryWatcher>();
        var loggers = sp.GetRequiredService<ILoggerFactory>();
        var roots = TrustedRootValidation.LoadRoots(delivery.TrustedRootsFile is { Length: > 0 } file ? Path.Combine(directories.Config, file) : null);
        var client = new SmtpCourierClient(new SmtpCourierOptions
        {
            HeloName = delivery.HeloName is { Length: > 0 } helo ? helo : relay.Hostname,
            Port = delivery.Port,
            SourceAddressIPv4 = ParseAddress(delivery.SourceAddressIPv4, "Delivery:SourceAddressIPv4"),
            SourceAddressIPv6 = ParseAddress(delivery.SourceAddressIPv6, "Delivery:SourceAddressIPv6"),
            ConnectTimeout = delivery.ConnectTimeout,
            GreetingTimeout = delivery.GreetingTimeout,
            CommandTimeout = delivery.CommandTimeout,
            DataInitiationTimeout = delivery.DataInitiationTimeout,
            DataBlockTimeout = delivery.DataBlockTimeout,
            DataTerminationTimeout = delivery.DataTerminationTimeout,
            UseChunking = delivery.UseChunking,
            TrustedRoots = roots,
            ReuseConnections = delivery.ReuseConnections,
            IdleConnectionTimeout = delivery.IdleConnectionTimeout,
            MaxMessagesPerConnection = delivery.MaxMessagesPerConnection,
        });
        var mx = new MxResolver(dns, new AddressFamilyOptions
        {
            PreferIPv6 = delivery.PreferIPv6, EnableIPv4 = delivery.EnableIPv4, EnableIPv6 = delivery.EnableIPv6,
        });
        var mtaSts = delivery.MtaSts
            ? new MtaStsResolver(dns, new HttpClient(MtaStsResolver.CreateHandler(dns, roots)), logger: loggers.CreateLogger("MailAppliance.MtaSts"))
            : null;
        var remote = new RemoteCourier(mx, client, mtaSts, delivery, loggers.CreateLogger("MailAppliance.Courier"));
        var policy = configuration.GetSection(RelayPolicyOptions.Section).Get<RelayPolicyOptions>() ?? new RelayPolicyOptions();
        var local = new MailboxCourier(directories.Mailboxes, () => domains.Current, relay.Hostname, policy.LocalMailboxes);
        var spool = sp.GetRequiredService<SpoolStore>();
        var mailLog = sp.GetRequiredService<MailLogWriter>();
        var forwarder = sp.GetRequiredService<Forwarder>();
        var forward = new ForwardingCourier(forwarder, spool, sp.GetRequiredService<DkimKeyring>(), mailLog);
        return new DeliveryQueue(spool, new DestinationRouter(() => domains.Current, local, remote, forward), queue,
            new DsnWriter(relay.Hostname), mailLog, loggers.CreateLogger("MailAppliance.Queue"),
            expander: new AliasExpander(() => domains.Current, address => ReverseBounce(forwarder, address)));
    }

    /// <summary>The original sender behind one of our valid SRS addresses, else null.</summary>
    private static string? ReverseBounce(Forwarder forwarder, string address) =>
        SrsRewriter.IsSrs(address) && forwarder.ReverseBounce(address) is { IsOk: true } route ? route.OriginalAddress : null;

    /// <summary>SRS and ARC for forwarded mail; the SRS secret lives in state/ (created on first start).</summary>
    private static Forwarder CreateForwarder(IConfiguration configuration, ApplianceDirectories directories, RelayOptions relay)
    {
        var srs = configuration.GetSection(SrsOptions.SectionName).Get<SrsOptions>() ?? new SrsOptions();
        try
        {
            srs.Validate();
            var secrets = SrsSecrets.LoadOrCreate(SrsSecrets.PathIn(directories.State, srs));
            return new Forwarder(new SrsRewriter(secrets, srs), InboundOptionsOf(configuration, relay));
        }
        catch (Exception e) when (e is ArgumentException or ConfigurationFileException or IOException)
        {
            throw new StartupException("Srs: " + e.Message, e);
        }
    }

    /// <summary>SPF, DKIM, ARC and DMARC of mail from outside, through the shared resolver.</summary>
    private static InboundAuthenticator CreateInboundAuthenticator(IServiceProvider sp, IConfiguration configuration, RelayOptions relay)
    {
        var dmarc = configuration.GetSection(DmarcOptions.Section).Get<DmarcOptions>() ?? new DmarcOptions();
        try
        {
            PublicSuffixList suffixes;
            if (File.Exists(dmarc.PublicSuffixListPath))
            {
                suffixes = PublicSuffixList.Load(dmarc.PublicSuffixListPath);
            }
            else
            {
                // Start anyway (a fresh machine may lack the package): the list's own default rule "*" makes the
                // organizational domain the last two labels, wrong only under suffixes like co.uk.
                sp.GetRequiredService<ILoggerFactory>().CreateLogger("MailAppliance.Inbound").LogWarning(
                    "Public Suffix List {Path} not found (Debian: apt-get install publicsuffix): DMARC takes the last two labels as the organizational domain",
                    dmarc.PublicSuffixListPath);
                suffixes = PublicSuffixList.FromRules();
            }

            return InboundAuthenticator.Create(sp.GetRequiredService<IDnsResolver>(), InboundOptionsOf(configuration, relay), suffixes);
        }
        catch (Exception e) when (e is IOException or ArgumentException)
        {
            throw new StartupException($"Inbound: {e.Message} (the Public Suffix List comes from Debian's publicsuffix package; Dmarc:PublicSuffixListPath)", e);
        }
    }

    /// <summary>The <c>Inbound</c> section; the authserv-id defaults to the relay's host name.</summary>
    private static InboundOptions InboundOptionsOf(IConfiguration configuration, RelayOptions relay)
    {
        var options = configuration.GetSection(InboundOptions.Section).Get<InboundOptions>() ?? new InboundOptions();
        if (string.IsNullOrWhiteSpace(options.AuthservId))
        {
            options.AuthservId = relay.Hostname;
        }

        return options;
    }

    private static System.Net.IPAddress? ParseAddress(string? text, string key) =>
        string.IsNullOrWhiteSpace(text) ? null
            : System.Net.IPAddress.TryParse(text, out var address) ? address
            : throw new StartupException($"{key}: '{text}' is not an IP address");

    private static void ReloadKeys(DkimKeyring keyring, ILogger logger)
    {
        try
        {
            keyring.Reload();
        }
        catch (ConfigurationFileException e)
        {
            logger.LogError("DKIM keys not reloaded, the previous keys stay in force: {Problem}", e.Message);
        }
    }
}

/// <summary>Healthy when listening with a certificate that is not about to expire.</summary>
internal sealed class RelayHealthCheck(RelayService relay, CertificateStore certificates) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        if (relay.Endpoints.Count == 0)
        {
            return Task.FromResult(HealthCheckResult.Unhealthy("no SMTP listener is bound"));
        }

        var left = certificates.Default.Leaf.NotAfter.ToUniversalTime() - DateTime.UtcNow;
        return Task.FromResult(left < TimeSpan.FromDays(7)
            ? HealthCheckResult.Degraded($"certificate {certificates.Default.Name} expires in {left.TotalDays:F1} days")
            : HealthCheckResult.Healthy($"{relay.Endpoints.Count} listener(s); certificate {certificates.Default.Name} serial {certificates.Default.Serial}"));
    }
}
