namespace MailAppliance.IntegrationTests.MailCtl;

/// <summary><c>mailctl user ...</c> run as the real program against a temporary config directory.</summary>
public sealed class MailCtlUserTests : IDisposable
{
    private readonly MailCtlFixture mailctl = new();

    public void Dispose() => mailctl.Dispose();

    [Fact]
    public async Task An_account_is_added_listed_checked_changed_and_removed()
    {
        await Succeeds("user", "add", "Alice@Example.COM", "--password", "alice password");
        await Succeeds("user", "add", "bob@example.com", "--password", "bob password");
        await Succeeds("user", "add", "carol@other.example", "--password", "carol password");

        Assert.Equal(["alice@example.com", "bob@example.com", "carol@other.example"], (await Succeeds("user", "list")).Lines);
        Assert.Equal(["carol@other.example"], (await Succeeds("user", "list", "other.example")).Lines);
        Assert.Equal(["ok"], (await Succeeds("user", "authenticate", "alice@example.com", "--password", "alice password")).Lines);

        var wrong = await mailctl.RunAsync(["user", "authenticate", "alice@example.com", "--password", "bob password"]);
        Assert.Equal(1, wrong.ExitCode);
        Assert.Equal(["wrong password or unknown user"], wrong.Lines);
        var unknown = await mailctl.RunAsync(["user", "authenticate", "zed@example.com", "--password", "alice password"]);
        Assert.Equal((1, "wrong password or unknown user\n"), (unknown.ExitCode, unknown.StdOut));

        await Succeeds("user", "passwd", "alice@example.com", "--password", "alice's new password");
        Assert.Equal(1, (await mailctl.RunAsync(["user", "authenticate", "alice@example.com", "--password", "alice password"])).ExitCode);
        await Succeeds("user", "authenticate", "alice@example.com", "--password", "alice's new password");

        await Succeeds("user", "remove", "alice@example.com");
        Assert.Equal(["bob@example.com", "carol@other.example"], (await Succeeds("user", "list")).Lines);
        var again = await mailctl.RunAsync(["user", "remove", "alice@example.com"]);
        Assert.Equal(1, again.ExitCode);
        Assert.Equal("mailctl: there is no user alice@example.com\n", again.StdErr);
    }

    [Fact]
    public async Task The_users_file_is_private_and_in_the_documented_format()
    {
        await Succeeds("user", "add", "alice@example.com", "--password", "alice password");

        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(mailctl.UsersFile("example.com")));
        string line = File.ReadAllLines(mailctl.UsersFile("example.com")).Single();
        Assert.Matches(@"^alice pbkdf2-sha512\$210000\$[A-Za-z0-9+/]{22}==\$[A-Za-z0-9+/]{43}=$", line);
    }

    [Fact]
    public async Task Without_the_option_the_password_is_read_from_standard_input()
    {
        var added = await mailctl.RunAsync(["user", "add", "alice@example.com"], stdin: "piped password\n");
        Assert.Equal(0, added.ExitCode);

        await Succeeds("user", "authenticate", "alice@example.com", "--password", "piped password");
        var checkedFromStdin = await mailctl.RunAsync(["user", "authenticate", "alice@example.com"], stdin: "piped password\n");
        Assert.Equal(["ok"], checkedFromStdin.Lines);
        var changed = await mailctl.RunAsync(["user", "passwd", "alice@example.com"], stdin: "another password\nignored\n");
        Assert.Equal(0, changed.ExitCode);
        await Succeeds("user", "authenticate", "alice@example.com", "--password", "another password");
    }

    [Theory]
    [InlineData("", "the password is empty")]
    [InlineData("short", "too short")]
    public async Task Weak_passwords_are_refused(string password, string expected)
    {
        var result = await mailctl.RunAsync(["user", "add", "alice@example.com", "--password", password]);

        Assert.Equal(1, result.ExitCode);
        Assert.Contains(expected, result.StdErr, StringComparison.Ordinal);
        Assert.False(File.Exists(mailctl.UsersFile("example.com")));
    }

    [Fact]
    public async Task An_existing_account_is_not_replaced()
    {
        await Succeeds("user", "add", "alice@example.com", "--password", "alice password");

        var result = await mailctl.RunAsync(["user", "add", "ALICE@example.com", "--password", "other password"]);

        Assert.Equal((1, "mailctl: the user alice@example.com already exists\n"), (result.ExitCode, result.StdErr));
        await Succeeds("user", "authenticate", "alice@example.com", "--password", "alice password");
    }

    [Fact]
    public async Task A_broken_users_file_is_reported_with_file_and_line_and_no_stack_trace()
    {
        Directory.CreateDirectory(Path.GetDirectoryName(mailctl.UsersFile("example.com"))!);
        await File.WriteAllTextAsync(mailctl.UsersFile("example.com"), "# accounts\nbob\n");

        var result = await mailctl.RunAsync(["user", "list"]);

        Assert.Equal(1, result.ExitCode);
        Assert.Equal($"mailctl: {mailctl.UsersFile("example.com")}:2: the account 'bob' has no password hash after its name\n", result.StdErr);
    }

    [Theory]
    [InlineData("alice")]
    [InlineData("alice@")]
    [InlineData("@example.com")]
    [InlineData("a@b@example.com")]
    [InlineData("al ice@example.com")]
    [InlineData("alice@exa\tmple.com")]
    [InlineData("alice@../../etc")]
    public async Task Invalid_addresses_are_usage_errors(string address)
    {
        var result = await mailctl.RunAsync(["user", "add", address, "--password", "alice password"]);

        Assert.Equal(2, result.ExitCode);
        Assert.StartsWith("mailctl: ", result.StdErr, StringComparison.Ordinal);
        Assert.Single(result.StdErr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }

    [Fact]
    public async Task Help_and_usage_errors_have_their_exit_codes()
    {
        Assert.Contains("user", (await Succeeds("help")).StdOut, StringComparison.Ordinal);
        Assert.Contains("authenticate", (await Succeeds("user", "--help")).StdOut, StringComparison.Ordinal);
        Assert.Contains("authenticate", (await Succeeds("help", "user")).StdOut, StringComparison.Ordinal);
        Assert.Equal(2, (await mailctl.RunAsync(["nonsense"])).ExitCode);
        Assert.Equal(2, (await mailctl.RunAsync(["user"])).ExitCode);
        Assert.Equal(2, (await mailctl.RunAsync(["user", "add"])).ExitCode);
        Assert.Equal(2, (await mailctl.RunAsync(["user", "add", "a@example.com", "--pasword", "x"])).ExitCode);
    }

    [Fact]
    public async Task The_config_directory_may_come_from_the_environment()
    {
        var added = await mailctl.RunWithEnvironmentAsync("user", "add", "alice@example.com", "--password", "alice password");

        Assert.Equal(0, added.ExitCode);
        Assert.True(File.Exists(mailctl.UsersFile("example.com")));
    }

    private async Task<MailCtlResult> Succeeds(params string[] arguments)
    {
        var result = await mailctl.RunAsync(arguments);
        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal(string.Empty, result.StdErr);
        return result;
    }
}
