using MailAppliance.Accounts;
using MailAppliance.Core;

namespace MailAppliance.Tests.Accounts;

public class DomainDirectoryTests
{
    private const string Hash = AccountsTestDirectory.KnownHash;
    private const string Password = AccountsTestDirectory.KnownPassword;

    [Fact]
    public void Recipients_are_classified_alias_or_user_first_then_catch_all()
    {
        using var directory = new AccountsTestDirectory();
        directory.WriteUsers("example.com", "john.doe " + Hash, "sales " + Hash);
        directory.WriteAliases("example.com", "info: john.doe", "sales: john.doe", "list+vip: john.doe");
        directory.WriteUsers("catchall.example", "alice " + Hash);
        directory.WriteAliases("catchall.example", "*: alice");
        directory.AddDomain("empty.example");

        var domains = DomainDirectory.Load(directory.Domains, AddressNormalization.Default);

        Assert.Equal(["catchall.example", "empty.example", "example.com"], domains.Domains);
        Assert.Equal(RecipientKind.User, domains.Classify(EmailAddress.Parse("john.doe@example.com")));
        Assert.Equal(RecipientKind.User, domains.Classify(EmailAddress.Parse("John.Doe+news@EXAMPLE.com")));
        Assert.Equal(RecipientKind.User, domains.Classify(EmailAddress.Parse("johndoe@example.com")));
        Assert.Equal(RecipientKind.Alias, domains.Classify(EmailAddress.Parse("in.fo+x@example.com")));
        Assert.Equal(RecipientKind.Alias, domains.Classify(EmailAddress.Parse("sales@example.com"))); // An alias wins over a user.
        Assert.Equal(RecipientKind.Alias, domains.Classify(EmailAddress.Parse("list+vip@example.com")));
        Assert.Equal(RecipientKind.Unknown, domains.Classify(EmailAddress.Parse("list+other@example.com")));
        Assert.Equal(RecipientKind.Unknown, domains.Classify(EmailAddress.Parse("nobody@example.com")));
        Assert.Equal(RecipientKind.Unknown, domains.Classify(EmailAddress.Parse("nobody@empty.example")));
        Assert.Equal(RecipientKind.User, domains.Classify(EmailAddress.Parse("alice@catchall.example")));
        Assert.Equal(RecipientKind.CatchAll, domains.Classify(EmailAddress.Parse("anyone@catchall.example")));
        Assert.Equal(RecipientKind.NotLocal, domains.Classify(EmailAddress.Parse("john.doe@example.org")));
        Assert.True(domains.IsLocal("Example.COM"));
        Assert.False(domains.IsLocal("example.org"));
    }

    [Fact]
    public void Passwords_verify_for_accounts_only_by_their_name_ignoring_case()
    {
        using var directory = new AccountsTestDirectory();
        directory.WriteUsers("example.com", "john.doe " + Hash);
        var domains = DomainDirectory.Load(directory.Domains, AddressNormalization.Default);

        Assert.True(domains.VerifyPassword(EmailAddress.Parse("John.Doe@example.com"), Password));
        Assert.False(domains.VerifyPassword(EmailAddress.Parse("john.doe@example.com"), "wrong"));
        Assert.False(domains.VerifyPassword(EmailAddress.Parse("johndoe@example.com"), Password));
        Assert.False(domains.VerifyPassword(EmailAddress.Parse("john.doe@example.org"), Password));
        Assert.True(domains.UserExists(EmailAddress.Parse("JOHN.DOE@example.com")));
        Assert.False(domains.UserExists(EmailAddress.Parse("john.doe+x@example.com")));
    }

    [Fact]
    public void Snapshot_files_cannot_be_edited()
    {
        using var directory = new AccountsTestDirectory();
        directory.WriteUsers("example.com", "alice " + Hash);
        var domains = DomainDirectory.Load(directory.Domains, AddressNormalization.Default);

        Assert.True(domains.TryGetDomain("example.com", out var domain));
        Assert.Throws<InvalidOperationException>(() => domain.Users.Remove("alice"));
        Assert.Throws<InvalidOperationException>(() => domain.Aliases.Add("x", ["alice"]));
    }

    [Fact]
    public void A_missing_domains_directory_has_no_local_domains()
    {
        var domains = DomainDirectory.Load("/nonexistent/domains", AddressNormalization.Default);

        Assert.Empty(domains.Domains);
        Assert.False(domains.VerifyPassword(EmailAddress.Parse("a@example.com"), "password"));
    }

    [Fact]
    public void A_broken_aliases_file_anywhere_stops_the_load_naming_file_and_line()
    {
        using var directory = new AccountsTestDirectory();
        directory.WriteUsers("a.example", "alice " + Hash);
        directory.WriteAliases("b.example", "ok: alice@a.example", "null: | cat");

        var error = Assert.Throws<ConfigurationFileException>(() => DomainDirectory.Load(directory.Domains, AddressNormalization.Default));

        Assert.Equal((directory.AliasesFile("b.example"), 2), (error.File, error.Line));
    }

    [Fact]
    public void Two_accounts_one_recipient_apart_are_refused()
    {
        using var directory = new AccountsTestDirectory();
        directory.WriteUsers("example.com", "johndoe " + Hash, "# a comment", "john.doe " + Hash);

        var error = Assert.Throws<ConfigurationFileException>(() => DomainDirectory.Load(directory.Domains, AddressNormalization.Default));

        Assert.Equal(3, error.Line);
        Assert.Contains("'johndoe' and 'john.doe' are the same address", error.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public void Upper_case_domain_directories_are_refused()
    {
        using var directory = new AccountsTestDirectory();
        directory.AddDomain("Example.com");

        var error = Assert.Throws<ConfigurationFileException>(() => DomainDirectory.Load(directory.Domains, AddressNormalization.Default));

        Assert.Contains("lower-case", error.Problem, StringComparison.Ordinal);
    }
}
