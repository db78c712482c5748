using MailAppliance.IntegrationTests.Infrastructure;

namespace MailAppliance.IntegrationTests.MailCtl;

/// <summary>A temporary config directory and a way to run the built mailctl against it.</summary>
internal sealed class MailCtlFixture : IDisposable
{
    public MailCtlFixture()
    {
        Root = Directory.CreateTempSubdirectory("mailappliance-mailctl-").FullName;
        Config = Path.Combine(Root, "config");
        Directory.CreateDirectory(Config);
    }

    public string Root { get; }

    public string Config { get; }

    public string UsersFile(string domain) => Path.Combine(Config, "domains", domain, "users");

    public string AliasesFile(string domain) => Path.Combine(Config, "domains", domain, "aliases");

    /// <summary>Runs <c>mailctl --config CONFIG ARGS</c>; standard input is not a terminal.</summary>
    public async Task<MailCtlResult> RunAsync(string[] arguments, string? stdin = null)
    {
        var (exitCode, stdout, stderr) = await Repo.RunDotnetAsync(
            Repo.MailCtl, ["--config", Config, .. arguments], Environment(), stdin);
        return new MailCtlResult(exitCode, stdout, stderr);
    }

    /// <summary>Runs mailctl with the config directory given by <c>MAILAPPLIANCE_CONFIG</c> instead of the option.</summary>
    public async Task<MailCtlResult> RunWithEnvironmentAsync(params string[] arguments)
    {
        var environment = Environment();
        environment["MAILAPPLIANCE_CONFIG"] = Config;
        var (exitCode, stdout, stderr) = await Repo.RunDotnetAsync(Repo.MailCtl, arguments, environment);
        return new MailCtlResult(exitCode, stdout, stderr);
    }

    public void Dispose() => Directory.Delete(Root, recursive: true);

    // The state directory is never used by these commands, but keep it out of the working directory anyway.
    private Dictionary<string, string> Environment() => new() { ["MAILAPPLIANCE_STATE"] = Path.Combine(Root, "state") };
}

/// <summary>What a mailctl run printed and returned.</summary>
internal sealed record MailCtlResult(int ExitCode, string StdOut, string StdErr)
{
    /// <summary>Standard output as lines.</summary>
    public string[] Lines => StdOut.Split('\n', StringSplitOptions.RemoveEmptyEntries);

    public override string ToString() => $"exit {ExitCode}; stdout: {StdOut}; stderr: {StdErr}";
}
