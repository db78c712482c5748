namespace MailAppliance.MailCtl.Cli;

/// <summary>
/// Splits a command's arguments into positional arguments and <c>--name value</c> (or <c>--name=value</c>)
/// options. <c>--</c> ends the options, so a positional argument may start with a dash.
/// </summary>
public static class ArgumentParser
{
    /// <summary>Parses <paramref name="arguments"/>, accepting only the options named in <paramref name="valueOptions"/>.</summary>
    /// <exception cref="UsageException">An unknown option, an option without its value, or one given twice.</exception>
    public static ParsedArguments Parse(IReadOnlyList<string> arguments, IReadOnlyCollection<string> valueOptions, IReadOnlyCollection<string>? flags = null)
    {
        var positional = new List<string>();
        var options = new Dictionary<string, string>(StringComparer.Ordinal);
        bool optionsEnded = false;
        for (int i = 0; i < arguments.Count; i++)
        {
            string argument = arguments[i];
            if (optionsEnded || argument == "-" || !argument.StartsWith('-'))
            {
                positional.Add(argument);
                continue;
            }

            if (argument == "--")
            {
                optionsEnded = true;
                continue;
            }

            string name = argument;
            string? value = null;
            int equals = argument.IndexOf('=', StringComparison.Ordinal);
            if (equals > 0)
            {
                name = argument[..equals];
                value = argument[(equals + 1)..];
            }

            if (value is null && flags is not null && flags.Contains(name))
            {
                // A flag (e.g. --json) takes no value; its presence is what counts.
                if (!options.TryAdd(name, "true"))
                {
                    throw new UsageException($"the option '{name}' is given twice");
                }

                continue;
            }

            if (!valueOptions.Contains(name))
            {
                throw new UsageException($"unknown option '{name}'");
            }

            if (value is null)
            {
                if (i + 1 >= arguments.Count)
                {
                    throw new UsageException($"the option '{name}' needs a value");
                }

                value = arguments[++i];
            }

            if (!options.TryAdd(name, value))
            {
                throw new UsageException($"the option '{name}' is given twice");
            }
        }

        return new ParsedArguments(positional, options);
    }
}

/// <summary>Positional arguments and option values of one command.</summary>
public sealed record ParsedArguments(IReadOnlyList<string> Positional, IReadOnlyDictionary<string, string> Options)
{
    /// <summary>An option's value, or null when it was not given.</summary>
    public string? Option(string name) => Options.GetValueOrDefault(name);
}
