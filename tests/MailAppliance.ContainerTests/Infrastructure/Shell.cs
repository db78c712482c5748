using System.Diagnostics;
using System.Text;

namespace MailAppliance.ContainerTests.Infrastructure;

/// <summary>What a finished command returned.</summary>
/// <param name="ExitCode">The exit code.</param>
/// <param name="StdOut">Everything it wrote to stdout.</param>
/// <param name="StdErr">Everything it wrote to stderr.</param>
public sealed record CommandResult(int ExitCode, string StdOut, string StdErr)
{
    /// <summary>True for exit code 0.</summary>
    public bool Succeeded => ExitCode == 0;

    /// <inheritdoc />
    public override string ToString() => $"exit {ExitCode}\nstdout:\n{StdOut}\nstderr:\n{StdErr}";
}

/// <summary>Runs the programs the container tests drive (docker, docker-compose, the build scripts).</summary>
public static class Shell
{
    /// <summary>The repository root (the directory holding MailAppliance.sln).</summary>
    public static string RepoRoot { get; } = FindRepoRoot();

    /// <summary>Runs a program to completion; kills it (and its children) after <paramref name="timeout"/>.</summary>
    public static async Task<CommandResult> RunAsync(string fileName, IEnumerable<string> arguments,
        IDictionary<string, string>? environment = null, TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        var info = new ProcessStartInfo(fileName) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false, WorkingDirectory = RepoRoot };
        foreach (string argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        // dotnet test hands its own MSBuild settings to child processes; a dotnet publish started by a build script
        // must not inherit them (they point at the test host's SDK context).
        foreach (string key in info.Environment.Keys.Where(k => k.StartsWith("MSBuild", StringComparison.OrdinalIgnoreCase)).ToList())
        {
            info.Environment.Remove(key);
        }

        foreach (var (key, value) in environment ?? new Dictionary<string, string>())
        {
            info.Environment[key] = value;
        }

        using var process = new Process { StartInfo = info };
        var stdout = new StringBuilder();
        var stderr = new StringBuilder();
        process.OutputDataReceived += (_, e) => Append(stdout, e.Data);
        process.ErrorDataReceived += (_, e) => Append(stderr, e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        cts.CancelAfter(timeout ?? TimeSpan.FromMinutes(2));
        try
        {
            await process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{fileName} {string.Join(' ', info.ArgumentList)} did not finish in time:\n{stdout}\n{stderr}");
        }

        process.WaitForExit(); // Drains the asynchronous readers.
        lock (stdout)
        {
            lock (stderr)
            {
                return new CommandResult(process.ExitCode, stdout.ToString(), stderr.ToString());
            }
        }
    }

    /// <summary>Runs a program and throws with its output unless it exits 0.</summary>
    public static async Task<CommandResult> RunCheckedAsync(string fileName, IEnumerable<string> arguments,
        IDictionary<string, string>? environment = null, TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        var args = arguments.ToList();
        var result = await RunAsync(fileName, args, environment, timeout, cancellationToken);
        return result.Succeeded ? result : throw new InvalidOperationException($"{fileName} {string.Join(' ', args)} failed: {result}");
    }

    /// <summary>The full path of <paramref name="program"/> on PATH (or the sbin directories), or null.</summary>
    public static string? Which(string program)
    {
        string path = Environment.GetEnvironmentVariable("PATH") ?? string.Empty;
        return path.Split(':', StringSplitOptions.RemoveEmptyEntries).Concat(["/usr/local/sbin", "/usr/sbin", "/sbin"])
            .Select(directory => Path.Combine(directory, program))
            .FirstOrDefault(File.Exists);
    }

    private static void Append(StringBuilder builder, string? line)
    {
        if (line is not null)
        {
            lock (builder)
            {
                builder.Append(line).Append('\n');
            }
        }
    }

    private static string FindRepoRoot()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "MailAppliance.sln")))
        {
            directory = directory.Parent;
        }

        return directory?.FullName ?? throw new InvalidOperationException("MailAppliance.sln not found above " + AppContext.BaseDirectory);
    }
}
