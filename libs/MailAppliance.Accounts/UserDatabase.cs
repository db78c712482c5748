using MailAppliance.Core;

namespace MailAppliance.Accounts;

/// <summary>
/// The sender accounts of one domain: the file <c>config/domains/&lt;domain&gt;/users</c>, one account per line,
/// <c>name hash</c> separated by spaces or tabs, where the name is the local part of the account's address and
/// the hash is a <see cref="PasswordHasher"/> hash. Blank lines and <c>#</c> comments are allowed and are kept
/// when the file is saved again.
/// </summary>
/// <remarks>
/// Names are stored lower-case and looked up case-insensitively: <c>John@example.com</c> and
/// <c>john@example.com</c> are the same account. A database that belongs to a <see cref="DomainDirectory"/>
/// snapshot is read-only (<see cref="IsReadOnly"/>); load the file again to edit it. A read-only database may be
/// used from many threads; an editable one may not.
/// </remarks>
public sealed class UserDatabase
{
    // The file as lines, so that comments and blank lines survive a save; accounts are indexed by name.
    private readonly List<Line> lines = [];
    private readonly Dictionary<string, Line> accounts = new(StringComparer.Ordinal);

    /// <summary>Creates an empty database that <see cref="Save"/> will write to <paramref name="path"/>.</summary>
    public UserDatabase(string path)
    {
        Path = path;
    }

    /// <summary>The file this database is read from and saved to.</summary>
    public string Path { get; }

    /// <summary>True for a database that belongs to a <see cref="DomainDirectory"/> snapshot: it cannot be changed.</summary>
    public bool IsReadOnly { get; private set; }

    /// <summary>The number of accounts.</summary>
    public int Count => accounts.Count;

    /// <summary>The account names (lower-case local parts), sorted.</summary>
    public IReadOnlyList<string> Names => [.. accounts.Keys.Order(StringComparer.Ordinal)];

    /// <summary>Reads a users file; a missing file is an empty database.</summary>
    /// <exception cref="ConfigurationFileException">
    /// A line is broken (no hash, an unknown hash scheme, a malformed hash, an invalid or duplicate name), naming
    /// the file and line; or the file cannot be read.
    /// </exception>
    public static UserDatabase Load(string path)
    {
        var database = new UserDatabase(path);
        var lines = LineFile.Read(path);
        if (lines is not null)
        {
            database.ParseLines(lines);
        }

        return database;
    }

    /// <summary>Parses the text of a users file; <paramref name="path"/> names it in errors and is where it saves.</summary>
    /// <exception cref="ConfigurationFileException">A line is broken, naming the file and line.</exception>
    public static UserDatabase Parse(string path, string text)
    {
        var database = new UserDatabase(path);
        database.ParseLines(LineFile.Split(text));
        return database;
    }

    /// <summary>True when the account exists (case-insensitive).</summary>
    public bool Contains(string name) => accounts.ContainsKey(name.ToLowerInvariant());

    /// <summary>
    /// True when the account exists and the password is right. An unknown account costs as much time as a
    /// known one, so that accounts cannot be enumerated by timing.
    /// </summary>
    public bool Verify(string name, string password) =>
        accounts.TryGetValue(name.ToLowerInvariant(), out var line)
            ? PasswordHasher.Verify(password, line.Hash!)
            : PasswordHasher.VerifyUnknownAccount(password);

    /// <summary>Adds an account with a newly hashed password, at the end of the file.</summary>
    /// <exception cref="ArgumentException">The name is not a valid account name, or the password is empty.</exception>
    /// <exception cref="InvalidOperationException">The account already exists, or the database is read-only.</exception>
    public void Add(string name, string password)
    {
        ThrowIfReadOnly();
        string key = ValidName(name);
        if (accounts.ContainsKey(key))
        {
            throw new InvalidOperationException($"the account '{key}' already exists");
        }

        var line = new Line(key, PasswordHasher.Hash(password), SourceLine: 0);
        lines.Add(line);
        accounts.Add(key, line);
    }

    /// <summary>Replaces an account's password, keeping its place in the file.</summary>
    /// <exception cref="KeyNotFoundException">The account does not exist.</exception>
    /// <exception cref="ArgumentException">The password is empty.</exception>
    /// <exception cref="InvalidOperationException">The database is read-only.</exception>
    public void SetPassword(string name, string password)
    {
        ThrowIfReadOnly();
        string key = name.ToLowerInvariant();
        if (!accounts.TryGetValue(key, out var old))
        {
            throw new KeyNotFoundException($"the account '{key}' does not exist");
        }

        var replacement = old with { Hash = PasswordHasher.Hash(password) };
        lines[lines.FindIndex(l => ReferenceEquals(l, old))] = replacement;
        accounts[key] = replacement;
    }

    /// <summary>Removes an account; false when there was none.</summary>
    /// <exception cref="InvalidOperationException">The database is read-only.</exception>
    public bool Remove(string name)
    {
        ThrowIfReadOnly();
        if (!accounts.Remove(name.ToLowerInvariant(), out var line))
        {
            return false;
        }

        lines.RemoveAt(lines.FindIndex(l => ReferenceEquals(l, line)));
        return true;
    }

    /// <summary>
    /// Writes the file atomically (temporary file, fsync, rename) with mode 0600, since it holds password hashes.
    /// Comments and blank lines are kept; the parent directory is created if missing.
    /// </summary>
    public void Save() => SafeFile.WriteAllText(Path, LineFile.Join(lines.Select(l => l.ToText())), SafeFile.Secret);

    /// <summary>The 1-based line an account was read from, or 0 when it was added since.</summary>
    internal int LineOf(string name) => accounts.TryGetValue(name.ToLowerInvariant(), out var line) ? line.SourceLine : 0;

    /// <summary>Makes the database read-only, once it becomes part of a shared snapshot.</summary>
    internal void Freeze() => IsReadOnly = true;

    private void ParseLines(IReadOnlyList<string> text)
    {
        for (int i = 0; i < text.Count; i++)
        {
            int number = i + 1;
            if (LineFile.IsBlankOrComment(text[i]))
            {
                lines.Add(new Line(null, null, number, text[i]));
                continue;
            }

            string[] fields = text[i].Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries);
            string name = fields[0].ToLowerInvariant();
            if (!AddressSyntax.IsValidAccountName(name, out string? nameProblem))
            {
                throw new ConfigurationFileException(Path, number, "invalid account name: " + nameProblem);
            }

            if (fields.Length < 2)
            {
                throw new ConfigurationFileException(Path, number, $"the account '{name}' has no password hash after its name");
            }

            if (fields.Length > 2)
            {
                throw new ConfigurationFileException(Path, number, $"unexpected text after the password hash of '{name}'");
            }

            if (!PasswordHasher.IsWellFormed(fields[1], out string? hashProblem))
            {
                throw new ConfigurationFileException(Path, number, $"the password hash of '{name}' is not valid: {hashProblem}");
            }

            if (accounts.TryGetValue(name, out var first))
            {
                throw new ConfigurationFileException(Path, number, $"duplicate account '{name}' (first on line {first.SourceLine})");
            }

            var line = new Line(name, fields[1], number);
            lines.Add(line);
            accounts.Add(name, line);
        }
    }

    private static string ValidName(string name)
    {
        string key = name.ToLowerInvariant();
        return AddressSyntax.IsValidAccountName(key, out string? problem)
            ? key
            : throw new ArgumentException("invalid account name: " + problem, nameof(name));
    }

    private void ThrowIfReadOnly()
    {
        if (IsReadOnly)
        {
            throw new InvalidOperationException(
                $"the users database {Path} belongs to a loaded DomainDirectory and is read-only; load the file to edit it");
        }
    }

    /// <summary>One line of the file: an account (Name and Hash set) or text kept as it was (comment, blank).</summary>
    private sealed record Line(string? Name, string? Hash, int SourceLine, string? Text = null)
    {
        public string ToText() => Name is null ? Text! : $"{Name} {Hash}";
    }
}
