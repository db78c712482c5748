using MailAppliance.Core;

namespace MailAppliance.Accounts;

/// <summary>One line of an aliases file: <c>name: target, target</c>.</summary>
/// <param name="Name">The alias's local part, lower-case; <c>*</c> for the catch-all.</param>
/// <param name="Targets">
/// Where mail for the alias goes, in the order written: local users or aliases (a target written without a domain
/// gets the alias's domain) or outside addresses. Domains are lower-case; local parts are kept as written, since
/// an outside server may treat case as significant.
/// </param>
/// <param name="Line">The 1-based line it was read from; 0 for an entry added since the file was read.</param>
public sealed record AliasEntry(string Name, IReadOnlyList<EmailAddress> Targets, int Line)
{
    /// <summary>True for the catch-all entry <c>*</c>.</summary>
    public bool IsCatchAll => Name == AliasFile.CatchAllName;
}
