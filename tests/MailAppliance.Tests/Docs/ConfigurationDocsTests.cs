using System.Reflection;
using MailAppliance.Accounts;
using MailAppliance.Dns;
using MailAppliance.MailLog;
using MailAppliance.Smtp.Policy;
using MailAppliance.Smtp.Server;
using MailAppliance.Spool;

namespace MailAppliance.Tests.Docs;

/// <summary>docs/configuration.md must name every setting of every options class, so the reference cannot drift.</summary>
public sealed class ConfigurationDocsTests
{
    public static TheoryData<Type> OptionTypes() =>
        [typeof(SmtpServerOptions), typeof(ListenerOptions), typeof(RelayPolicyOptions), typeof(SpoolOptions), typeof(AddressNormalization), typeof(MailLogOptions), typeof(DnsOptions),
         typeof(MailAppliance.Queue.QueueOptions), typeof(MailAppliance.Queue.DeliveryOptions), typeof(MailAppliance.Srs.SrsOptions), typeof(MailAppliance.Inbound.InboundOptions)];

    [Theory]
    [MemberData(nameof(OptionTypes))]
    public void EverySettingIsDocumented(Type options)
    {
        string docs = File.ReadAllText(Path.Combine(RepoRoot(), "docs", "configuration.md"));
        var missing = options.GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .Where(p => p.CanWrite || p.SetMethod is not null)
            .Select(p => p.Name)
            .Where(name => !docs.Contains($"`{name}", StringComparison.Ordinal) && !docs.Contains($":{name}`", StringComparison.Ordinal))
            .ToList();
        Assert.True(missing.Count == 0, $"docs/configuration.md does not document {options.Name}: {string.Join(", ", missing)}");
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
