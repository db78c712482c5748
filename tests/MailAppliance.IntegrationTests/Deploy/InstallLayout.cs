using System.Text.RegularExpressions;
using MailAppliance.IntegrationTests.Infrastructure;

namespace MailAppliance.IntegrationTests.Deploy;

/// <summary>
/// Where deploy/install.sh puts things, read from the script itself (<c>prefix=</c>, <c>user=</c> and its
/// <c>publish PROJECT NAME</c> lines), so the tests notice when the units and the script disagree.
/// </summary>
public static partial class InstallLayout
{
    /// <summary>deploy/install.sh.</summary>
    public static string Script => Path.Combine(Repo.Root, "deploy", "install.sh");

    /// <summary>The install prefix (<c>/opt/mailappliance</c>).</summary>
    public static string Prefix => Variable("prefix");

    /// <summary>The service user the script creates.</summary>
    public static string User => Variable("user");

    /// <summary>Published directory name under <see cref="Prefix"/> to project directory (<c>smtprelay</c> to <c>services/SmtpRelay</c>).</summary>
    public static IReadOnlyDictionary<string, string> Published() =>
        PublishLine().Matches(File.ReadAllText(Script)).ToDictionary(m => m.Groups["name"].Value, m => m.Groups["project"].Value);

    /// <summary>
    /// The program the tests run for a unit's ExecStart (<c>/opt/mailappliance/smtprelay/SmtpRelay</c>): the same
    /// project's apphost from the build output (<c>services/SmtpRelay/bin/Debug/net10.0/SmtpRelay</c>), since the
    /// tests do not publish. The published one is the same program with the runtime beside it.
    /// </summary>
    public static string BuildOutputFor(string installedProgram)
    {
        string relative = Path.GetRelativePath(Prefix, installedProgram);
        string[] parts = relative.Split('/');
        if (parts.Length != 2 || !Published().TryGetValue(parts[0], out string? project))
        {
            throw new InvalidOperationException($"{installedProgram} is not a program install.sh publishes under {Prefix}");
        }

        string dll = Repo.Program(project, parts[1]);
        return dll[..^".dll".Length];
    }

    private static string Variable(string name) =>
        Regex.Match(File.ReadAllText(Script), $"^{name}=(\\S+)$", RegexOptions.Multiline) is { Success: true } match
            ? match.Groups[1].Value
            : throw new InvalidOperationException($"{Script} sets no {name}=");

    [GeneratedRegex(@"^publish (?<project>\S+) (?<name>\S+)$", RegexOptions.Multiline)]
    private static partial Regex PublishLine();
}
