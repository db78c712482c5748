using System.Net;
using MailAppliance.Accounts;
using MailAppliance.Core;
using MailAppliance.Dkim;
using MailAppliance.Queue;
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

        admin.MapGet("/status", (RelayService relay, CertificateStore certificates, SpoolStore spool, DeliveryQueue queue) => Results.Ok(new
        {
            hostname = options.Hostname,
            listeners = relay.Endpoints.Select(e => new { name = e.Listener, endpoint = e.Endpoint.ToString() }),
            certificate = Describe(certificates.Default),
            queue = new { directory = spool.Directory, messages = queue.Count, syncs = spool.Syncs },
        }));

        admin.MapGet("/tls", (CertificateStore certificates) => Results.Ok(new
        {
            @default = Describe(certificates.Default),
            certificates = certificates.Certificates.Select(Describe),
        }));

        // The queue: what mailctl queue list/show/retry/hold/release/delete call.
        admin.MapGet("/queue", (DeliveryQueue queue) => Results.Ok(queue.List()));
        admin.MapGet("/queue/{id}", (string id, DeliveryQueue queue) =>
            queue.Find(id) is { } message ? Results.Ok(message) : NotQueued(id));
        admin.MapPost("/queue/retry", (DeliveryQueue queue) => Results.Ok(new { retried = queue.RetryAll() }));
        admin.MapPost("/queue/{id}/retry", (string id, DeliveryQueue queue) => queue.Retry(id) ? Results.Ok(new { id, retried = true }) : NotQueued(id));
        admin.MapPost("/queue/{id}/hold", (string id, DeliveryQueue queue) => queue.Hold(id) ? Results.Ok(new { id, held = true }) : NotQueued(id));
        admin.MapPost("/queue/{id}/release", (string id, DeliveryQueue queue) => queue.Release(id) ? Results.Ok(new { id, held = false }) : NotQueued(id));
        admin.MapDelete("/queue/{id}", (string id, DeliveryQueue queue) => queue.Delete(id)
            ? Results.Ok(new { id, deleted = true })
            : queue.Find(id) is null ? NotQueued(id)
            : Results.Problem($"{id} is being delivered right now; try again in a moment", statusCode: StatusCodes.Status409Conflict));

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

    private static IResult NotQueued(string id) =>
        Results.Problem($"no message {id} in the queue", statusCode: StatusCodes.Status404NotFound, title: "not queued");

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
