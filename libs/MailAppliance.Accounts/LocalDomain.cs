using MailAppliance.Core;

namespace MailAppliance.Accounts;

/// <summary>
/// One local domain of a <see cref="DomainDirectory"/> snapshot: its users, its aliases, and the lookup indexes
/// built from them with the snapshot's <see cref="AddressNormalization"/>.
/// </summary>
public sealed class LocalDomain
{
    // Keyed by AddressNormalization.RemoveDropCharacters of the names as written: drop characters are ignored
    // but a suffix is kept, so that an alias may be defined for one suffix (chasquid's semantics).
    private readonly Dictionary<string, AliasEntry> aliasesByKey = new(StringComparer.Ordinal);
    private readonly HashSet<string> userKeys = new(StringComparer.Ordinal);
    private readonly AddressNormalization normalization;

    internal LocalDomain(string name, UserDatabase users, AliasFile aliases, AddressNormalization normalization)
    {
        Name = name;
        Users = users;
        Aliases = aliases;
        this.normalization = normalization;

        var firstUserByKey = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (string user in users.Names)
        {
            string key = normalization.RemoveDropCharacters(user);
            if (!firstUserByKey.TryAdd(key, user))
            {
                // Two accounts that the same recipient address would reach: refuse rather than pick one.
                string other = firstUserByKey[key];
                var (earlier, later) = users.LineOf(user) < users.LineOf(other) ? (user, other) : (other, user);
                throw new ConfigurationFileException(users.Path, users.LineOf(later),
                    $"the accounts '{earlier}' and '{later}' are the same address once '{normalization.DropCharacters}' are ignored; remove or rename one");
            }

            userKeys.Add(key);
        }

        foreach (var entry in aliases.Entries)
        {
            if (!entry.IsCatchAll)
            {
                aliasesByKey[normalization.RemoveDropCharacters(entry.Name)] = entry; // Last wins, as in the file.
            }
        }
    }

    /// <summary>The domain name, lower-case.</summary>
    public string Name { get; }

    /// <summary>The domain's accounts (read-only).</summary>
    public UserDatabase Users { get; }

    /// <summary>The domain's aliases (read-only).</summary>
    public AliasFile Aliases { get; }

    /// <summary>
    /// What a local part of this domain is: for each lookup key (with the suffix, then without), an alias and
    /// then a user; after that the catch-all; otherwise <see cref="RecipientKind.Unknown"/>.
    /// </summary>
    public RecipientKind Classify(string localPart)
    {
        foreach (string key in normalization.LookupKeys(localPart))
        {
            if (aliasesByKey.ContainsKey(key))
            {
                return RecipientKind.Alias;
            }

            if (userKeys.Contains(key))
            {
                return RecipientKind.User;
            }
        }

        return Aliases.CatchAll is null ? RecipientKind.Unknown : RecipientKind.CatchAll;
    }

    /// <summary>The user name a local part resolves to (suffix and drop characters applied, as in <see cref="Classify"/>), or null.</summary>
    public string? FindUser(string localPart)
    {
        foreach (string key in normalization.LookupKeys(localPart))
        {
            if (aliasesByKey.ContainsKey(key))
            {
                return null;
            }

            if (userKeys.Contains(key))
            {
                return key;
            }
        }

        return null;
    }

    /// <summary>
    /// The alias entry a local part resolves to (same lookup order as <see cref="Classify"/>, without the
    /// catch-all), or null.
    /// </summary>
    public AliasEntry? FindAlias(string localPart)
    {
        foreach (string key in normalization.LookupKeys(localPart))
        {
            if (aliasesByKey.TryGetValue(key, out var entry))
            {
                return entry;
            }

            if (userKeys.Contains(key))
            {
                return null;
            }
        }

        return null;
    }
}
