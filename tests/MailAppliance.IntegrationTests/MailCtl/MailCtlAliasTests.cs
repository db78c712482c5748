namespace MailAppliance.IntegrationTests.MailCtl;

/// <summary><c>mailctl alias ...</c> run as the real program against a temporary config directory.</summary>
public sealed class MailCtlAliasTests : IDisposable
{
    private readonly MailCtlFixture mailctl = new();

    public void Dispose() => mailctl.Dispose();

    [Fact]
    public async Task Aliases_are_added_listed_and_removed_keeping_the_rest_of_the_file()
    {
        Directory.CreateDirectory(Path.GetDirectoryName(mailctl.AliasesFile("example.com"))!);
        await File.WriteAllTextAsync(mailctl.AliasesFile("example.com"), "# Sales team\nsales: alice, bob\n\n");

        await Succeeds("alias", "add", "Info@Example.com", "alice,info@elsewhere.example");
        await Succeeds("alias", "add", "*@example.com", "alice");
        await Succeeds("alias", "add", "postmaster@other.example", "alice@example.com", "root@other.example");

        Assert.Equal(
            [
                "*@example.com: alice@example.com",
                "info@example.com: alice@example.com, info@elsewhere.example",
                "postmaster@other.example: alice@example.com, root@other.example",
                "sales@example.com: alice@example.com, bob@example.com",
            ],
            (await Succeeds("alias", "list")).Lines);
        Assert.Equal(["postmaster@other.example: alice@example.com, root@other.example"], (await Succeeds("alias", "list", "other.example")).Lines);

        await Succeeds("alias", "remove", "in.fo@example.com"); // Drop characters are ignored, as in lookups.
        await Succeeds("alias", "remove", "*@example.com");

        Assert.Equal(["# Sales team", "sales: alice, bob", ""], await File.ReadAllLinesAsync(mailctl.AliasesFile("example.com")));
        var missing = await mailctl.RunAsync(["alias", "remove", "info@example.com"]);
        Assert.Equal((1, "mailctl: there is no alias info@example.com\n"), (missing.ExitCode, missing.StdErr));
    }

    [Fact]
    public async Task An_existing_alias_is_not_replaced()
    {
        await Succeeds("alias", "add", "info@example.com", "alice");

        var result = await mailctl.RunAsync(["alias", "add", "INFO@example.com", "bob"]);

        Assert.Equal((1, "mailctl: the alias info@example.com already exists\n"), (result.ExitCode, result.StdErr));
    }

    [Theory]
    [InlineData("|/bin/sh", "pipes to a command, which is not supported")]
    [InlineData("a@b@c.example", "more than one '@'")]
    [InlineData(",", "at least one target")]
    public async Task Targets_the_relay_would_refuse_are_never_written(string target, string expected)
    {
        var result = await mailctl.RunAsync(["alias", "add", "info@example.com", target]);

        Assert.Equal(2, result.ExitCode);
        Assert.Contains(expected, result.StdErr, StringComparison.Ordinal);
        Assert.False(File.Exists(mailctl.AliasesFile("example.com")));
    }

    [Fact]
    public async Task A_broken_aliases_file_is_reported_with_file_and_line()
    {
        Directory.CreateDirectory(Path.GetDirectoryName(mailctl.AliasesFile("example.com"))!);
        await File.WriteAllTextAsync(mailctl.AliasesFile("example.com"), "ok: alice\nnull: | cat\n");

        var result = await mailctl.RunAsync(["alias", "list"]);

        Assert.Equal(1, result.ExitCode);
        Assert.StartsWith($"mailctl: {mailctl.AliasesFile("example.com")}:2: ", result.StdErr, StringComparison.Ordinal);
    }

    private async Task<MailCtlResult> Succeeds(params string[] arguments)
    {
        var result = await mailctl.RunAsync(arguments);
        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal(string.Empty, result.StdErr);
        return result;
    }
}
