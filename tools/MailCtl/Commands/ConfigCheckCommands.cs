using System.Globalization;
using System.Net;
using System.Text.Json;
using MailAppliance.Accounts;
using MailAppliance.Core;
using MailAppliance.Dkim;
using MailAppliance.MailCtl.Cli;

namespace MailAppliance.MailCtl.Commands;

/// <summary><c>mailctl config check</c>: every configuration file read as the services read it, every problem named by file and line.</summary>
public sealed class ConfigCheckCommands : CommandGroup
{
    /// <summary>The top-level sections of appliance.json that some part of the appliance reads (docs/configuration.md).</summary>
    public static readonly IReadOnlySet<string> KnownSections = new HashSet<string>(StringComparer.OrdinalIgnoreCase)
    {
        "Hostname", "Smtp", "Policy", "Accounts", "Spool", "Queue", "Delivery", "Dns", "MailLog", "SmtpRelay",
        "CertManager", "DnsVerifier", "Srs", "Spf", "Dmarc", "Logging", "AllowedHosts",
    };

    /// <summary>The listener modes the relay knows.</summary>
    public static readonly IReadOnlySet<string> ListenerModes = new HashSet<string>(StringComparer.OrdinalIgnoreCase)
    {
        "Mx", "Submission", "ImplicitTls",
    };

    /// <inheritdoc />
    public override string Name => "config";

    /// <inheritdoc />
    public override string Summary => "check appliance.json, users, aliases and DKIM keys; each problem as file:line: problem";

    /// <inheritdoc />
    protected override string Description =>
        "Reads appliance.json (JSON syntax, known sections, listeners and ports) and, for every domain, its users and\n" +
        "aliases files and DKIM keys, as the relay would read them. Every problem is printed as 'file:line: problem'\n" +
        "(line omitted when a problem concerns the whole file); the exit code is 1 when there is any.";

    /// <inheritdoc />
    protected override IReadOnlyList<Subcommand> Subcommands { get; } =
    [
        new("check", string.Empty, "check every configuration file; exit 1 on any problem", CheckAsync),
    ];

    private static Task<int> CheckAsync(CommandContext context, ParsedArguments arguments, CancellationToken cancellationToken)
    {
        var problems = new List<ConfigurationProblem>();
        CheckSettings(context.Directories.SettingsFile, problems);
        CheckDomains(context.Directories, problems);
        foreach (var problem in problems)
        {
            context.WriteLine(problem.ToString());
        }

        context.WriteLine(problems.Count == 0
            ? $"ok: {context.Directories.Config} has no problems"
            : $"{problems.Count.ToString(CultureInfo.InvariantCulture)} problem(s) in {context.Directories.Config}");
        return Task.FromResult(problems.Count == 0 ? ExitCode.Ok : ExitCode.Failure);
    }

    private static void CheckSettings(string path, List<ConfigurationProblem> problems)
    {
        if (!File.Exists(path))
        {
            problems.Add(new(path, 0, "missing: every setting has its default (mailctl init writes one)"));
            return;
        }

        byte[] bytes = File.ReadAllBytes(path);
        Dictionary<string, int> lines;
        JsonDocument document;
        var options = new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true };
        try
        {
            // The configuration provider accepts comments and trailing commas; so does this check.
            lines = PropertyLines(bytes, new JsonReaderOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
            document = JsonDocument.Parse(bytes, options);
        }
        catch (JsonException e)
        {
            // JsonException counts lines and positions from 0.
            long line = (e.LineNumber ?? 0) + 1;
            long position = (e.BytePositionInLine ?? 0) + 1;
            problems.Add(new(path, (int)line, $"JSON syntax error at position {position.ToString(CultureInfo.InvariantCulture)}: {FirstSentence(e.Message)}"));
            return;
        }

        using (document)
        {
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                problems.Add(new(path, 1, "the file must hold one JSON object"));
                return;
            }

            int LineOf(string propertyPath) => lines.GetValueOrDefault(propertyPath.ToLowerInvariant());
            foreach (var section in document.RootElement.EnumerateObject())
            {
                if (!KnownSections.Contains(section.Name))
                {
                    problems.Add(new(path, LineOf(section.Name), $"unknown section '{section.Name}' (no part of the appliance reads it; a typo?)"));
                }
            }

            if (Child(document.RootElement, "Hostname") is { } hostName &&
                (hostName.ValueKind != JsonValueKind.String || !MailAppliance.DnsRecords.DnsNames.IsHostName(hostName.GetString()!.TrimEnd('.'))))
            {
                problems.Add(new(path, LineOf("Hostname"), $"Hostname {hostName.GetRawText()} is not a host name"));
            }

            if (Child(document.RootElement, "Smtp") is { } smtp && Child(smtp, "Listeners") is { } listeners)
            {
                CheckListeners(path, listeners, LineOf, problems);
            }
        }
    }

    private static void CheckListeners(string path, JsonElement listeners, Func<string, int> lineOf, List<ConfigurationProblem> problems)
    {
        if (listeners.ValueKind != JsonValueKind.Object)
        {
            problems.Add(new(path, lineOf("Smtp:Listeners"), "Smtp:Listeners must be an object of named listeners"));
            return;
        }

        var used = new Dictionary<(string Address, int Port), string>();
        foreach (var listener in listeners.EnumerateObject())
        {
            string prefix = $"Smtp:Listeners:{listener.Name}";
            if (listener.Value.ValueKind != JsonValueKind.Object)
            {
                problems.Add(new(path, lineOf(prefix), $"{prefix} must be an object (Mode, Port, Addresses, Enabled)"));
                continue;
            }

            if (Child(listener.Value, "Enabled") is { } enabled && Text(enabled) is string enabledText &&
                bool.TryParse(enabledText, out bool on) && !on)
            {
                continue;
            }

            if (Child(listener.Value, "Mode") is { } mode && (Text(mode) is not string modeText || !ListenerModes.Contains(modeText)))
            {
                problems.Add(new(path, lineOf($"{prefix}:Mode"), $"{prefix}:Mode {mode.GetRawText()}: use Mx, Submission or ImplicitTls"));
            }

            int port = 0;
            if (Child(listener.Value, "Port") is { } portElement &&
                (Text(portElement) is not string portText || !int.TryParse(portText, NumberStyles.None, CultureInfo.InvariantCulture, out port) || port is < 1 or > 65535))
            {
                problems.Add(new(path, lineOf($"{prefix}:Port"), $"{prefix}:Port {portElement.GetRawText()}: a TCP port is 1 to 65535"));
                port = 0;
            }

            string addresses = Child(listener.Value, "Addresses") is { } addressElement ? Text(addressElement) ?? string.Empty : "0.0.0.0, ::";
            foreach (string address in addresses.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                if (!IPAddress.TryParse(address, out _))
                {
                    problems.Add(new(path, lineOf($"{prefix}:Addresses"), $"{prefix}:Addresses: '{address}' is not an IP address"));
                }
                else if (port > 0 && !used.TryAdd((address, port), listener.Name))
                {
                    problems.Add(new(path, lineOf($"{prefix}:Port"),
                        $"{prefix} binds {address} port {port.ToString(CultureInfo.InvariantCulture)}, as the listener '{used[(address, port)]}' does"));
                }
            }
        }
    }

    private static void CheckDomains(ApplianceDirectories directories, List<ConfigurationProblem> problems)
    {
        if (!Directory.Exists(directories.Domains))
        {
            return;
        }

        foreach (string domainDirectory in Directory.EnumerateDirectories(directories.Domains).Order(StringComparer.Ordinal))
        {
            string domain = Path.GetFileName(domainDirectory);
            Collect(problems, () => UserDatabase.Load(Path.Combine(domainDirectory, DomainDirectory.UsersFileName)));
            Collect(problems, () => AliasFile.Load(Path.Combine(domainDirectory, DomainDirectory.AliasesFileName), domain));
            string keyDirectory = DkimKeyDirectory.For(directories, domain);
            if (Directory.Exists(keyDirectory))
            {
                // One file at a time, so that every broken key is reported, not only the first.
                foreach (string file in Directory.EnumerateFiles(keyDirectory, "*" + DkimKeyDirectory.Extension).Order(StringComparer.Ordinal))
                {
                    Collect(problems, () => DkimKeyDirectory.LoadFile(file, domain).Dispose());
                }
            }
        }
    }

    private static void Collect(List<ConfigurationProblem> problems, Action load)
    {
        try
        {
            load();
        }
        catch (ConfigurationFileException e)
        {
            problems.Add(new(e.File, e.Line, e.Problem));
        }
    }

    private static JsonElement? Child(JsonElement element, string name)
    {
        if (element.ValueKind != JsonValueKind.Object)
        {
            return null;
        }

        // Configuration keys are case-insensitive.
        foreach (var property in element.EnumerateObject())
        {
            if (string.Equals(property.Name, name, StringComparison.OrdinalIgnoreCase))
            {
                return property.Value;
            }
        }

        return null;
    }

    /// <summary>A scalar as the configuration binder sees it (numbers and booleans as text), or null for objects and arrays.</summary>
    private static string? Text(JsonElement element) => element.ValueKind switch
    {
        JsonValueKind.String => element.GetString(),
        JsonValueKind.Number or JsonValueKind.True or JsonValueKind.False => element.GetRawText(),
        _ => null,
    };

    /// <summary>The 1-based line of every property, keyed by its lower-case configuration path (Smtp:Listeners:mx:Port).</summary>
    private static Dictionary<string, int> PropertyLines(byte[] bytes, JsonReaderOptions options)
    {
        var lines = new Dictionary<string, int>(StringComparer.Ordinal);
        var path = new Stack<string>();
        string? pending = null;
        var reader = new Utf8JsonReader(bytes, options);
        while (reader.Read())
        {
            switch (reader.TokenType)
            {
                case JsonTokenType.PropertyName:
                    pending = reader.GetString()!;
                    string key = string.Join(':', path.Reverse().Append(pending)).ToLowerInvariant();
                    lines.TryAdd(key, LineAt(bytes, reader.TokenStartIndex));
                    break;
                case JsonTokenType.StartObject or JsonTokenType.StartArray:
                    if (pending is not null)
                    {
                        path.Push(pending);
                    }
                    else if (reader.CurrentDepth > 0)
                    {
                        path.Push("*");
                    }

                    pending = null;
                    break;
                case JsonTokenType.EndObject or JsonTokenType.EndArray:
                    if (path.Count > 0 && reader.CurrentDepth > 0)
                    {
                        path.Pop();
                    }

                    break;
                default:
                    pending = null;
                    break;
            }
        }

        return lines;
    }

    private static int LineAt(byte[] bytes, long offset)
    {
        int line = 1;
        for (long i = 0; i < offset && i < bytes.Length; i++)
        {
            if (bytes[i] == (byte)'\n')
            {
                line++;
            }
        }

        return line;
    }

    private static string FirstSentence(string message)
    {
        // System.Text.Json appends "Path: $ | LineNumber: 3 | BytePositionInLine: 9."; the line is printed already.
        int cut = message.IndexOf(" Path:", StringComparison.Ordinal) is > 0 and int path ? path : message.IndexOf(" LineNumber:", StringComparison.Ordinal);
        return (cut > 0 ? message[..cut] : message).TrimEnd();
    }
}

/// <summary>One problem in a configuration file; <paramref name="Line"/> is 0 when it concerns the whole file.</summary>
public sealed record ConfigurationProblem(string File, int Line, string Problem)
{
    /// <inheritdoc />
    public override string ToString() =>
        Line > 0 ? $"{File}:{Line.ToString(CultureInfo.InvariantCulture)}: {Problem}" : $"{File}: {Problem}";
}
