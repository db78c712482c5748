using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Logging;
using OpenTelemetry;
using OpenTelemetry.Resources;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;

// The same namespace as the host builder (as in eShop and the Aspire template), so a service needs no using
// to call builder.AddServiceDefaults() and app.MapDefaultEndpoints().
namespace Microsoft.Extensions.Hosting;

/// <summary>
/// What every MailAppliance service has in common: OpenTelemetry (logs, traces, metrics), health checks and the
/// <c>/health</c> and <c>/alive</c> endpoints, and a per-service default listen address. Set up here once so the
/// services only wire what is theirs.
/// </summary>
public static class Extensions
{
    /// <summary>
    /// Prefix of every ActivitySource and Meter in the solution. Each library and service names its own source
    /// <c>MailAppliance.&lt;Part&gt;</c> as a public constant; the wildcard below picks them all up, so adding a
    /// library never means editing this file.
    /// </summary>
    public const string TelemetryPrefix = "MailAppliance.";

    /// <summary>Path of the readiness endpoint: every registered health check must pass.</summary>
    public const string HealthPath = "/health";

    /// <summary>Path of the liveness endpoint: only the checks tagged <see cref="LiveTag"/> run.</summary>
    public const string AlivePath = "/alive";

    /// <summary>Tag of the health checks that say the process is alive (not necessarily ready).</summary>
    public const string LiveTag = "live";

    /// <summary>
    /// Adds OpenTelemetry and the default health checks. Call it once, early, from each service's wiring.
    /// </summary>
    /// <typeparam name="TBuilder">The host builder type.</typeparam>
    /// <param name="builder">The service's host builder.</param>
    /// <returns>The same builder, for chaining.</returns>
    public static TBuilder AddServiceDefaults<TBuilder>(this TBuilder builder)
        where TBuilder : IHostApplicationBuilder
    {
        builder.ConfigureOpenTelemetry();
        builder.AddDefaultHealthChecks();
        return builder;
    }

    /// <summary>
    /// Logs, traces and metrics through OpenTelemetry: ASP.NET Core, HttpClient and runtime instrumentation plus
    /// every source and meter whose name starts with <see cref="TelemetryPrefix"/>.
    /// </summary>
    /// <typeparam name="TBuilder">The host builder type.</typeparam>
    /// <param name="builder">The service's host builder.</param>
    /// <returns>The same builder, for chaining.</returns>
    public static TBuilder ConfigureOpenTelemetry<TBuilder>(this TBuilder builder)
        where TBuilder : IHostApplicationBuilder
    {
        if (string.IsNullOrWhiteSpace(builder.Configuration["OTEL_EXPORTER_OTLP_ENDPOINT"]))
        {
            // Nowhere to send telemetry: collecting it would only cost memory (~6 MB of idle RSS measured on the
            // relay) and CPU on every session. Spans and instruments stay free no-ops without a listener.
            return builder;
        }

        builder.Logging.AddOpenTelemetry(logging =>
        {
            // The dashboard shows the rendered line and the scope (queue id, session id) next to the template.
            logging.IncludeFormattedMessage = true;
            logging.IncludeScopes = true;
        });

        var telemetry = builder.Services.AddOpenTelemetry();
        if (string.IsNullOrWhiteSpace(builder.Configuration["OTEL_SERVICE_NAME"]))
        {
            // Without OTEL_SERVICE_NAME the SDK reports "unknown_service:dotnet"; the assembly name says which service.
            telemetry.ConfigureResource(resource => resource.AddService(builder.Environment.ApplicationName));
        }

        telemetry
            .WithMetrics(metrics => metrics
                .AddAspNetCoreInstrumentation()
                .AddHttpClientInstrumentation()
                .AddRuntimeInstrumentation()
                .AddMeter(TelemetryPrefix + "*"))
            .WithTracing(tracing => tracing
                .AddSource(builder.Environment.ApplicationName)
                .AddSource(TelemetryPrefix + "*")
                .AddAspNetCoreInstrumentation(aspNetCore =>
                    // Aspire polls /health every few seconds: those spans would bury the interesting ones.
                    aspNetCore.Filter = context => !IsHealthRequest(context.Request.Path))
                .AddHttpClientInstrumentation());

        builder.AddOpenTelemetryExporters();
        return builder;
    }

    /// <summary>
    /// Exports over OTLP only when <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> is set (Aspire sets it; so does the compose
    /// file, pointing at the standalone dashboard). Without it nothing is exported, so a service run by hand or
    /// by a test does not spend time retrying an absent collector.
    /// </summary>
    private static TBuilder AddOpenTelemetryExporters<TBuilder>(this TBuilder builder)
        where TBuilder : IHostApplicationBuilder
    {
        if (!string.IsNullOrWhiteSpace(builder.Configuration["OTEL_EXPORTER_OTLP_ENDPOINT"]))
        {
            builder.Services.AddOpenTelemetry().UseOtlpExporter();
        }

        return builder;
    }

    /// <summary>
    /// Registers the health check service with a "self" check tagged <see cref="LiveTag"/>: if the process can
    /// answer HTTP, it is alive. Services add their own readiness checks (listeners bound, spool writable) with
    /// <c>builder.Services.AddHealthChecks().AddCheck(...)</c>.
    /// </summary>
    /// <typeparam name="TBuilder">The host builder type.</typeparam>
    /// <param name="builder">The service's host builder.</param>
    /// <returns>The same builder, for chaining.</returns>
    public static TBuilder AddDefaultHealthChecks<TBuilder>(this TBuilder builder)
        where TBuilder : IHostApplicationBuilder
    {
        builder.Services.AddHealthChecks()
            .AddCheck("self", () => HealthCheckResult.Healthy(), [LiveTag]);
        return builder;
    }

    /// <summary>
    /// Maps <see cref="HealthPath"/> (readiness: all checks) and <see cref="AlivePath"/> (liveness: checks tagged
    /// <see cref="LiveTag"/>).
    /// </summary>
    /// <remarks>
    /// Mapped in every environment, unlike the Aspire template: the services run as Production under Aspire,
    /// systemd and compose alike, and all of them (plus <c>mailctl</c> and the container health checks) poll these
    /// paths. The answer is only "Healthy"/"Degraded"/"Unhealthy", and the HTTP listeners are on loopback by default.
    /// </remarks>
    /// <param name="app">The built application.</param>
    /// <returns>The same application, for chaining.</returns>
    public static WebApplication MapDefaultEndpoints(this WebApplication app)
    {
        app.MapHealthChecks(HealthPath);
        app.MapHealthChecks(AlivePath, new HealthCheckOptions
        {
            Predicate = registration => registration.Tags.Contains(LiveTag),
        });
        return app;
    }

    /// <summary>
    /// Gives the service its own default listen address unless one was chosen the usual ASP.NET Core way
    /// (<c>ASPNETCORE_URLS</c>, <c>--urls</c>, <c>ASPNETCORE_HTTP_PORTS</c>/<c>HTTPS_PORTS</c>), which always wins:
    /// that is how Aspire hands each project the port it allocated.
    /// </summary>
    /// <remarks>
    /// The three services read the same <c>appliance.json</c>, so a plain <c>Urls</c> key there would apply to all
    /// of them and collide; each reads its own key instead (e.g. <c>CertManager:Urls</c>). The value is ASP.NET's
    /// format: one URL, or several separated by <c>;</c> (a JSON array works too). Call this after the appliance
    /// configuration has been added, so the key can come from <c>appliance.json</c> or the environment.
    /// </remarks>
    /// <param name="builder">The service's web application builder.</param>
    /// <param name="configKey">The configuration key holding this service's URLs, e.g. <c>CertManager:Urls</c>.</param>
    /// <param name="fallback">The URLs used when neither the key nor the ASP.NET settings are set.</param>
    /// <returns>The same builder, for chaining.</returns>
    public static WebApplicationBuilder UseDefaultUrls(this WebApplicationBuilder builder, string configKey, string fallback)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(configKey);
        ArgumentException.ThrowIfNullOrWhiteSpace(fallback);

        IConfiguration configuration = builder.Configuration;
        if (!string.IsNullOrWhiteSpace(configuration[WebHostDefaults.ServerUrlsKey])
            || !string.IsNullOrWhiteSpace(configuration[WebHostDefaults.HttpPortsKey])
            || !string.IsNullOrWhiteSpace(configuration[WebHostDefaults.HttpsPortsKey]))
        {
            return builder;
        }

        builder.WebHost.UseUrls(ReadUrls(configuration.GetSection(configKey)) ?? fallback);
        return builder;
    }

    private static string? ReadUrls(IConfigurationSection section)
    {
        if (!string.IsNullOrWhiteSpace(section.Value))
        {
            return section.Value;
        }

        // A JSON array binds as children "0", "1", ...; Kestrel wants one ';'-separated string.
        string[] urls = section.GetChildren()
            .Select(child => child.Value)
            .Where(value => !string.IsNullOrWhiteSpace(value))
            .Select(value => value!.Trim())
            .ToArray();
        return urls.Length > 0 ? string.Join(';', urls) : null;
    }

    private static bool IsHealthRequest(PathString path) =>
        path.StartsWithSegments(HealthPath) || path.StartsWithSegments(AlivePath);
}
