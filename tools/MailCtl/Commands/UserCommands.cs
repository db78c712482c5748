using MailAppliance.Accounts;
using MailAppliance.Core;
using MailAppliance.MailCtl.Cli;

namespace MailAppliance.MailCtl.Commands;

/// <summary><c>mailctl user ...</c>: the sender accounts in <c>config/domains/&lt;domain&gt;/users</c>.</summary>
public sealed class UserCommands : CommandGroup
{
    /// <inheritdoc />
    public override string Name => "user";

    /// <inheritdoc />
    public override string Summary => "add, remove, list and check sender accounts (domains/<domain>/users)";

    /// <inheritdoc />
    protected override string Description =>
        "Sender accounts are what mail clients log in with (SMTP AUTH). Without --password, the password is asked\n" +
        "for twice on a terminal (not shown), or read from the first line of standard input. Passwords need at\n" +
        $"least {PasswordInput.MinimumLength} characters. Account names are case-insensitive.";

    /// <inheritdoc />
    protected override IReadOnlyList<Subcommand> Subcommands { get; } =
    [
        new("add", "ADDRESS [--password P]", "add an account (creates the domain if needed)", AddAsync)
        {
            MinArguments = 1, MaxArguments = 1, ValueOptions = [PasswordInput.Option],
        },
        new("remove", "ADDRESS", "remove an account", RemoveAsync) { MinArguments = 1, MaxArguments = 1 },
        new("list", "[DOMAIN]", "list the accounts of one domain or all, sorted", ListAsync) { MaxArguments = 1 },
        new("passwd", "ADDRESS [--password P]", "change an account's password", PasswdAsync)
        {
            MinArguments = 1, MaxArguments = 1, ValueOptions = [PasswordInput.Option],
        },
        new("authenticate", "ADDRESS [--password P]",
            "check a password as the relay would: prints 'ok' (exit 0) or 'wrong password or unknown user' (exit 1)",
            AuthenticateAsync)
        {
            MinArguments = 1, MaxArguments = 1, ValueOptions = [PasswordInput.Option],
        },
    ];

    private static Task<int> AddAsync(CommandContext context, ParsedArguments arguments, CancellationToken cancellationToken)
    {
        var address = AddressArgument.Account(arguments.Positional[0]);
        var users = AccountFiles.Users(context, address.Domain);
        if (users.Contains(address.LocalPart))
        {
            throw new CommandFailedException($"the user {address} already exists");
        }

        // The relay refuses two accounts that one recipient address would reach (john.doe and johndoe):
        // never write a file it would refuse.
        var normalization = AccountFiles.Normalization(context);
        string key = normalization.RemoveDropCharacters(address.LocalPart);
        string? twin = users.Names.FirstOrDefault(n => normalization.RemoveDropCharacters(n) == key);
        if (twin is not null)
        {
            throw new CommandFailedException(
                $"{address} would be the same recipient as the existing user {twin}@{address.Domain} (characters '{normalization.DropCharacters}' are ignored)");
        }

        users.Add(address.LocalPart, PasswordInput.ReadNew(context, arguments));
        users.Save();
        context.WriteLine($"added user {address}");
        return Task.FromResult(ExitCode.Ok);
    }

    private static Task<int> RemoveAsync(CommandContext context, ParsedArguments arguments, CancellationToken cancellationToken)
    {
        var address = AddressArgument.Account(arguments.Positional[0]);
        var users = AccountFiles.Users(context, address.Domain);
        if (!users.Remove(address.LocalPart))
        {
            throw new CommandFailedException($"there is no user {address}");
        }

        users.Save();
        context.WriteLine($"removed user {address}");
        return Task.FromResult(ExitCode.Ok);
    }

    private static Task<int> ListAsync(CommandContext context, ParsedArguments arguments, CancellationToken cancellationToken)
    {
        var directory = AccountFiles.All(context);
        var addresses = AccountFiles.Selected(directory, arguments.Positional.FirstOrDefault())
            .SelectMany(domain => domain.Users.Names.Select(name => new EmailAddress(name, domain.Name).ToString()))
            .Order(StringComparer.Ordinal);
        foreach (string address in addresses)
        {
            context.WriteLine(address);
        }

        return Task.FromResult(ExitCode.Ok);
    }

    private static Task<int> PasswdAsync(CommandContext context, ParsedArguments arguments, CancellationToken cancellationToken)
    {
        var address = AddressArgument.Account(arguments.Positional[0]);
        var users = AccountFiles.Users(context, address.Domain);
        if (!users.Contains(address.LocalPart))
        {
            throw new CommandFailedException($"there is no user {address}");
        }

        users.SetPassword(address.LocalPart, PasswordInput.ReadNew(context, arguments));
        users.Save();
        context.WriteLine($"changed the password of {address}");
        return Task.FromResult(ExitCode.Ok);
    }

    private static Task<int> AuthenticateAsync(CommandContext context, ParsedArguments arguments, CancellationToken cancellationToken)
    {
        var address = AddressArgument.Account(arguments.Positional[0]);
        string password = PasswordInput.ReadExisting(context, arguments);
        bool right = AccountFiles.All(context).VerifyPassword(address, password);
        context.WriteLine(right ? "ok" : "wrong password or unknown user");
        return Task.FromResult(right ? ExitCode.Ok : ExitCode.Failure);
    }
}
