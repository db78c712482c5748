using MailAppliance.Core;
using MailAppliance.Dkim;

namespace MailAppliance.Tests.Dkim;

public sealed class DkimKeyringTests : IDisposable
{
    private readonly string _domains = Directory.CreateTempSubdirectory("keyring-").FullName;

    private string Keys(string domain) => Path.Combine(_domains, domain, DkimKeyDirectory.DirectoryName);

    [Fact]
    public void Every_key_of_a_domain_signs_and_domains_without_keys_have_none()
    {
        DkimKeyGenerator.CreateKeyFile(Keys("example.test"), "example.test", "r1", DkimKeyType.Rsa).Dispose();
        DkimKeyGenerator.CreateKeyFile(Keys("example.test"), "example.test", "e1", DkimKeyType.Ed25519).Dispose();
        Directory.CreateDirectory(Path.Combine(_domains, "nokeys.test"));
        using var keyring = new DkimKeyring(_domains);
        Assert.Equal(["e1", "r1"], keyring.For("Example.TEST").Select(k => k.Selector));
        Assert.Empty(keyring.For("nokeys.test"));
        Assert.Equal(["example.test"], keyring.Domains);
    }

    [Fact]
    public void Reload_picks_up_a_new_selector_and_keeps_the_old_keys_when_a_file_is_broken()
    {
        DkimKeyGenerator.CreateKeyFile(Keys("example.test"), "example.test", "r1", DkimKeyType.Rsa).Dispose();
        using var keyring = new DkimKeyring(_domains);
        DkimKeyGenerator.CreateKeyFile(Keys("example.test"), "example.test", "e2", DkimKeyType.Ed25519).Dispose();
        keyring.Reload();
        Assert.Equal(["e2", "r1"], keyring.For("example.test").Select(k => k.Selector));

        File.WriteAllText(Path.Combine(Keys("example.test"), "broken.pem"), "not a key");
        var error = Assert.Throws<ConfigurationFileException>(keyring.Reload);
        Assert.Contains("broken.pem", error.Message, StringComparison.Ordinal);
        Assert.Equal(["e2", "r1"], keyring.For("example.test").Select(k => k.Selector));
    }

    [Fact]
    public void A_broken_key_file_stops_loading_with_the_file_named()
    {
        Directory.CreateDirectory(Keys("example.test"));
        File.WriteAllText(Path.Combine(Keys("example.test"), "s1.pem"), "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n");
        var error = Assert.Throws<ConfigurationFileException>(() => new DkimKeyring(_domains));
        Assert.Contains("s1.pem", error.Message, StringComparison.Ordinal);
    }

    public void Dispose() => Directory.Delete(_domains, recursive: true);
}
