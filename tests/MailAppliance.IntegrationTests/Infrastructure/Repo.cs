using System.Diagnostics;

namespace MailAppliance.IntegrationTests.Infrastructure;

/// <summary>Finds the repository and the build outputs of the programs the tests start as real processes.</summary>
public static class Repo
{
    private static readonly Lazy<string> RootPath = new(() =>
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "MailAppliance.sln")))
        {
            dir = dir.Parent;
        }

        return dir?.FullName ?? throw new InvalidOperationException("MailAppliance.sln not found above " + AppContext.BaseDirectory);
    });

    /// <summary>The repository root.</summary>
    public static string Root => RootPath.Value;

    /// <summary>The build configuration these tests were built with (the programs are built with the same one).</summary>
    public static string Configuration =>
#if DEBUG
        "Debug";
#else
        "Release";
#endif

    /// <summary>Path of a built program's dll, e.g. <c>Program("services/SmtpRelay", "SmtpRelay")</c>.</summary>
    public static string Program(string projectDirectory, string assemblyName)
    {
        string path = Path.Combine(Root, projectDirectory, "bin", Configuration, "net10.0", assemblyName + ".dll");
        return File.Exists(path) ? path : throw new FileNotFoundException("build the solution first", path);
    }

    /// <summary>The relay's dll.</summary>
    public static string SmtpRelay => Program("services/SmtpRelay", "SmtpRelay");

    /// <summary>mailctl's dll.</summary>
    public static string MailCtl => Program("tools/MailCtl", "mailctl");

    /// <summary>Runs a program to completion and returns its exit code and output.</summary>
    public static async Task<(int ExitCode, string StdOut, string StdErr)> RunAsync(
        string fileName, IEnumerable<string> arguments, IDictionary<string, string>? environment = null,
        string? stdin = null, TimeSpan? timeout = null)
    {
        var info = new ProcessStartInfo(fileName)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (string a in arguments)
        {
            info.ArgumentList.Add(a);
        }

        if (environment is not null)
        {
            foreach (var (k, v) in environment)
            {
                info.Environment[k] = v;
            }
        }

        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (stdin is not null)
        {
            await process.StandardInput.WriteAsync(stdin);
        }

        process.StandardInput.Close();
        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(60));
        try
        {
            await process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{fileName} {string.Join(' ', arguments)} did not finish in time");
        }

        return (process.ExitCode, await stdout, await stderr);
    }

    /// <summary>Runs a .NET program (a dll) with the dotnet host.</summary>
    public static Task<(int ExitCode, string StdOut, string StdErr)> RunDotnetAsync(
        string dll, IEnumerable<string> arguments, IDictionary<string, string>? environment = null, string? stdin = null) =>
        RunAsync("dotnet", new[] { dll }.Concat(arguments), environment, stdin);
}
