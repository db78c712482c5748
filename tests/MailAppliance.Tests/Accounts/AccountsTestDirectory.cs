using MailAppliance.Core;

namespace MailAppliance.Tests.Accounts;

/// <summary>A temporary <c>config/domains</c> directory, removed when disposed.</summary>
internal sealed class AccountsTestDirectory : IDisposable
{
    /// <summary>A hash of <see cref="KnownPassword"/> with few iterations, so fixtures cost nothing to verify.</summary>
    public const string KnownHash = "pbkdf2-sha512$1000$AAECAwQFBgcICQoLDA0ODw==$Xpx07WjVx4vCIvrmBRj8uOoVVtGqJqtUv2J5bhizSQs=";

    /// <summary>The password of <see cref="KnownHash"/>.</summary>
    public const string KnownPassword = "correct horse";

    public AccountsTestDirectory()
    {
        Root = Directory.CreateTempSubdirectory("mailappliance-accounts-").FullName;
        Domains = Path.Combine(Root, "domains");
        Directory.CreateDirectory(Domains);
    }

    public string Root { get; }

    public string Domains { get; }

    public string UsersFile(string domain) => Path.Combine(Domains, domain, "users");

    public string AliasesFile(string domain) => Path.Combine(Domains, domain, "aliases");

    public void WriteUsers(string domain, params string[] lines) => Write(UsersFile(domain), lines);

    public void WriteAliases(string domain, params string[] lines) => Write(AliasesFile(domain), lines);

    public void AddDomain(string domain) => Directory.CreateDirectory(Path.Combine(Domains, domain));

    public void Dispose() => Directory.Delete(Root, recursive: true);

    // Atomic, so that a watcher never reads a half-written file in the middle of a test.
    private static void Write(string path, string[] lines) =>
        SafeFile.WriteAllText(path, string.Join('\n', lines) + "\n", SafeFile.Secret);
}
