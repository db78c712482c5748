using System.Text.Json.Nodes;
using MailAppliance.Dns;
using MailAppliance.DnsCheck;

namespace MailAppliance.DnsVerifier;

/// <summary>DnsVerifier's wiring: options, resolver, HTTP clients, the runner, the schedule, health and endpoints.</summary>
public static class DnsVerifierExtensions
{
    /// <summary>Registers the checks: <c>DnsVerifier</c> options, the shared resolver (<c>Dns</c> section), the runner and its schedule, and the health check.</summary>
    public static WebApplicationBuilder AddDnsVerifier(this WebApplicationBuilder builder)
    {
        builder.Services.Configure<DnsCheckOptions>(builder.Configuration.GetSection(DnsCheckOptions.Section));
        builder.Services.AddDnsResolver(builder.Configuration);
        builder.Services.TryAddSingletonTimeProvider();
        builder.Services.AddHttpClient(DnsCheckRunner.MtaStsClient, client => client.Timeout = TimeSpan.FromSeconds(15))
            .ConfigurePrimaryHttpMessageHandler(sp => HttpsMtaStsPolicySource.CreateHandler(sp.GetRequiredService<IDnsResolver>()));
        builder.Services.AddHttpClient(DnsCheckRunner.RelayClient, client => client.Timeout = TimeSpan.FromSeconds(10));
        builder.Services.AddSingleton<ISpfPassEvaluator>(sp => new SpfPassEvaluator(sp.GetRequiredService<IDnsResolver>()));
        builder.Services.AddSingleton<DnsCheckRunner>();
        builder.Services.AddHostedService<DnsCheckScheduler>();
        builder.Services.AddHealthChecks().AddCheck<DnsCheckHealthCheck>(DnsCheckHealthCheck.Name);
        return builder;
    }

    /// <summary>Maps <c>GET /checks</c> (the last run) and <c>POST /checks/run</c> (run now, answer with the results).</summary>
    public static WebApplication MapDnsCheckEndpoints(this WebApplication app)
    {
        var runner = app.Services.GetRequiredService<DnsCheckRunner>();
        DnsVerifierTelemetry.ObserveLastRun(() => runner.Last?.Report);
        app.MapGet("/checks", () => Answer(runner.Last));
        app.MapPost("/checks/run", async (CancellationToken cancellationToken) => Answer(await runner.RunAsync(cancellationToken)));
        return app;
    }

    private static IResult Answer(DnsCheckRun? run) => run switch
    {
        null => Results.Json(new JsonObject { ["status"] = "not-run", ["detail"] = "no DNS check has run yet; POST /checks/run runs them" }),
        { Report: { } report } => Results.Text(report.ToJson().ToJsonString(), "application/json"),
        _ => Results.Problem(run.ConfigurationError, statusCode: StatusCodes.Status422UnprocessableEntity, title: "DNS checks cannot run"),
    };

    private static void TryAddSingletonTimeProvider(this IServiceCollection services)
    {
        if (!services.Any(d => d.ServiceType == typeof(TimeProvider)))
        {
            services.AddSingleton(TimeProvider.System);
        }
    }
}
