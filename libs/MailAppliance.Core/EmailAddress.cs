namespace MailAppliance.Core;

/// <summary>
/// An envelope address split at its last <c>@</c> (RFC 5321 §4.1.2 Mailbox). The local part is kept as the
/// client sent it (quoted forms included); the domain is lower-cased, since domains compare case-insensitively
/// (RFC 5321 §2.4) while local parts need not.
/// </summary>
public readonly record struct EmailAddress(string LocalPart, string Domain)
{
    /// <summary>The null reverse-path <c>&lt;&gt;</c> (RFC 5321 §4.5.5).</summary>
    public static EmailAddress Null { get; } = new(string.Empty, string.Empty);

    /// <summary>True for the null reverse-path.</summary>
    public bool IsNull => LocalPart.Length == 0 && Domain.Length == 0;

    /// <summary>Parses <c>local@domain</c>; false when there is no <c>@</c> or either side is empty.</summary>
    public static bool TryParse(string text, out EmailAddress address)
    {
        int at = text.LastIndexOf('@');
        if (at <= 0 || at == text.Length - 1)
        {
            address = default;
            return false;
        }

        address = new EmailAddress(text[..at], text[(at + 1)..].ToLowerInvariant());
        return true;
    }

    /// <summary>Parses or throws <see cref="FormatException"/>.</summary>
    public static EmailAddress Parse(string text) =>
        TryParse(text, out var address) ? address : throw new FormatException($"'{text}' is not an address of the form local@domain");

    /// <inheritdoc />
    public override string ToString() => IsNull ? string.Empty : $"{LocalPart}@{Domain}";
}
