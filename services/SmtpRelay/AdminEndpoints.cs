using System.Net;
using MailAppliance.Accounts;
using MailAppliance.Core;
using MailAppliance.Dkim;
using MailAppliance.Spool;
using MailAppliance.Tls;

namespace MailAppliance.SmtpRelay;

/// <summary>
/// The loopback admin API (DESIGN.md §1): what is listening, which certificate is served, what is queued,
/// and reload. CertManager calls POST /admin/reload after writing a certificate and reads /admin/tls back.
/// </summary>
public static class AdminEndpoints
{
    public static WebApplication MapAdminEndpoints(this WebApplication app)
    {
        var options = app.Services.GetRequiredService<RelayOptions>();
        var admin = app.MapGroup("/admin").AddEndpointFilter(async (context, next) =>
        {
            var remote = context.HttpContext.Connection.RemoteIpAddress;
            if (!options.AdminAllowRemote && remote is not null && !IPAddress.IsLoopback(remote))
            {
                return Results.Problem("the admin API answers loopback clients only", statusCode: StatusCodes.Status403Forbidden);
            }

            return await next(context);
        });

        admin.MapGet("/status", (RelayService relay, CertificateStore certificates, SpoolStore spool) => Results.Ok(new
        {
            hostname = options.Hostname,
            listeners = relay.Endpoints.Select(e => new { name = e.Listener, endpoint = e.Endpoint.ToString() }),
            certificate = Describe(certificates.Default),
            queue = new { directory = spool.Directory, messages = spool.List().Count(), syncs = spool.Syncs },
        }));

        admin.MapGet("/tls", (CertificateStore certificates) => Results.Ok(new
        {
            @default = Describe(certificates.Default),
            certificates = certificates.Certificates.Select(Describe),
        }));

        admin.MapGet("/queue", (SpoolStore spool) => Results.Ok(spool.List().Select(m => m.Envelope)));

        admin.MapPost("/reload", (CertificateStore certificates, DomainDirectoryWatcher domains, DkimKeyring keyring, ILogger<RelayService> logger) =>
        {
            logger.LogInformation("reload requested through the admin API");
            certificates.Reload();
            try
            {
                domains.Reload();
                keyring.Reload();
            }
            catch (ConfigurationFileException e)
            {
                // The previous domain configuration stays in force; say exactly which line is wrong.
                return Results.Problem(e.Message, statusCode: StatusCodes.Status422UnprocessableEntity, title: "domain configuration not reloaded");
            }

            return Results.Ok(new { certificate = Describe(certificates.Default), domains = domains.Current.Domains });
        });

        return app;
    }

    private static object Describe(ServedCertificate certificate) => new
    {
        name = certificate.Name,
        serial = certificate.Serial,
        subject = certificate.Leaf.Subject,
        issuer = certificate.Leaf.Issuer,
        dnsNames = certificate.DnsNames,
        notBefore = certificate.Leaf.NotBefore.ToUniversalTime(),
        notAfter = certificate.Leaf.NotAfter.ToUniversalTime(),
        selfSigned = certificate.SelfSigned,
    };
}
