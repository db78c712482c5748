using MailAppliance.Core;

namespace MailAppliance.Tests.Core;

/// <summary>
/// appliance.json &lt; environment &lt; command line, except the <c>HOSTNAME</c> variable shells and Docker export:
/// configuration keys ignore case, so it would replace the configured <c>Hostname</c> (a container greeting as its id).
/// </summary>
public sealed class ApplianceConfigurationTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("mailappliance-configuration-").FullName;
    private readonly string? _hostname = Environment.GetEnvironmentVariable("HOSTNAME");

    public void Dispose()
    {
        Environment.SetEnvironmentVariable("HOSTNAME", _hostname);
        Directory.Delete(_root, recursive: true);
    }

    [Fact]
    public void The_exported_HOSTNAME_does_not_replace_the_configured_host_name_but_other_variables_still_win()
    {
        var directories = new ApplianceDirectories(Path.Combine(_root, "config"), Path.Combine(_root, "state"));
        Directory.CreateDirectory(directories.Config);
        File.WriteAllText(directories.SettingsFile, """{ "Hostname": "mail.example.test", "ConfigurationTest": { "Probe": "file" } }""");
        Environment.SetEnvironmentVariable("HOSTNAME", "3f2a9c1b7d4e");
        Environment.SetEnvironmentVariable("ConfigurationTest__Probe", "environment");
        try
        {
            var configuration = ApplianceConfiguration.Load(directories);

            Assert.Equal("mail.example.test", configuration["Hostname"]);
            Assert.Equal("environment", configuration["ConfigurationTest:Probe"]);
        }
        finally
        {
            Environment.SetEnvironmentVariable("ConfigurationTest__Probe", null);
        }
    }
}
