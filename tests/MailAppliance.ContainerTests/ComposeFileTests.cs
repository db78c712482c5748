using MailAppliance.ContainerTests.Infrastructure;

namespace MailAppliance.ContainerTests;

/// <summary>docker/compose.yaml as Debian's docker-compose 1.29 reads it (it rejects a top-level <c>name:</c>).</summary>
public sealed class ComposeFileTests
{
    private static string ComposeFile => Path.Combine(Shell.RepoRoot, "docker", "compose.yaml");

    [ContainerFact]
    public async Task Docker_compose_validates_the_compose_file()
    {
        var result = await Shell.RunAsync("docker-compose", ["-f", ComposeFile, "config", "-q"]);

        Assert.True(result.Succeeded, result.ToString());
        Assert.Equal(string.Empty, result.StdErr.Trim());
    }

    [ContainerFact]
    public async Task Every_service_has_a_health_check_a_restart_policy_and_the_relay_runs_on_the_host_network()
    {
        var result = await Shell.RunAsync("docker-compose", ["-f", ComposeFile, "config"]);
        Assert.True(result.Succeeded, result.ToString());

        string config = result.StdOut;
        foreach (string service in (string[])["relay", "certmanager", "dnsverifier"])
        {
            string block = ServiceBlock(config, service);
            Assert.Contains("healthcheck:", block, StringComparison.Ordinal);
            Assert.Contains("restart: unless-stopped", block, StringComparison.Ordinal);
            Assert.Contains("network_mode: host", block, StringComparison.Ordinal);
        }

        Assert.Contains("/var/run/docker.sock:/var/run/docker.sock", ServiceBlock(config, "certmanager"), StringComparison.Ordinal);
    }

    // The lines of one service in `docker-compose config` output (services are indented by two spaces).
    private static string ServiceBlock(string config, string service)
    {
        var lines = config.Split('\n');
        int start = Array.FindIndex(lines, l => l == $"  {service}:");
        Assert.True(start >= 0, $"service {service} not in:\n{config}");
        var block = lines.Skip(start + 1).TakeWhile(l => l.StartsWith("    ", StringComparison.Ordinal) || l.Length == 0);
        return string.Join('\n', block);
    }
}
