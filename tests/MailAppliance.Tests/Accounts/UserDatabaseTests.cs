using MailAppliance.Accounts;
using MailAppliance.Core;

namespace MailAppliance.Tests.Accounts;

public class UserDatabaseTests
{
    private const string Hash = AccountsTestDirectory.KnownHash;

    [Fact]
    public void Accounts_are_added_verified_renamed_and_removed_through_a_save()
    {
        using var directory = new AccountsTestDirectory();
        string path = directory.UsersFile("example.com");
        var database = UserDatabase.Load(path);
        database.Add("Alice", "alice password");
        database.Add("bob", "bob password");
        database.Save();

        var reloaded = UserDatabase.Load(path);
        Assert.Equal(["alice", "bob"], reloaded.Names);
        Assert.True(reloaded.Verify("ALICE", "alice password"));
        Assert.False(reloaded.Verify("alice", "bob password"));
        Assert.False(reloaded.Verify("carol", "alice password"));

        reloaded.SetPassword("alice", "new alice password");
        Assert.True(reloaded.Remove("Bob"));
        Assert.False(reloaded.Remove("bob"));
        reloaded.Save();

        var last = UserDatabase.Load(path);
        Assert.Equal(["alice"], last.Names);
        Assert.True(last.Verify("alice", "new alice password"));
        Assert.False(last.Verify("alice", "alice password"));
    }

    [Fact]
    public void The_file_is_written_with_mode_0600()
    {
        using var directory = new AccountsTestDirectory();
        var database = new UserDatabase(directory.UsersFile("example.com"));
        database.Add("alice", "alice password");
        database.Save();

        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(database.Path));
    }

    [Fact]
    public void Comments_and_blank_lines_survive_a_save()
    {
        using var directory = new AccountsTestDirectory();
        directory.WriteUsers("example.com", "# the sales team", "", "alice " + Hash, "  # keep me", "bob\t" + Hash);
        var database = UserDatabase.Load(directory.UsersFile("example.com"));

        database.Remove("alice");
        database.Add("carol", "carol password");
        database.Save();

        string[] lines = File.ReadAllLines(database.Path);
        Assert.Equal(["# the sales team", "", "  # keep me", "bob " + Hash], lines[..4]);
        Assert.StartsWith("carol pbkdf2-sha512$210000$", lines[4], StringComparison.Ordinal);
        Assert.Equal(5, lines.Length);
    }

    [Fact]
    public void A_missing_file_is_an_empty_database()
    {
        using var directory = new AccountsTestDirectory();

        Assert.Equal(0, UserDatabase.Load(directory.UsersFile("nowhere.example")).Count);
    }

    [Theory]
    [InlineData("alice", "has no password hash")]
    [InlineData("alice bcrypt$2y$10$xyz", "unknown password hash scheme 'bcrypt'")]
    [InlineData("alice pbkdf2-sha512$1000$AAECAwQFBgcICQoLDA0ODw==", "is not valid")]
    [InlineData("alice " + Hash + " extra", "unexpected text after the password hash")]
    [InlineData("al@ice " + Hash, "invalid account name")]
    [InlineData("ALICE " + Hash, "duplicate account 'alice' (first on line 2)")]
    public void A_broken_line_is_reported_with_file_and_line(string brokenLine, string expectedProblem)
    {
        using var directory = new AccountsTestDirectory();
        directory.WriteUsers("example.com", "# accounts", "alice " + Hash, brokenLine);

        var error = Assert.Throws<ConfigurationFileException>(() => UserDatabase.Load(directory.UsersFile("example.com")));

        Assert.Equal(directory.UsersFile("example.com"), error.File);
        Assert.Equal(3, error.Line);
        Assert.Contains(expectedProblem, error.Problem, StringComparison.Ordinal);
        Assert.StartsWith($"{directory.UsersFile("example.com")}:3: ", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Invalid_names_duplicates_and_unknown_accounts_are_refused_when_editing()
    {
        var database = new UserDatabase("/nonexistent/users");
        database.Add("alice", "alice password");

        Assert.Throws<ArgumentException>(() => database.Add("with space", "password"));
        Assert.Throws<ArgumentException>(() => database.Add("alice@example.com", "password"));
        Assert.Throws<InvalidOperationException>(() => database.Add("Alice", "password"));
        Assert.Throws<KeyNotFoundException>(() => database.SetPassword("bob", "password"));
    }
}
