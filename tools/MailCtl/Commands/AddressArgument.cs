using MailAppliance.Accounts;
using MailAppliance.Core;
using MailAppliance.MailCtl.Cli;

namespace MailAppliance.MailCtl.Commands;

/// <summary>Checks the addresses and domains operators type, before anything touches a file.</summary>
public static class AddressArgument
{
    /// <summary>
    /// An account address: exactly one <c>@</c> with a valid name before it and a valid domain after it, no
    /// whitespace or control characters. Both parts are lower-cased (accounts compare case-insensitively).
    /// </summary>
    /// <exception cref="UsageException">The address is not valid; the message says why.</exception>
    public static EmailAddress Account(string text) => Parse(text, allowCatchAll: false);

    /// <summary>An alias address: like <see cref="Account"/>, but <c>*@domain</c> names the catch-all.</summary>
    /// <exception cref="UsageException">The address is not valid; the message says why.</exception>
    public static EmailAddress Alias(string text) => Parse(text, allowCatchAll: true);

    /// <summary>A domain name, lower-cased.</summary>
    /// <exception cref="UsageException">The domain is not valid; the message says why.</exception>
    public static string Domain(string text)
    {
        string domain = text.ToLowerInvariant();
        return AddressSyntax.IsValidDomain(domain, out string? problem) ? domain : throw new UsageException(problem);
    }

    private static EmailAddress Parse(string text, bool allowCatchAll)
    {
        if (text.Any(c => char.IsWhiteSpace(c) || char.IsControl(c)))
        {
            throw new UsageException("the address contains whitespace or a control character");
        }

        int at = text.IndexOf('@', StringComparison.Ordinal);
        if (at <= 0 || at == text.Length - 1 || at != text.LastIndexOf('@'))
        {
            throw new UsageException($"'{text}' is not an address: it needs exactly one '@' with a name before it and a domain after it");
        }

        string localPart = text[..at].ToLowerInvariant();
        string domain = Domain(text[(at + 1)..]);
        if (!(allowCatchAll && localPart == AliasFile.CatchAllName) && !AddressSyntax.IsValidAccountName(localPart, out string? problem))
        {
            throw new UsageException(problem);
        }

        return new EmailAddress(localPart, domain);
    }
}
