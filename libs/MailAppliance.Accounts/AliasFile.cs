using System.Diagnostics.CodeAnalysis;
using MailAppliance.Core;

namespace MailAppliance.Accounts;

/// <summary>
/// The aliases of one domain: the file <c>config/domains/&lt;domain&gt;/aliases</c> in chasquid's format. Each line is
/// <c>name: target, target, ...</c>; <c>*</c> as the name is the catch-all, which takes mail for any address of
/// the domain that no user or alias takes; lines starting with <c>#</c> and blank lines are ignored and kept when
/// the file is saved again. Empty targets are skipped (<c>a: b,</c> is fine). When a name appears twice, the last
/// line wins, as in chasquid.
/// </summary>
/// <remarks>
/// Two chasquid forms are refused with a clear error: pipe aliases (<c>name: | command</c>), because this appliance
/// runs no commands, and chasquid's <c>address via server</c> forwards. A target with <c>*</c> as its user is
/// refused too. An aliases file that belongs to a <see cref="DomainDirectory"/> snapshot is read-only
/// (<see cref="IsReadOnly"/>).
/// </remarks>
public sealed class AliasFile
{
    /// <summary>The name of the catch-all alias.</summary>
    public const string CatchAllName = "*";

    // The file as lines, so that comments, blank lines and the operator's order survive a save.
    private readonly List<Line> lines = [];
    private Dictionary<string, AliasEntry> effective = new(StringComparer.Ordinal);

    /// <summary>Creates an empty aliases file for <paramref name="domain"/> that <see cref="Save"/> will write to <paramref name="path"/>.</summary>
    public AliasFile(string path, string domain)
    {
        Path = path;
        Domain = domain.ToLowerInvariant();
    }

    /// <summary>The file this is read from and saved to.</summary>
    public string Path { get; }

    /// <summary>The domain the aliases belong to; targets without a domain get this one.</summary>
    public string Domain { get; }

    /// <summary>True when the file belongs to a <see cref="DomainDirectory"/> snapshot: it cannot be changed.</summary>
    public bool IsReadOnly { get; private set; }

    /// <summary>Every entry in file order, including ones a later line with the same name overrides.</summary>
    public IReadOnlyList<AliasEntry> Entries => [.. lines.Where(l => l.Entry is not null).Select(l => l.Entry!)];

    /// <summary>The entries in effect, by name: the last line for each name.</summary>
    public IReadOnlyDictionary<string, AliasEntry> Aliases => effective;

    /// <summary>The catch-all's targets, or null when the domain has no catch-all.</summary>
    public IReadOnlyList<EmailAddress>? CatchAll => effective.GetValueOrDefault(CatchAllName)?.Targets;

    /// <summary>Reads an aliases file; a missing file has no aliases.</summary>
    /// <exception cref="ConfigurationFileException">A line is broken, naming the file and line; or the file cannot be read.</exception>
    public static AliasFile Load(string path, string domain)
    {
        var file = new AliasFile(path, domain);
        var lines = LineFile.Read(path);
        if (lines is not null)
        {
            file.ParseLines(lines);
        }

        return file;
    }

    /// <summary>Parses the text of an aliases file; <paramref name="path"/> names it in errors and is where it saves.</summary>
    /// <exception cref="ConfigurationFileException">A line is broken, naming the file and line.</exception>
    public static AliasFile Parse(string path, string domain, string text)
    {
        var file = new AliasFile(path, domain);
        file.ParseLines(LineFile.Split(text));
        return file;
    }

    /// <summary>True when an alias of that name (case-insensitive, exactly as written) is defined.</summary>
    public bool Contains(string name) => effective.ContainsKey(name.ToLowerInvariant());

    /// <summary>The targets of an alias (case-insensitive name, exactly as written, no normalization).</summary>
    public bool TryGetTargets(string name, [NotNullWhen(true)] out IReadOnlyList<EmailAddress>? targets)
    {
        targets = effective.GetValueOrDefault(name.ToLowerInvariant())?.Targets;
        return targets is not null;
    }

    /// <summary>Adds <c>name: target, target</c> at the end of the file.</summary>
    /// <exception cref="ArgumentException">The name or a target is not valid (the message says why).</exception>
    /// <exception cref="InvalidOperationException">The alias already exists, or the file is read-only.</exception>
    public void Add(string name, IEnumerable<string> targets)
    {
        ThrowIfReadOnly();
        string text = $"{name.Trim().ToLowerInvariant()}: {string.Join(", ", targets.Select(t => t.Trim()))}";
        AliasEntry entry;
        try
        {
            // Parse the line exactly as a load would, so that nothing is written that the next load refuses.
            entry = ParseEntry(text, lineNumber: 0);
        }
        catch (ConfigurationFileException e)
        {
            throw new ArgumentException(e.Problem, nameof(targets), e);
        }

        if (effective.ContainsKey(entry.Name))
        {
            throw new InvalidOperationException($"the alias '{entry.Name}' already exists");
        }

        lines.Add(new Line(text, entry));
        Reindex();
    }

    /// <summary>Removes every line defining the alias (case-insensitive, exactly as written); returns how many.</summary>
    /// <exception cref="InvalidOperationException">The file is read-only.</exception>
    public int Remove(string name)
    {
        ThrowIfReadOnly();
        string key = name.Trim().ToLowerInvariant();
        int removed = lines.RemoveAll(l => l.Entry?.Name == key);
        Reindex();
        return removed;
    }

    /// <summary>
    /// Writes the file atomically (temporary file, fsync, rename), keeping comments and blank lines; the parent
    /// directory is created if missing.
    /// </summary>
    public void Save() => SafeFile.WriteAllText(Path, LineFile.Join(lines.Select(l => l.Text)), SafeFile.Public);

    /// <summary>Makes the file read-only, once it becomes part of a shared snapshot.</summary>
    internal void Freeze() => IsReadOnly = true;

    private void ParseLines(IReadOnlyList<string> text)
    {
        for (int i = 0; i < text.Count; i++)
        {
            lines.Add(new Line(text[i], LineFile.IsBlankOrComment(text[i]) ? null : ParseEntry(text[i], i + 1)));
        }

        Reindex();
    }

    private AliasEntry ParseEntry(string text, int lineNumber)
    {
        int colon = text.IndexOf(':', StringComparison.Ordinal);
        if (colon < 0)
        {
            throw Broken(lineNumber, "missing ':' between the alias name and its targets");
        }

        string name = text[..colon].Trim().ToLowerInvariant();
        string right = text[(colon + 1)..].Trim();
        if (name.Length == 0)
        {
            throw Broken(lineNumber, "missing the alias name before ':'");
        }

        if (name.Contains('@', StringComparison.Ordinal))
        {
            throw Broken(lineNumber, $"the alias name '{name}' must not contain '@': the domain is the directory's");
        }

        if (name != CatchAllName && !AddressSyntax.IsValidAccountName(name, out string? nameProblem))
        {
            throw Broken(lineNumber, "invalid alias name: " + nameProblem);
        }

        if (right.StartsWith('|'))
        {
            throw Broken(lineNumber, $"the alias '{name}' pipes to a command, which is not supported: this appliance does not run commands");
        }

        var targets = new List<EmailAddress>();
        foreach (string raw in right.Split(','))
        {
            string target = raw.Trim();
            if (target.Length > 0)
            {
                targets.Add(ParseTarget(name, target, lineNumber));
            }
        }

        return targets.Count == 0
            ? throw Broken(lineNumber, $"the alias '{name}' has no targets after ':'")
            : new AliasEntry(name, targets, lineNumber);
    }

    private EmailAddress ParseTarget(string name, string target, int lineNumber)
    {
        if (target.Contains(" via ", StringComparison.Ordinal))
        {
            throw Broken(lineNumber, $"the alias '{name}' forwards 'via' given servers, which is not supported");
        }

        if (target.Any(c => char.IsWhiteSpace(c) || char.IsControl(c)))
        {
            throw Broken(lineNumber, $"the target '{AddressSyntax.Printable(target)}' of '{name}' contains whitespace or a control character");
        }

        if (target.StartsWith('|'))
        {
            throw Broken(lineNumber, $"the alias '{name}' pipes to a command, which is not supported: this appliance does not run commands");
        }

        int at = target.IndexOf('@', StringComparison.Ordinal);
        if (at < 0 && !AddressSyntax.IsValidAccountName(target.ToLowerInvariant(), out string? localProblem))
        {
            throw Broken(lineNumber, $"the target '{target}' of '{name}' is not a valid local name: {localProblem}");
        }

        if (at != target.LastIndexOf('@'))
        {
            throw Broken(lineNumber, $"the target '{target}' of '{name}' has more than one '@'");
        }

        var address = at < 0 ? new EmailAddress(target, Domain) : EmailAddress.TryParse(target, out var parsed)
            ? parsed
            : throw Broken(lineNumber, $"the target '{target}' of '{name}' is not an address of the form user@domain");
        if (address.LocalPart == "*")
        {
            throw Broken(lineNumber, $"the target '{target}' of '{name}' copies the user with '*', which is not supported");
        }

        return AddressSyntax.IsValidDomain(address.Domain, out string? domainProblem)
            ? address
            : throw Broken(lineNumber, $"the target '{target}' of '{name}' has an invalid domain: {domainProblem}");
    }

    private void Reindex()
    {
        var next = new Dictionary<string, AliasEntry>(StringComparer.Ordinal);
        foreach (var line in lines)
        {
            if (line.Entry is not null)
            {
                next[line.Entry.Name] = line.Entry; // The last line wins, as in chasquid.
            }
        }

        effective = next;
    }

    private ConfigurationFileException Broken(int lineNumber, string problem) => new(Path, lineNumber, problem);

    private void ThrowIfReadOnly()
    {
        if (IsReadOnly)
        {
            throw new InvalidOperationException(
                $"the aliases file {Path} belongs to a loaded DomainDirectory and is read-only; load the file to edit it");
        }
    }

    /// <summary>One line of the file, as written, and the entry it defines (null for comments and blank lines).</summary>
    private sealed record Line(string Text, AliasEntry? Entry);
}
