using Microsoft.Extensions.Configuration;

namespace MailAppliance.Core;

/// <summary>Loads <c>appliance.json</c> so that environment variables still win.</summary>
public static class ApplianceConfiguration
{
    /// <summary>
    /// Adds <c>config/appliance.json</c> (optional), then the environment and the command line again, so that the
    /// precedence is file &lt; environment (<c>Section__Key</c>) &lt; command line (<c>--Section:Key=value</c>) even
    /// though the JSON file is added after the host's own sources.
    /// </summary>
    public static IConfigurationBuilder AddAppliance(this IConfigurationBuilder builder, ApplianceDirectories directories, string[]? args = null)
    {
        builder.AddJsonFile(directories.SettingsFile, optional: true, reloadOnChange: false);
        builder.AddEnvironmentVariables();
        if (args is { Length: > 0 })
        {
            builder.AddCommandLine(args);
        }

        return builder;
    }

    /// <summary>Builds a configuration for tools (mailctl) that do not run a host.</summary>
    public static IConfiguration Load(ApplianceDirectories directories) =>
        new ConfigurationBuilder().AddAppliance(directories).Build();
}
