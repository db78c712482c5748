using MailAppliance.Core;
using Microsoft.Extensions.Configuration;

namespace MailAppliance.MailCtl.Cli;

/// <summary>What every command gets: the directories, the console, and the settings.</summary>
public sealed class CommandContext
{
    private readonly Lazy<IConfiguration> configuration;

    /// <summary>Creates a context.</summary>
    public CommandContext(ApplianceDirectories directories, CommandConsole console)
    {
        Directories = directories;
        Console = console;

        // Read on first use only: a command that needs no settings must not fail on a broken appliance.json.
        configuration = new Lazy<IConfiguration>(() => ApplianceConfiguration.Load(directories));
    }

    /// <summary>The config and state directories (<c>--config</c>, <c>--state</c>, or the environment).</summary>
    public ApplianceDirectories Directories { get; }

    /// <summary>Where to read and write.</summary>
    public CommandConsole Console { get; }

    /// <summary>Settings from <c>appliance.json</c> and the environment.</summary>
    public IConfiguration Configuration => configuration.Value;

    /// <summary>Writes a result line to standard output.</summary>
    public void WriteLine(string line) => Console.Output.WriteLine(line);
}
