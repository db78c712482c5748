using MailAppliance.Accounts;
using MailAppliance.Core;
using MailAppliance.MailCtl.Cli;

namespace MailAppliance.MailCtl.Commands;

/// <summary>The users and aliases files as mailctl finds them from its context.</summary>
public static class AccountFiles
{
    /// <summary>The normalization the relay uses, from <c>appliance.json</c>'s <c>Accounts</c> section.</summary>
    public static AddressNormalization Normalization(CommandContext context) =>
        AddressNormalization.FromConfiguration(context.Configuration);

    /// <summary>Loads a domain's users file for editing (a missing file is empty).</summary>
    public static UserDatabase Users(CommandContext context, string domain) =>
        UserDatabase.Load(Path.Combine(context.Directories.Domain(domain), DomainDirectory.UsersFileName));

    /// <summary>Loads a domain's aliases file for editing (a missing file is empty).</summary>
    public static AliasFile Aliases(CommandContext context, string domain) =>
        AliasFile.Load(Path.Combine(context.Directories.Domain(domain), DomainDirectory.AliasesFileName), domain);

    /// <summary>Loads every local domain exactly as the relay would, so that a broken file is reported.</summary>
    public static DomainDirectory All(CommandContext context) =>
        DomainDirectory.Load(context.Directories.Domains, Normalization(context));

    /// <summary>The local domains to list: the one named, or all.</summary>
    /// <exception cref="CommandFailedException">The named domain is not local.</exception>
    public static IEnumerable<LocalDomain> Selected(DomainDirectory directory, string? domainArgument)
    {
        if (domainArgument is null)
        {
            return directory.Domains.Select(d => directory.TryGetDomain(d, out var local) ? local : null!);
        }

        string domain = AddressArgument.Domain(domainArgument);
        return directory.TryGetDomain(domain, out var selected)
            ? [selected]
            : throw new CommandFailedException($"{domain} is not a local domain (there is no {Path.Combine(directory.DirectoryPath, domain)} directory)");
    }

    /// <summary>The address as text for messages and listings.</summary>
    public static string Show(EmailAddress address) => address.ToString();
}
