using MailAppliance.Accounts;
using MailAppliance.Core;

namespace MailAppliance.Tests.Accounts;

public class AliasFileTests
{
    [Fact]
    public void The_chasquid_format_is_parsed()
    {
        var file = AliasFile.Parse("aliases", "Example.com", """
            # Redirect mail to pepe@ to jose@ on the same domain.
            pepe: jose

            Flowers: rose@Backgarden.example, lilly@pond.example,
            *: pepe, rose@backgarden.example
            """);

        Assert.Equal("example.com", file.Domain);
        Assert.True(file.TryGetTargets("pepe", out var pepe));
        Assert.Equal([new EmailAddress("jose", "example.com")], pepe);
        Assert.True(file.TryGetTargets("FLOWERS", out var flowers));
        Assert.Equal([new EmailAddress("rose", "backgarden.example"), new EmailAddress("lilly", "pond.example")], flowers);
        Assert.Equal([new EmailAddress("pepe", "example.com"), new EmailAddress("rose", "backgarden.example")], file.CatchAll);
        Assert.Equal([2, 4, 5], file.Entries.Select(e => e.Line));
    }

    [Fact]
    public void The_last_definition_of_a_name_wins_as_in_chasquid()
    {
        var file = AliasFile.Parse("aliases", "example.com", "pepe: juan\npepe: jose\n");

        Assert.Equal(2, file.Entries.Count);
        Assert.Equal("jose", file.Aliases["pepe"].Targets.Single().LocalPart);
    }

    [Theory]
    [InlineData("pepe jose", "missing ':'")]
    [InlineData(": jose", "missing the alias name")]
    [InlineData("pepe:", "has no targets")]
    [InlineData("pepe: , ,", "has no targets")]
    [InlineData("pepe@example.com: jose", "must not contain '@'")]
    [InlineData("pe pe: jose", "invalid alias name")]
    [InlineData("null: | cat", "pipes to a command, which is not supported")]
    [InlineData("pepe: jose, |cat", "pipes to a command, which is not supported")]
    [InlineData("pepe: jo\"se", "not a valid local name")]
    [InlineData("pepe: jose@x.example via mx.example", "'via'")]
    [InlineData("pepe: jo se", "contains whitespace")]
    [InlineData("pepe: a@b@c.example", "more than one '@'")]
    [InlineData("pepe: @c.example", "not an address")]
    [InlineData("pepe: jose@bad_domain", "invalid domain")]
    [InlineData("*: *@pond.example", "copies the user with '*'")]
    public void A_broken_line_is_reported_with_file_and_line(string brokenLine, string expectedProblem)
    {
        var error = Assert.Throws<ConfigurationFileException>(
            () => AliasFile.Parse("/etc/x/aliases", "example.com", "# aliases\nok: fine\n" + brokenLine + "\n"));

        Assert.Equal("/etc/x/aliases", error.File);
        Assert.Equal(3, error.Line);
        Assert.Contains(expectedProblem, error.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public void Editing_keeps_comments_and_other_lines_and_writes_atomically()
    {
        using var directory = new AccountsTestDirectory();
        directory.WriteAliases("example.com", "# team", "sales: alice, bob", "", "# catch-all", "*: alice");
        var file = AliasFile.Load(directory.AliasesFile("example.com"), "example.com");

        file.Add("Info", ["alice", "info@elsewhere.example"]);
        Assert.Equal(1, file.Remove("*"));
        file.Save();

        Assert.Equal(
            ["# team", "sales: alice, bob", "", "# catch-all", "info: alice, info@elsewhere.example"],
            File.ReadAllLines(file.Path));
        Assert.Null(AliasFile.Load(file.Path, "example.com").CatchAll);
    }

    [Fact]
    public void Adding_refuses_what_loading_would_refuse_and_existing_names()
    {
        var file = AliasFile.Parse("aliases", "example.com", "sales: alice\n");

        Assert.Throws<ArgumentException>(() => file.Add("null", ["| cat"]));
        Assert.Throws<ArgumentException>(() => file.Add("x", []));
        Assert.Throws<InvalidOperationException>(() => file.Add("Sales", ["bob"]));
    }
}
