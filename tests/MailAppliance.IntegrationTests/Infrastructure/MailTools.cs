using System.Globalization;

namespace MailAppliance.IntegrationTests.Infrastructure;

/// <summary>What a command-line mail client printed and returned.</summary>
public sealed record ToolResult(string Tool, int ExitCode, string StdOut, string StdErr)
{
    /// <summary>Both streams, for assertions and failure messages.</summary>
    public string Output => StdOut + StdErr;

    public override string ToString() => $"{Tool} exited with {ExitCode}\n--- stdout ---\n{StdOut}\n--- stderr ---\n{StdErr}";
}

/// <summary>
/// Runs the real mail clients the Debian packages install (swaks, msmtp) and Python's smtplib
/// (tests/scripts/smtplib_send.py), always against loopback.
/// </summary>
public static class MailTools
{
    private static string Port(int port) => port.ToString(CultureInfo.InvariantCulture);

    /// <summary>
    /// swaks with the given arguments after <c>--server host --port port</c>; <c>--timeout</c> and
    /// <c>--helo</c> are set so that a hung relay fails the test instead of stalling it.
    /// </summary>
    public static async Task<ToolResult> SwaksAsync(string server, int port, params string[] arguments)
    {
        var (exitCode, stdout, stderr) = await Repo.RunAsync("swaks",
            ["--server", server, "--port", Port(port), "--timeout", "30", "--helo", "client.example.test", .. arguments],
            timeout: TimeSpan.FromSeconds(60));
        return new ToolResult("swaks", exitCode, stdout, stderr);
    }

    /// <summary>msmtp reading the message from standard input, no configuration file, no certificate check.</summary>
    public static async Task<ToolResult> MsmtpAsync(string host, int port, string user, string password, string from, string to, string message)
    {
        var (exitCode, stdout, stderr) = await Repo.RunAsync("msmtp",
            [
                "--file=/dev/null", $"--host={host}", $"--port={Port(port)}", "--domain=client.example.test",
                "--tls=on", "--tls-starttls=on", "--tls-certcheck=off", "--auth=on", $"--user={user}",
                $"--passwordeval=echo {password}", $"--from={from}", "--debug", "--", to,
            ],
            stdin: message, timeout: TimeSpan.FromSeconds(60));
        return new ToolResult("msmtp", exitCode, stdout, stderr);
    }

    /// <summary>tests/scripts/smtplib_send.py: mode is starttls, ssl or plain; prints a JSON line.</summary>
    public static async Task<ToolResult> SmtplibAsync(string host, int port, string mode, string? user, string? password, string from, string to, string subject, string body)
    {
        string script = Path.Combine(Repo.Root, "tests", "scripts", "smtplib_send.py");
        var arguments = new List<string> { script, "--host", host, "--port", Port(port), "--mode", mode, "--sender", from, "--to", to, "--subject", subject, "--body", body };
        if (user is not null)
        {
            arguments.AddRange(["--user", user, "--password", password ?? string.Empty]);
        }

        var (exitCode, stdout, stderr) = await Repo.RunAsync("python3", arguments, timeout: TimeSpan.FromSeconds(60));
        return new ToolResult("python3 smtplib", exitCode, stdout, stderr);
    }
}
