namespace MailAppliance.MailCtl.Cli;

/// <summary>One command of a <see cref="CommandGroup"/>, e.g. <c>add</c> in <c>mailctl user add</c>.</summary>
/// <param name="Name">The word that selects it.</param>
/// <param name="Usage">Its arguments for the help text, e.g. <c>ADDRESS [--password P]</c>.</param>
/// <param name="Summary">What it does, for the help text.</param>
/// <param name="RunAsync">Runs it; returns the exit code.</param>
public sealed record Subcommand(
    string Name, string Usage, string Summary, Func<CommandContext, ParsedArguments, CancellationToken, Task<int>> RunAsync)
{
    /// <summary>The options it takes, each with a value (e.g. <c>--password</c>).</summary>
    public IReadOnlyList<string> ValueOptions { get; init; } = [];

    /// <summary>Options that take no value (<c>--json</c>).</summary>
    public IReadOnlyList<string> Flags { get; init; } = [];

    /// <summary>The fewest positional arguments it takes.</summary>
    public int MinArguments { get; init; }

    /// <summary>The most positional arguments it takes.</summary>
    public int MaxArguments { get; init; }
}
