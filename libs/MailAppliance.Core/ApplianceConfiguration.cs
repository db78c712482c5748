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
        builder.Add(new ApplianceEnvironmentSource());
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

/// <summary>The environment variables, except the shell's and Docker's <c>HOSTNAME</c> (see the provider).</summary>
internal sealed class ApplianceEnvironmentSource : IConfigurationSource
{
    public IConfigurationProvider Build(IConfigurationBuilder builder) => new ApplianceEnvironmentProvider();
}

/// <summary>
/// Environment variables as configuration, without <c>HOSTNAME</c>: shells and Docker export it (the machine's or
/// container's name), and configuration keys ignore case, so it would silently replace the <c>Hostname</c> of
/// appliance.json (a relay greeting as its container id). A variable spelled otherwise (<c>Hostname</c>) still counts.
/// </summary>
internal sealed class ApplianceEnvironmentProvider : Microsoft.Extensions.Configuration.EnvironmentVariables.EnvironmentVariablesConfigurationProvider
{
    public override void Load()
    {
        base.Load();
        bool spelledAsSetting = Environment.GetEnvironmentVariables().Keys.Cast<string>()
            .Any(name => name.Equals("Hostname", StringComparison.OrdinalIgnoreCase) && name != "HOSTNAME");
        if (!spelledAsSetting)
        {
            Data.Remove("HOSTNAME");
        }
    }
}
