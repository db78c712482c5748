using System.Net;
using MailAppliance.Acme;
using MailAppliance.Acme.Dns01;
using MailAppliance.Core;

namespace MailAppliance.CertManager;

/// <summary>CertManager's wiring: options, the managed certificate, the mode's background service, health.</summary>
public static class CertManagerExtensions
{
    /// <summary>Registers everything CertManager runs.</summary>
    /// <exception cref="StartupException">The configuration cannot work (no names, bad address, missing external paths).</exception>
    public static WebApplicationBuilder AddCertManager(this WebApplicationBuilder builder)
    {
        var options = builder.Configuration.GetSection(CertManagerOptions.Section).Get<CertManagerOptions>() ?? new CertManagerOptions();
        string hostname = builder.Configuration["Hostname"] is { Length: > 0 } host ? host.ToLowerInvariant() : Dns.GetHostName().ToLowerInvariant();
        var mode = options.EffectiveMode(hostname);
        Validate(options, mode, hostname);

        var services = builder.Services;
        services.AddSingleton(options);
        services.AddSingleton(TimeProvider.System);
        services.AddSingleton(sp => new CertificateTarget(options.EffectiveNames(hostname),
            new CertificateFiles(sp.GetRequiredService<ApplianceDirectories>().Certs, options.EffectiveCertificateName(hostname))));
        services.AddSingleton(sp => new CertificateStatus(sp.GetRequiredService<CertificateTarget>().Files.Name, sp.GetRequiredService<TimeProvider>()));
        services.AddSingleton(sp => new RelaySignaler(options, new HttpClient { Timeout = TimeSpan.FromSeconds(10) }, sp.GetRequiredService<ILogger<RelaySignaler>>()));
        if (mode == CertManagerMode.None)
        {
            // Nothing to manage: the relay serves its self-signed fallback. Say so once, with how to change it.
            services.AddHostedService(sp => new ModeNoneNotice(options, hostname, sp.GetRequiredService<ILogger<ModeNoneNotice>>()));
            return builder;
        }

        services.AddHealthChecks().AddCheck<CertificateHealthCheck>("certificate");
        if (mode == CertManagerMode.External)
        {
            services.AddHostedService<ExternalCertificateImporter>();
        }
        else
        {
            services.AddSingleton<AcmeSession>();
            services.AddSingleton<IChallengeResponder, Http01ChallengeResponder>();
            if (options.Challenge == AcmeChallenge.Dns01)
            {
                var dns01 = options.Dns01.ToSettings();
                services.AddSingleton<IChallengeResponder>(sp => new Dns01ChallengeResponder(dns01, sp.GetRequiredService<ILogger<Dns01ChallengeResponder>>()));
            }

            services.AddHostedService<CertificateRenewalService>();
        }

        return builder;
    }

    private static void Validate(CertManagerOptions options, CertManagerMode mode, string hostname)
    {
        if (options.EffectiveNames(hostname).Count == 0)
        {
            throw new StartupException("CertManager:Names is empty and there is no Hostname");
        }

        if (mode == CertManagerMode.None)
        {
            return;
        }

        if (mode == CertManagerMode.External)
        {
            if (string.IsNullOrEmpty(options.ExternalCertificateFile) || string.IsNullOrEmpty(options.ExternalKeyFile))
            {
                throw new StartupException("CertManager:Mode is External but CertManager:ExternalCertificateFile or ExternalKeyFile is not set");
            }

            return;
        }

        if (!Uri.TryCreate(options.DirectoryUrl, UriKind.Absolute, out _))
        {
            throw new StartupException($"CertManager:DirectoryUrl '{options.DirectoryUrl}' is not an absolute URL");
        }

        if (!IPAddress.TryParse(options.Http01Address, out _))
        {
            throw new StartupException($"CertManager:Http01Address '{options.Http01Address}' is not an IP address");
        }

        if (options.Challenge is not (AcmeChallenge.Http01 or AcmeChallenge.Dns01))
        {
            throw new StartupException($"CertManager:Challenge '{options.Challenge}' is neither http-01 nor dns-01");
        }

        if (options.Challenge == AcmeChallenge.Dns01 && (options.Dns01.Server is null || options.Dns01.Zone is null))
        {
            throw new StartupException("CertManager:Challenge is dns-01 but CertManager:Dns01:Server or Dns01:Zone is not set");
        }

        if (options.Challenge == AcmeChallenge.Dns01)
        {
            try
            {
                options.Dns01.ToSettings();
            }
            catch (FormatException e)
            {
                throw new StartupException("CertManager:Dns01: " + e.Message, e);
            }
        }

        if (options.Names.Any(n => n.StartsWith("*.", StringComparison.Ordinal)) && options.Challenge != AcmeChallenge.Dns01)
        {
            throw new StartupException("a wildcard name needs CertManager:Challenge dns-01 (RFC 8555 §7.1.3)");
        }
    }
}
