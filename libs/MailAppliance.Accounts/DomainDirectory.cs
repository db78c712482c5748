using System.Diagnostics.CodeAnalysis;
using MailAppliance.Core;

namespace MailAppliance.Accounts;

/// <summary>
/// An immutable snapshot of the local domains: every directory under <c>config/domains/</c> (lower-case names;
/// names starting with <c>.</c> are skipped) is a local domain, with its optional <c>users</c> and
/// <c>aliases</c> files. Safe to use from many threads; <see cref="DomainDirectoryWatcher"/> swaps in a new
/// snapshot when the files change.
/// </summary>
public sealed class DomainDirectory
{
    /// <summary>The name of the users file in a domain's directory.</summary>
    public const string UsersFileName = "users";

    /// <summary>The name of the aliases file in a domain's directory.</summary>
    public const string AliasesFileName = "aliases";

    private readonly Dictionary<string, LocalDomain> domains;

    private DomainDirectory(string directory, AddressNormalization normalization, Dictionary<string, LocalDomain> domains)
    {
        DirectoryPath = directory;
        Normalization = normalization;
        this.domains = domains;
        Domains = [.. domains.Keys.Order(StringComparer.Ordinal)];
    }

    /// <summary>The <c>config/domains</c> directory this snapshot was read from.</summary>
    public string DirectoryPath { get; }

    /// <summary>How recipient local parts are normalized for lookups.</summary>
    public AddressNormalization Normalization { get; }

    /// <summary>The local domains, sorted.</summary>
    public IReadOnlyCollection<string> Domains { get; }

    /// <summary>
    /// Reads every local domain. A missing domains directory means no local domains; a missing users or aliases
    /// file means no users or aliases.
    /// </summary>
    /// <exception cref="ConfigurationFileException">
    /// A users or aliases file is broken or unreadable (the file and line are named), a domain directory's name is
    /// not a lower-case domain name, or two accounts of a domain are the same address once normalized.
    /// </exception>
    public static DomainDirectory Load(string domainsDirectory, AddressNormalization normalization)
    {
        var domains = new Dictionary<string, LocalDomain>(StringComparer.Ordinal);
        foreach (string directory in DomainDirectories(domainsDirectory))
        {
            string name = System.IO.Path.GetFileName(directory);
            if (!AddressSyntax.IsValidDomain(name, out string? problem))
            {
                throw new ConfigurationFileException(directory, 0, "not a local domain directory: " + problem);
            }

            var users = UserDatabase.Load(System.IO.Path.Combine(directory, UsersFileName));
            var aliases = AliasFile.Load(System.IO.Path.Combine(directory, AliasesFileName), name);
            users.Freeze();
            aliases.Freeze();
            domains.Add(name, new LocalDomain(name, users, aliases, normalization));
        }

        return new DomainDirectory(domainsDirectory, normalization, domains);
    }

    /// <summary>True when the domain is one of ours (case-insensitive).</summary>
    public bool IsLocal(string domain) => domains.ContainsKey(domain.ToLowerInvariant());

    /// <summary>A local domain's users, aliases and lookups.</summary>
    public bool TryGetDomain(string domain, [NotNullWhen(true)] out LocalDomain? localDomain) =>
        domains.TryGetValue(domain.ToLowerInvariant(), out localDomain);

    /// <summary>
    /// What a recipient is: <see cref="RecipientKind.NotLocal"/> for other domains; otherwise an alias or user
    /// found with the normalized local part (with its suffix first, then without), then the catch-all, then
    /// <see cref="RecipientKind.Unknown"/>. An alias wins over a user of the same name, as in chasquid.
    /// </summary>
    public RecipientKind Classify(EmailAddress address) =>
        TryGetDomain(address.Domain, out var domain) ? domain.Classify(address.LocalPart) : RecipientKind.NotLocal;

    /// <summary>
    /// True when the account exists. Accounts are identities, so only case is ignored: no drop characters or
    /// suffixes (<see cref="Classify"/> is for recipients).
    /// </summary>
    public bool UserExists(EmailAddress account) =>
        TryGetDomain(account.Domain, out var domain) && domain.Users.Contains(account.LocalPart);

    /// <summary>
    /// True when the account exists and the password is right (case-insensitive account name, as in
    /// <see cref="UserExists"/>). Unknown accounts and domains cost the same time as a wrong password.
    /// </summary>
    public bool VerifyPassword(EmailAddress account, string password) =>
        TryGetDomain(account.Domain, out var domain)
            ? domain.Users.Verify(account.LocalPart, password)
            : PasswordHasher.VerifyUnknownAccount(password);

    private static IEnumerable<string> DomainDirectories(string domainsDirectory)
    {
        try
        {
            return Directory.Exists(domainsDirectory)
                ? [.. Directory.EnumerateDirectories(domainsDirectory)
                    .Where(d => !System.IO.Path.GetFileName(d).StartsWith('.'))
                    .Order(StringComparer.Ordinal)]
                : [];
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ConfigurationFileException(domainsDirectory, 0, "cannot be read: " + e.Message, e);
        }
    }
}
