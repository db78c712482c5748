using System.Globalization;
using MailAppliance.MailCtl.Cli;

namespace MailAppliance.MailCtl.Commands;

/// <summary>Gets passwords from <c>--password</c>, the terminal (without echo), or one line of standard input.</summary>
public static class PasswordInput
{
    /// <summary>The option that gives a password on the command line.</summary>
    public const string Option = "--password";

    /// <summary>The shortest password accepted for an account.</summary>
    public const int MinimumLength = 8;

    /// <summary>
    /// A new password: the option's value; else, on a terminal, asked twice without echo; else the first line of
    /// standard input. It must have at least <see cref="MinimumLength"/> characters.
    /// </summary>
    /// <exception cref="CommandFailedException">The entries differ, input is empty, or the password is too short.</exception>
    public static string ReadNew(CommandContext context, ParsedArguments arguments)
    {
        string password = arguments.Option(Option) ?? Prompt(context, confirm: true);
        if (password.Length == 0)
        {
            throw new CommandFailedException("the password is empty");
        }

        int length = new StringInfo(password).LengthInTextElements;
        return length >= MinimumLength
            ? password
            : throw new CommandFailedException($"the password is too short: it has {length} characters, at least {MinimumLength} are needed");
    }

    /// <summary>An existing password, to check: the option's value, or asked once.</summary>
    public static string ReadExisting(CommandContext context, ParsedArguments arguments) =>
        arguments.Option(Option) ?? Prompt(context, confirm: false);

    private static string Prompt(CommandContext context, bool confirm)
    {
        var console = context.Console;
        if (!console.InputIsTerminal)
        {
            // Scripts pipe the password in; one line, without its line ending.
            return console.Input.ReadLine() ?? throw new CommandFailedException("no password on standard input");
        }

        console.Error.Write("Password: ");
        string first = console.ReadSecretFromTerminal();
        console.Error.WriteLine();
        if (!confirm)
        {
            return first;
        }

        console.Error.Write("Password again: ");
        string second = console.ReadSecretFromTerminal();
        console.Error.WriteLine();
        return first == second ? first : throw new CommandFailedException("the two passwords differ");
    }
}
