using System.Text;
using MailAppliance.Core;

namespace MailAppliance.MailCtl.Cli;

/// <summary>
/// mailctl's entry point: takes the global options (<c>--config DIR</c>, <c>--state DIR</c>, anywhere before
/// <c>--</c>), selects the command group, and turns every outcome into an exit code and at most one line on
/// standard error, never a stack trace.
/// </summary>
public sealed class CommandRouter
{
    private static readonly string[] GlobalOptionNames = ["--config", "--state"];

    private readonly IReadOnlyList<ICommandGroup> groups;

    /// <summary>Creates a router over the given command groups.</summary>
    public CommandRouter(IReadOnlyList<ICommandGroup> groups)
    {
        this.groups = groups;
    }

    /// <summary>Runs a command line and returns the exit code (<see cref="ExitCode"/>).</summary>
    public async Task<int> RunAsync(IReadOnlyList<string> arguments, CommandConsole console, CancellationToken cancellationToken = default)
    {
        try
        {
            var (globalOptions, rest) = SplitGlobalOptions(arguments);
            if (rest.Count == 0 || rest[0] == "help" || CommandGroup.IsHelpOption(rest[0]))
            {
                return Help(rest.Skip(1).FirstOrDefault(), console);
            }

            var group = groups.FirstOrDefault(g => g.Name == rest[0])
                ?? throw new UsageException($"unknown command '{rest[0]}'; see 'mailctl help'");
            var context = new CommandContext(ApplianceDirectories.Resolve(globalOptions), console);
            return await group.RunAsync(context, [.. rest.Skip(1)], cancellationToken);
        }
        catch (UsageException e)
        {
            return Fail(console, e.Message, ExitCode.Usage);
        }
        catch (OperationCanceledException)
        {
            return Fail(console, "cancelled", ExitCode.Failure);
        }
        catch (Exception e)
        {
            // CommandFailedException, a ConfigurationFileException (its message names file and line), an I/O
            // error, or a bug: the operator gets one sentence, not a stack trace.
            return Fail(console, e is CommandFailedException or ConfigurationFileException or IOException or UnauthorizedAccessException
                ? e.Message
                : $"unexpected error: {e.Message}", ExitCode.Failure);
        }
    }

    private int Help(string? groupName, CommandConsole console)
    {
        if (groupName is not null)
        {
            var group = groups.FirstOrDefault(g => g.Name == groupName)
                ?? throw new UsageException($"unknown command '{groupName}'; see 'mailctl help'");
            console.Output.Write(group.Help);
            return ExitCode.Ok;
        }

        var help = new StringBuilder();
        help.AppendLine("usage: mailctl [--config DIR] [--state DIR] COMMAND [ARGUMENTS]");
        help.AppendLine();
        help.AppendLine("The MailAppliance operator's tool. Commands:");
        int width = groups.Select(g => g.Name.Length).Append("help".Length).Max() + 2;
        foreach (var group in groups)
        {
            help.AppendLine($"  {group.Name.PadRight(width)}{group.Summary}");
        }

        help.AppendLine($"  {"help".PadRight(width)}this text, or a command's: mailctl help COMMAND (or mailctl COMMAND --help)");
        help.AppendLine();
        help.AppendLine("Global options:");
        help.AppendLine($"  --config DIR   the config directory (default: ${ApplianceDirectories.ConfigVariable}, else ./config)");
        help.AppendLine($"  --state DIR    the state directory (default: ${ApplianceDirectories.StateVariable}, else ./state)");
        help.AppendLine();
        help.AppendLine("Exit status: 0 done, 1 failed, 2 wrong command line.");
        console.Output.Write(help.ToString());
        return ExitCode.Ok;
    }

    private static (List<string> GlobalOptions, List<string> Remaining) SplitGlobalOptions(IReadOnlyList<string> arguments)
    {
        var global = new List<string>();
        var rest = new List<string>();
        bool optionsEnded = false;
        for (int i = 0; i < arguments.Count; i++)
        {
            string argument = arguments[i];
            optionsEnded |= argument == "--";
            string name = argument.Split('=', 2)[0];
            if (optionsEnded || !GlobalOptionNames.Contains(name))
            {
                rest.Add(argument);
            }
            else if (argument.Contains('=', StringComparison.Ordinal))
            {
                global.Add(argument);
            }
            else if (i + 1 < arguments.Count)
            {
                global.Add(argument);
                global.Add(arguments[++i]);
            }
            else
            {
                throw new UsageException($"the option '{argument}' needs a directory");
            }
        }

        return (global, rest);
    }

    private static int Fail(CommandConsole console, string message, int exitCode)
    {
        // One line: a multi-line message (rare) is joined so that logs and scripts see one sentence.
        console.Error.WriteLine("mailctl: " + message.ReplaceLineEndings(" "));
        return exitCode;
    }
}
