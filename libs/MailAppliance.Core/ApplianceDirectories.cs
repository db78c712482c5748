namespace MailAppliance.Core;

/// <summary>
/// Where the appliance keeps its files (DESIGN.md §2): <c>config/</c> is human-edited and may live in git,
/// <c>state/</c> is machine-owned. Every service and mailctl resolves them the same way, so tests, systemd units
/// and containers start exactly what they need.
/// </summary>
public sealed record ApplianceDirectories(string Config, string State)
{
    /// <summary>Environment variable naming the config directory.</summary>
    public const string ConfigVariable = "MAILAPPLIANCE_CONFIG";

    /// <summary>Environment variable naming the state directory.</summary>
    public const string StateVariable = "MAILAPPLIANCE_STATE";

    /// <summary>The main settings file inside the config directory.</summary>
    public string SettingsFile => Path.Combine(Config, "appliance.json");

    /// <summary>Per-domain data: users, aliases, DKIM keys.</summary>
    public string Domains => Path.Combine(Config, "domains");

    /// <summary>Certificates in the certbot/acme.sh layout: <c>certs/&lt;name&gt;/fullchain.pem</c>.</summary>
    public string Certs => Path.Combine(Config, "certs");

    /// <summary>The durable spool.</summary>
    public string Queue => Path.Combine(State, "queue");

    /// <summary>The mail log.</summary>
    public string Log => Path.Combine(State, "log");

    /// <summary>ACME account and order state.</summary>
    public string Acme => Path.Combine(State, "acme");

    /// <summary>Material the relay makes for itself (the fallback self-signed certificate).</summary>
    public string Tls => Path.Combine(State, "tls");

    /// <summary><c>state/mailboxes</c>: Maildirs of local users without forwarding.</summary>
    public string Mailboxes => Path.Combine(State, "mailboxes");

    /// <summary>The directory of one domain.</summary>
    public string Domain(string domain) => Path.Combine(Domains, domain.ToLowerInvariant());

    /// <summary>
    /// Resolves the directories from command-line options (<c>--config DIR</c>, <c>--state DIR</c>), then the
    /// environment, then the defaults <c>./config</c> and <c>./state</c>. Paths are made absolute.
    /// </summary>
    public static ApplianceDirectories Resolve(IReadOnlyList<string>? args = null)
    {
        string? config = OptionValue(args, "--config") ?? Environment.GetEnvironmentVariable(ConfigVariable);
        string? state = OptionValue(args, "--state") ?? Environment.GetEnvironmentVariable(StateVariable);
        return new ApplianceDirectories(
            Path.GetFullPath(string.IsNullOrWhiteSpace(config) ? "config" : config),
            Path.GetFullPath(string.IsNullOrWhiteSpace(state) ? "state" : state));
    }

    private static string? OptionValue(IReadOnlyList<string>? args, string name)
    {
        if (args is null)
        {
            return null;
        }

        for (int i = 0; i < args.Count; i++)
        {
            if (args[i] == name && i + 1 < args.Count)
            {
                return args[i + 1];
            }

            if (args[i].StartsWith(name + "=", StringComparison.Ordinal))
            {
                return args[i][(name.Length + 1)..];
            }
        }

        return null;
    }
}
