using System.Text;

namespace MailAppliance.MailCtl.Cli;

/// <summary>
/// A command group made of <see cref="Subcommand"/>s: selects the subcommand, checks its options and argument
/// count, and writes the help text from the subcommands' own descriptions so that it cannot drift.
/// </summary>
public abstract class CommandGroup : ICommandGroup
{
    /// <inheritdoc />
    public abstract string Name { get; }

    /// <inheritdoc />
    public abstract string Summary { get; }

    /// <inheritdoc />
    public string Help
    {
        get
        {
            var help = new StringBuilder();
            help.AppendLine($"usage: mailctl {Name} COMMAND [ARGUMENTS]");
            help.AppendLine();
            help.AppendLine(Description);
            help.AppendLine();
            help.AppendLine("Commands:");
            foreach (var subcommand in Subcommands)
            {
                help.AppendLine($"  {Name} {subcommand.Name} {subcommand.Usage}".TrimEnd());
                help.AppendLine($"      {subcommand.Summary}");
            }

            return help.ToString();
        }
    }

    /// <summary>A paragraph for the help text, after the usage line.</summary>
    protected abstract string Description { get; }

    /// <summary>The group's commands, in the order the help lists them.</summary>
    protected abstract IReadOnlyList<Subcommand> Subcommands { get; }

    /// <inheritdoc />
    public Task<int> RunAsync(CommandContext context, IReadOnlyList<string> arguments, CancellationToken cancellationToken = default)
    {
        if (arguments.Count == 0)
        {
            throw new UsageException($"'mailctl {Name}' needs a command; see 'mailctl {Name} --help'");
        }

        if (arguments.Any(IsHelpOption) || arguments[0] == "help")
        {
            context.Console.Output.Write(Help);
            return Task.FromResult(ExitCode.Ok);
        }

        var subcommand = Subcommands.FirstOrDefault(s => s.Name == arguments[0])
            ?? throw new UsageException($"'{arguments[0]}' is not a '{Name}' command; see 'mailctl {Name} --help'");
        var parsed = ArgumentParser.Parse([.. arguments.Skip(1)], subcommand.ValueOptions, subcommand.Flags);
        if (parsed.Positional.Count < subcommand.MinArguments || parsed.Positional.Count > subcommand.MaxArguments)
        {
            throw new UsageException($"usage: mailctl {Name} {subcommand.Name} {subcommand.Usage}".TrimEnd());
        }

        return subcommand.RunAsync(context, parsed, cancellationToken);
    }

    /// <summary>True for <c>--help</c> and <c>-h</c>.</summary>
    public static bool IsHelpOption(string argument) => argument is "--help" or "-h";
}
