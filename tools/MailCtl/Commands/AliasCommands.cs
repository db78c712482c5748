using MailAppliance.Accounts;
using MailAppliance.Core;
using MailAppliance.MailCtl.Cli;

namespace MailAppliance.MailCtl.Commands;

/// <summary><c>mailctl alias ...</c>: the aliases in <c>config/domains/&lt;domain&gt;/aliases</c>.</summary>
public sealed class AliasCommands : CommandGroup
{
    /// <inheritdoc />
    public override string Name => "alias";

    /// <inheritdoc />
    public override string Summary => "add, remove and list aliases (domains/<domain>/aliases)";

    /// <inheritdoc />
    protected override string Description =>
        "An alias sends mail for an address of a local domain to other addresses: local users or aliases\n" +
        "(a target without '@' is in the alias's domain) or outside addresses. '*@domain' is the catch-all,\n" +
        "for addresses no user or alias takes. Editing keeps the file's comments and other lines.";

    /// <inheritdoc />
    protected override IReadOnlyList<Subcommand> Subcommands { get; } =
    [
        new("add", "ADDRESS TARGET[,TARGET...]", "add an alias (ADDRESS may be *@domain for the catch-all)", AddAsync)
        {
            MinArguments = 2, MaxArguments = int.MaxValue,
        },
        new("remove", "ADDRESS", "remove an alias", RemoveAsync) { MinArguments = 1, MaxArguments = 1 },
        new("list", "[DOMAIN]", "list the aliases of one domain or all, as 'address: target, target'", ListAsync)
        {
            MaxArguments = 1,
        },
    ];

    private static Task<int> AddAsync(CommandContext context, ParsedArguments arguments, CancellationToken cancellationToken)
    {
        var address = AddressArgument.Alias(arguments.Positional[0]);
        string[] targets = [.. arguments.Positional.Skip(1)
            .SelectMany(t => t.Split(','))
            .Select(t => t.Trim())
            .Where(t => t.Length > 0)];
        if (targets.Length == 0)
        {
            throw new UsageException("the alias needs at least one target");
        }

        var aliases = AccountFiles.Aliases(context, address.Domain);
        var existing = Matching(context, aliases, address.LocalPart);
        if (existing.Count > 0)
        {
            throw new CommandFailedException($"the alias {existing[0]}@{address.Domain} already exists");
        }

        try
        {
            aliases.Add(address.LocalPart, targets);
        }
        catch (ArgumentException e)
        {
            // The library says what is wrong with the line it would have written.
            throw new UsageException(e.InnerException is ConfigurationFileException broken ? broken.Problem : e.Message);
        }

        aliases.Save();
        context.WriteLine($"added alias {address}");
        return Task.FromResult(ExitCode.Ok);
    }

    private static Task<int> RemoveAsync(CommandContext context, ParsedArguments arguments, CancellationToken cancellationToken)
    {
        var address = AddressArgument.Alias(arguments.Positional[0]);
        var aliases = AccountFiles.Aliases(context, address.Domain);
        var names = Matching(context, aliases, address.LocalPart);
        if (names.Count == 0)
        {
            throw new CommandFailedException($"there is no alias {address}");
        }

        foreach (string name in names)
        {
            aliases.Remove(name);
        }

        aliases.Save();
        context.WriteLine($"removed alias {address}");
        return Task.FromResult(ExitCode.Ok);
    }

    private static Task<int> ListAsync(CommandContext context, ParsedArguments arguments, CancellationToken cancellationToken)
    {
        var directory = AccountFiles.All(context);
        var lines = AccountFiles.Selected(directory, arguments.Positional.FirstOrDefault())
            .SelectMany(domain => domain.Aliases.Aliases.Values.Select(entry =>
                $"{entry.Name}@{domain.Name}: {string.Join(", ", entry.Targets)}"))
            .Order(StringComparer.Ordinal);
        foreach (string line in lines)
        {
            context.WriteLine(line);
        }

        return Task.FromResult(ExitCode.Ok);
    }

    /// <summary>
    /// The alias names in the file that the relay would treat as <paramref name="name"/>: the same once drop
    /// characters are ignored (<c>john.doe</c> and <c>johndoe</c>), so that add never defines an alias twice and
    /// remove leaves no twin behind.
    /// </summary>
    private static List<string> Matching(CommandContext context, AliasFile aliases, string name)
    {
        if (name == AliasFile.CatchAllName)
        {
            return aliases.Contains(name) ? [name] : [];
        }

        var normalization = AccountFiles.Normalization(context);
        string key = normalization.RemoveDropCharacters(name);
        return [.. aliases.Aliases.Keys.Where(n => n != AliasFile.CatchAllName && normalization.RemoveDropCharacters(n) == key)];
    }
}
