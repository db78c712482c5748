using MailAppliance.IntegrationTests.Infrastructure;

namespace MailAppliance.IntegrationTests.Deploy;

/// <summary>
/// A unit file of deploy/systemd/ read the way systemd reads it (systemd.syntax(7)): <c>[Section]</c> headers,
/// <c>Key=Value</c> lines, <c>#</c>/<c>;</c> comments, a key repeated adds a value and an empty assignment resets
/// the list. The tests start the programs from what the unit says, so they check the unit, not a copy of it.
/// </summary>
public sealed class SystemdUnit
{
    private readonly Dictionary<(string Section, string Key), List<string>> _values = [];

    private SystemdUnit(string path) => Path = path;

    /// <summary>deploy/systemd in the repository.</summary>
    public static string Directory => System.IO.Path.Combine(Repo.Root, "deploy", "systemd");

    /// <summary>The unit file.</summary>
    public string Path { get; }

    /// <summary>The unit's name (<c>mailappliance-relay.service</c>).</summary>
    public string Name => System.IO.Path.GetFileName(Path);

    /// <summary>Reads <c>deploy/systemd/NAME</c>.</summary>
    public static SystemdUnit Load(string name)
    {
        var unit = new SystemdUnit(System.IO.Path.Combine(Directory, name));
        string section = string.Empty;
        foreach (string raw in File.ReadAllLines(unit.Path))
        {
            string line = raw.Trim();
            if (line.Length == 0 || line[0] is '#' or ';')
            {
                continue;
            }

            if (line.StartsWith('[') && line.EndsWith(']'))
            {
                section = line[1..^1];
                continue;
            }

            int equals = line.IndexOf('=');
            if (equals <= 0)
            {
                throw new FormatException($"{unit.Path}: not a Key=Value line: {raw}");
            }

            string key = line[..equals].Trim();
            string value = line[(equals + 1)..].Trim();
            if (!unit._values.TryGetValue((section, key), out var values))
            {
                unit._values[(section, key)] = values = [];
            }

            if (value.Length == 0)
            {
                values.Clear(); // systemd.exec(5): an empty assignment resets the list.
            }
            else
            {
                values.Add(value);
            }
        }

        return unit;
    }

    /// <summary>Every value of <paramref name="key"/> in <paramref name="section"/>, in file order.</summary>
    public IReadOnlyList<string> All(string section, string key) =>
        _values.TryGetValue((section, key), out var values) ? values : [];

    /// <summary>The last value of a key (the one systemd uses for single-valued settings), or null.</summary>
    public string? Get(string section, string key) => All(section, key) is { Count: > 0 } values ? values[^1] : null;

    /// <summary>True when the key is present, even with an empty (reset) value.</summary>
    public bool Has(string section, string key) => _values.ContainsKey((section, key));

    /// <summary>A <c>[Service]</c> setting.</summary>
    public string? Service(string key) => Get("Service", key);

    /// <summary>
    /// The capabilities a list setting names (<c>AmbientCapabilities=CAP_NET_BIND_SERVICE</c>), upper case,
    /// without duplicates; empty when the setting is absent or reset.
    /// </summary>
    public IReadOnlySet<string> Capabilities(string key) =>
        All("Service", key).SelectMany(v => v.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .Select(c => c.ToUpperInvariant()).ToHashSet(StringComparer.Ordinal);

    /// <summary>The <c>Environment=</c> assignments (<c>KEY=value</c>, space-separated, no quoting used here).</summary>
    public IReadOnlyDictionary<string, string> Environment()
    {
        var environment = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (string value in All("Service", "Environment"))
        {
            foreach (string assignment in value.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            {
                int equals = assignment.IndexOf('=');
                environment[assignment[..equals]] = assignment[(equals + 1)..];
            }
        }

        return environment;
    }

    /// <summary>
    /// <c>ExecStart=</c> split into the program and its arguments (systemd.service(5) "Command lines"; the units
    /// use no quoting, so a space separates words). A leading <c>-</c>, <c>@</c>, <c>:</c>, <c>+</c> or <c>!</c>
    /// prefix would change how systemd runs it, so none is allowed here.
    /// </summary>
    public (string Program, IReadOnlyList<string> Arguments) ExecStart()
    {
        string command = Service("ExecStart") ?? throw new InvalidOperationException($"{Name} has no ExecStart=");
        if ("-@:+!".Contains(command[0], StringComparison.Ordinal))
        {
            throw new InvalidOperationException($"{Name}: ExecStart= with a prefix is not supported: {command}");
        }

        string[] words = command.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        return (words[0], words[1..]);
    }

    /// <summary>The absolute programs of every <c>Exec*=</c> command line (for <c>systemd-analyze verify</c>).</summary>
    public IEnumerable<string> ExecPrograms() =>
        _values.Where(pair => pair.Key.Section == "Service" && pair.Key.Key.StartsWith("Exec", StringComparison.Ordinal))
            .SelectMany(pair => pair.Value)
            .Select(command => command.TrimStart('-', '@', ':', '+', '!').Split(' ', 2)[0]);

    public override string ToString() => Name;
}
