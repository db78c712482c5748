namespace MailAppliance.Core;

/// <summary>
/// A broken users, aliases, key or settings file. Start-up and reload stop with the file and line named,
/// because silent failure is worse (DESIGN.md §2).
/// </summary>
public sealed class ConfigurationFileException : Exception
{
    /// <summary>Creates the exception.</summary>
    public ConfigurationFileException(string file, int line, string problem, Exception? inner = null)
        : base(line > 0 ? $"{file}:{line}: {problem}" : $"{file}: {problem}", inner)
    {
        File = file;
        Line = line;
        Problem = problem;
    }

    /// <summary>The file at fault.</summary>
    public string File { get; }

    /// <summary>The 1-based line, or 0 when the whole file is at fault.</summary>
    public int Line { get; }

    /// <summary>What is wrong, in one sentence.</summary>
    public string Problem { get; }
}
