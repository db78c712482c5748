using MailAppliance.Core;

namespace MailAppliance.DnsVerifier.Extensions;

/// <summary>DnsVerifier's wiring, kept out of <c>Program.cs</c> (eShop's layout).</summary>
public static class Extensions
{
    /// <summary>Configuration key of DnsVerifier's own HTTP URLs in the shared <c>appliance.json</c>.</summary>
    public const string UrlsKey = "DnsVerifier:Urls";

    /// <summary>Where DnsVerifier listens when nothing else says so: loopback, after the relay (8025) and CertManager (8026).</summary>
    public const string DefaultUrls = "http://127.0.0.1:8027";

    /// <summary>
    /// Resolves the config and state directories, loads <c>appliance.json</c> (the environment still wins), picks
    /// the listen URLs and adds the service defaults (telemetry, health).
    /// </summary>
    /// <param name="builder">The web application builder.</param>
    /// <param name="args">The command line, for <c>--config DIR</c> and <c>--state DIR</c>.</param>
    /// <returns>The resolved directories, also registered as a singleton.</returns>
    public static ApplianceDirectories AddApplicationServices(this WebApplicationBuilder builder, string[] args)
    {
        var directories = ApplianceDirectories.Resolve(args);
        builder.Configuration.AddAppliance(directories);

        // After AddAppliance: the key may come from appliance.json, and ASPNETCORE_URLS (Aspire's choice) still wins.
        builder.UseDefaultUrls(UrlsKey, DefaultUrls);
        builder.AddServiceDefaults();

        builder.Services.AddSingleton(directories);
        return directories;
    }

    /// <summary>
    /// Logs the directories in use, and warns when there is no <c>appliance.json</c>: running on built-in defaults
    /// because of a mistyped path should be visible, not silent.
    /// </summary>
    /// <param name="app">The built application.</param>
    /// <returns>The same application, for chaining.</returns>
    public static WebApplication LogApplianceDirectories(this WebApplication app)
    {
        var directories = app.Services.GetRequiredService<ApplianceDirectories>();
        app.Logger.LogInformation(
            "DnsVerifier config directory {ConfigDirectory}, state directory {StateDirectory}",
            directories.Config, directories.State);
        if (!File.Exists(directories.SettingsFile))
        {
            app.Logger.LogWarning("No {SettingsFile}: running on built-in defaults", directories.SettingsFile);
        }

        return app;
    }
}
