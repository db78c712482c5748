using System.Reflection;
using MailAppliance.DnsCheck;

namespace MailAppliance.Tests.DnsCheck;

/// <summary>docs/configuration.md documents every DnsVerifier setting, and docs/dns.md every check id.</summary>
public sealed class DnsCheckDocsTests
{
    [Fact]
    public void Every_setting_and_check_id_is_documented()
    {
        string configuration = File.ReadAllText(Path.Combine(RepoRoot(), "docs", "configuration.md"));
        var missing = typeof(DnsCheckOptions).GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .Where(p => p.SetMethod is not null)
            .Select(p => p.Name)
            .Where(name => !configuration.Contains($"`{name}`", StringComparison.Ordinal))
            .ToList();
        Assert.True(missing.Count == 0, $"docs/configuration.md does not document DnsVerifier: {string.Join(", ", missing)}");

        string dns = File.ReadAllText(Path.Combine(RepoRoot(), "docs", "dns.md"));
        Assert.All(CheckIds.All, id => Assert.Contains($"`{id}`", dns, StringComparison.Ordinal));
    }

    private static string RepoRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "MailAppliance.sln")))
        {
            dir = dir.Parent;
        }

        return dir?.FullName ?? throw new InvalidOperationException("repository root not found");
    }
}
