using MailAppliance.Core;
using MailAppliance.Srs;

namespace MailAppliance.Tests.Srs;

public sealed class SrsSecretsTests : IDisposable
{
    private readonly string state = Directory.CreateTempSubdirectory("mailappliance-srs-").FullName;

    public void Dispose() => Directory.Delete(state, recursive: true);

    [Fact]
    public void The_secret_is_created_once_with_mode_0600_and_reused()
    {
        string path = SrsSecrets.PathIn(state, new SrsOptions());

        var first = SrsSecrets.LoadOrCreate(path);
        var second = SrsSecrets.LoadOrCreate(path);

        Assert.Equal(Path.Combine(state, "srs", "secret"), path);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
        Assert.Single(first.Keys);
        Assert.True(first.Keys[0].Length >= 40, "a 32-octet random secret, base64");
        Assert.Equal(first.Keys[0], second.Keys[0]);
        Assert.Empty(Directory.GetFiles(Path.GetDirectoryName(path)!, ".*"));
    }

    [Fact]
    public void Addresses_made_before_a_restart_still_reverse()
    {
        string path = SrsSecrets.PathIn(state, new SrsOptions());
        string address = new SrsRewriter(SrsSecrets.LoadOrCreate(path)).Forward("alice@origin.test", "relay.test").Address;

        var afterRestart = new SrsRewriter(SrsSecrets.LoadOrCreate(path));

        Assert.Equal("alice@origin.test", afterRestart.Reverse(address).Address);
    }

    [Fact]
    public void Several_processes_creating_at_once_agree_on_one_secret()
    {
        string path = Path.Combine(state, "srs", "secret");

        var secrets = Enumerable.Range(0, 8).AsParallel().Select(_ => SrsSecrets.LoadOrCreate(path).Keys[0]).ToList();

        Assert.All(secrets, s => Assert.Equal(secrets[0], s));
    }

    [Fact]
    public void An_empty_secrets_file_stops_with_the_file_named()
    {
        string path = Path.Combine(state, "secret");
        File.WriteAllText(path, "# only a comment\n\n");

        var error = Assert.Throws<ConfigurationFileException>(() => SrsSecrets.LoadOrCreate(path));

        Assert.Contains(path, error.Message, StringComparison.Ordinal);
    }
}
