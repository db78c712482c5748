namespace MailAppliance.MailCtl.Cli;

/// <summary>
/// One group of mailctl commands (<c>mailctl user ...</c>, <c>mailctl queue ...</c>). To add a group, implement
/// this (usually by deriving from <see cref="CommandGroup"/>) in <c>Commands/</c> and list it in <c>Program.cs</c>.
/// </summary>
public interface ICommandGroup
{
    /// <summary>The word that selects the group: <c>mailctl NAME ...</c>.</summary>
    string Name { get; }

    /// <summary>One line for <c>mailctl help</c>.</summary>
    string Summary { get; }

    /// <summary>The full usage text, printed by <c>mailctl NAME --help</c> and <c>mailctl help NAME</c>.</summary>
    string Help { get; }

    /// <summary>Runs the group with the arguments after its name (global options already removed).</summary>
    /// <returns>The exit code (<see cref="ExitCode"/>).</returns>
    /// <exception cref="UsageException">The arguments are wrong: exit code 2.</exception>
    /// <exception cref="CommandFailedException">The command could not do its job: exit code 1.</exception>
    Task<int> RunAsync(CommandContext context, IReadOnlyList<string> arguments, CancellationToken cancellationToken = default);
}
