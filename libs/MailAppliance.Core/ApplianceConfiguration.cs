using Microsoft.Extensions.Configuration;

namespace MailAppliance.Core;

/// <summary>Loads <c>appliance.json</c> so that environment variables still win.</summary>
public static class ApplianceConfiguration
{
    /// <summary>
    /// Adds <c>config/appliance.json</c> (optional) and then the environment again, so that every setting can be
    /// overridden with .NET's <c>Section__Key</c> variables even though the JSON file is added after the host's
    /// own sources.
    /// </summary>
    public static IConfigurationBuilder AddAppliance(this IConfigurationBuilder builder, ApplianceDirectories directories)
    {
        builder.AddJsonFile(directories.SettingsFile, optional: true, reloadOnChange: false);
        builder.AddEnvironmentVariables();
        return builder;
    }

    /// <summary>Builds a configuration for tools (mailctl) that do not run a host.</summary>
    public static IConfiguration Load(ApplianceDirectories directories) =>
        new ConfigurationBuilder().AddAppliance(directories).Build();
}
