using Microsoft.Extensions.Configuration;

namespace MailAppliance.Accounts;

/// <summary>
/// How a recipient's local part is turned into a lookup key, as chasquid does: lower-cased (local parts of
/// local accounts and aliases compare case-insensitively), <see cref="DropCharacters"/> removed, and a suffix
/// starting at the first of the <see cref="SuffixSeparators"/> optionally cut off. With the defaults,
/// <c>John.Doe+news@example.com</c> finds <c>johndoe+news</c> first and then <c>johndoe</c>.
/// </summary>
/// <remarks>Bound from the <see cref="SectionName"/> section of <c>appliance.json</c>.</remarks>
public sealed record AddressNormalization
{
    /// <summary>The configuration section these options are read from.</summary>
    public const string SectionName = "Accounts";

    /// <summary>The defaults: drop <c>.</c>, suffixes after <c>+</c>.</summary>
    public static AddressNormalization Default { get; } = new();

    /// <summary>
    /// Characters ignored in local parts before the suffix (default <c>"."</c>, so <c>j.doe</c> is <c>jdoe</c>).
    /// Empty to ignore none.
    /// </summary>
    public string DropCharacters { get; init; } = ".";

    /// <summary>
    /// Characters that start a suffix (default <c>"+"</c>, so <c>jdoe+news</c> falls back to <c>jdoe</c>).
    /// The suffix starts at the first of them. Empty for no suffixes.
    /// </summary>
    public string SuffixSeparators { get; init; } = "+";

    /// <summary>
    /// Reads the options from <c>Accounts:DropCharacters</c> and <c>Accounts:SuffixSeparators</c>; a missing key
    /// keeps its default, an empty one means "none".
    /// </summary>
    public static AddressNormalization FromConfiguration(IConfiguration configuration)
    {
        var section = configuration.GetSection(SectionName);
        return new AddressNormalization
        {
            DropCharacters = section[nameof(DropCharacters)] ?? Default.DropCharacters,
            SuffixSeparators = section[nameof(SuffixSeparators)] ?? Default.SuffixSeparators,
        };
    }

    /// <summary>
    /// Lower-cases the local part and removes the drop characters before the first suffix separator; the suffix
    /// is kept as it is, so that an alias may be defined for one suffix (chasquid's semantics).
    /// </summary>
    public string RemoveDropCharacters(string localPart)
    {
        int suffix = SuffixStart(localPart);
        return (RemoveDrops(localPart.AsSpan(0, suffix)) + localPart[suffix..]).ToLowerInvariant();
    }

    /// <summary>Lower-cases the local part, cuts off the suffix and removes the drop characters.</summary>
    public string RemoveDropCharactersAndSuffix(string localPart) =>
        RemoveDrops(localPart.AsSpan(0, SuffixStart(localPart))).ToLowerInvariant();

    /// <summary>
    /// The keys to look a local part up with, most specific first: with the suffix, then without it (the same
    /// key once when there is no suffix). Empty keys are left out.
    /// </summary>
    public IReadOnlyList<string> LookupKeys(string localPart)
    {
        string withSuffix = RemoveDropCharacters(localPart);
        string withoutSuffix = RemoveDropCharactersAndSuffix(localPart);
        return (withSuffix.Length, withoutSuffix.Length) switch
        {
            (0, 0) => [],
            (_, 0) => [withSuffix],
            _ when withSuffix == withoutSuffix => [withSuffix],
            _ => [withSuffix, withoutSuffix],
        };
    }

    private int SuffixStart(string localPart)
    {
        int index = SuffixSeparators.Length == 0 ? -1 : localPart.IndexOfAny(SuffixSeparators.ToCharArray());
        return index < 0 ? localPart.Length : index;
    }

    private string RemoveDrops(ReadOnlySpan<char> text)
    {
        if (DropCharacters.Length == 0)
        {
            return text.ToString();
        }

        var kept = new System.Text.StringBuilder(text.Length);
        foreach (char c in text)
        {
            if (!DropCharacters.Contains(c))
            {
                kept.Append(c);
            }
        }

        return kept.ToString();
    }
}
