using Microsoft.Extensions.Configuration;

namespace MailAppliance.AppHost;

/// <summary>
/// What the AppHost hands the services, bound from the AppHost's own configuration section <c>Appliance</c>
/// (command line <c>Appliance:MxPort=2600</c>, environment <c>Appliance__MxPort=2600</c>). The defaults are the
/// development setup; tests override the directories and ports so they never touch a developer's running copy.
/// </summary>
/// <remarks>
/// Production does not run the AppHost: systemd units or the compose file start the services with a production
/// <c>appliance.json</c> that puts the listeners on 25, 587 and 465 (the relay needs root or
/// <c>CAP_NET_BIND_SERVICE</c> for those, and runs on the host network so it sees client addresses). The AppHost
/// uses unprivileged ports so that it runs as any user and never fights a local MTA for port 25.
/// </remarks>
internal sealed class ApplianceSettings
{
    /// <summary>Name of the configuration section.</summary>
    public const string SectionName = "Appliance";

    /// <summary>The config directory; default <c>&lt;repo&gt;/dev/config</c>.</summary>
    public string ConfigDirectory { get; set; } = "";

    /// <summary>The state directory; default <c>&lt;repo&gt;/.state/dev</c> (git-ignored).</summary>
    public string StateDirectory { get; set; } = "";

    /// <summary>Addresses every SMTP listener binds, comma-separated (the relay's <c>Addresses</c> format).</summary>
    public string SmtpAddresses { get; set; } = "127.0.0.1, ::1";

    /// <summary>
    /// DNS servers for every service (the <c>Dns:Servers</c> format), or empty for the services' own setting
    /// (appliance.json, else /etc/resolv.conf). Tests set a closed loopback port so nothing leaves the machine.
    /// </summary>
    public string DnsServers { get; set; } = "";

    /// <summary>Port of the <c>mx</c> listener (production: 25).</summary>
    public int MxPort { get; set; } = 2525;

    /// <summary>Port of the <c>submission</c> listener, STARTTLS (production: 587).</summary>
    public int SubmissionPort { get; set; } = 2587;

    /// <summary>Port of the <c>submissions</c> listener, implicit TLS (production: 465).</summary>
    public int SubmissionsPort { get; set; } = 2465;

    /// <summary>Binds the section and fills in the directory defaults, made absolute from the AppHost's directory.</summary>
    public static ApplianceSettings Bind(IDistributedApplicationBuilder builder)
    {
        var settings = builder.Configuration.GetSection(SectionName).Get<ApplianceSettings>() ?? new ApplianceSettings();
        string repository = Path.GetFullPath(Path.Combine(builder.AppHostDirectory, ".."));
        settings.ConfigDirectory = Path.GetFullPath(
            string.IsNullOrWhiteSpace(settings.ConfigDirectory) ? Path.Combine(repository, "dev", "config") : settings.ConfigDirectory);
        settings.StateDirectory = Path.GetFullPath(
            string.IsNullOrWhiteSpace(settings.StateDirectory) ? Path.Combine(repository, ".state", "dev") : settings.StateDirectory);
        return settings;
    }
}
