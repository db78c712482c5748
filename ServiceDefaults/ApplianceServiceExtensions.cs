using MailAppliance.Core;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Microsoft.Extensions.Hosting;

/// <summary>The start every appliance service shares: directories, appliance.json, its own URLs, telemetry, health.</summary>
public static class ApplianceServiceExtensions
{
    /// <summary>
    /// Resolves the config and state directories (<c>--config</c>/<c>--state</c> or the environment), loads
    /// <c>appliance.json</c> (environment and command line still win), picks the service's listen URLs from
    /// <paramref name="urlsKey"/> (ASPNETCORE_URLS, as Aspire sets it, wins) and adds the service defaults.
    /// </summary>
    /// <returns>The resolved directories, also registered as a singleton.</returns>
    public static ApplianceDirectories AddApplianceService(this WebApplicationBuilder builder, string[] args, string urlsKey, string defaultUrls)
    {
        var directories = ApplianceDirectories.Resolve(args);
        builder.Configuration.AddAppliance(directories, args);
        builder.UseDefaultUrls(urlsKey, defaultUrls);
        builder.AddServiceDefaults();
        builder.Services.AddSingleton(directories);
        return directories;
    }

    /// <summary>
    /// Logs the directories in use, and warns when there is no <c>appliance.json</c>: running on built-in defaults
    /// because of a mistyped path should be visible, not silent.
    /// </summary>
    public static WebApplication LogApplianceDirectories(this WebApplication app)
    {
        var directories = app.Services.GetRequiredService<ApplianceDirectories>();
        app.Logger.LogInformation("{Service}: config directory {ConfigDirectory}, state directory {StateDirectory}",
            app.Environment.ApplicationName, directories.Config, directories.State);
        if (!File.Exists(directories.SettingsFile))
        {
            app.Logger.LogWarning("No {SettingsFile}: running on built-in defaults", directories.SettingsFile);
        }

        return app;
    }
}
