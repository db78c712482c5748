using MailAppliance.Core;
using MailAppliance.Dkim;

namespace MailAppliance.Tests.Dkim;

/// <summary>Private keys: PEM files, generation, the RFC 8463 key, and the errors that name a broken file.</summary>
public sealed class DkimKeyTests : IDisposable
{
    private readonly string directory = Directory.CreateTempSubdirectory("mailappliance-dkim-").FullName;

    public void Dispose() => Directory.Delete(directory, recursive: true);

    [Fact]
    public void The_rfc_8463_private_key_gives_the_rfc_8463_public_key()
    {
        using var key = DkimPrivateKey.FromEd25519Seed(DkimTestKeys.Rfc8463Seed);

        Assert.Equal(DkimTestKeys.Rfc8463PublicKey, Convert.ToBase64String(key.PublicKeyData()));
    }

    [Theory]
    [InlineData(DkimKeyType.Rsa, "20250131r")]
    [InlineData(DkimKeyType.Ed25519, "20250131e")]
    public void A_generated_key_file_is_private_pkcs8_and_loads_back(DkimKeyType type, string selector)
    {
        Assert.Equal(selector, DkimKeyGenerator.DefaultSelector(type, new DateTimeOffset(2025, 1, 31, 23, 0, 0, TimeSpan.Zero)));
        using var created = DkimKeyGenerator.CreateKeyFile(directory, "Example.COM", selector, type);
        string path = DkimKeyDirectory.KeyFile(directory, selector);

        Assert.Equal(SafeFile.Secret, File.GetUnixFileMode(path));
        Assert.StartsWith("-----BEGIN PRIVATE KEY-----", File.ReadAllText(path), StringComparison.Ordinal);
        var loaded = Assert.Single(DkimKeyDirectory.Load(directory, "example.com"));
        Assert.Equal((selector, "example.com", type), (loaded.Selector, loaded.Domain, loaded.PrivateKey.KeyType));
        Assert.Equal(created.PrivateKey.PublicKeyData(), loaded.PrivateKey.PublicKeyData());
        Assert.Equal(type == DkimKeyType.Rsa ? 2048 : 256, loaded.PrivateKey.KeySize);
        loaded.Dispose();
    }

    [Fact]
    public void An_existing_selector_is_never_overwritten()
    {
        using var first = DkimKeyGenerator.CreateKeyFile(directory, "example.com", "sel", DkimKeyType.Ed25519);
        string before = File.ReadAllText(DkimKeyDirectory.KeyFile(directory, "sel"));

        Assert.Throws<IOException>(() => DkimKeyGenerator.CreateKeyFile(directory, "example.com", "sel", DkimKeyType.Rsa));
        Assert.Equal(before, File.ReadAllText(DkimKeyDirectory.KeyFile(directory, "sel")));
    }

    [Theory]
    [InlineData("not a key at all\n", "no PEM block")]
    [InlineData("-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n", "damaged")]
    [InlineData("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n", "not a private key")]
    public void A_broken_key_file_is_an_error_naming_the_file(string content, string problem)
    {
        string path = Path.Combine(directory, "broken.pem");
        File.WriteAllText(path, content);

        var error = Assert.Throws<ConfigurationFileException>(() => DkimKeyDirectory.Load(directory, "example.com"));
        Assert.Equal(path, error.File);
        Assert.StartsWith(path + ": ", error.Message, StringComparison.Ordinal);
        Assert.Contains(problem, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_file_name_that_is_no_selector_is_an_error_naming_the_file()
    {
        string path = Path.Combine(directory, "bad selector!.pem");
        File.WriteAllText(path, DkimTestKeys.Ed25519Key.ExportPkcs8Pem());

        Assert.Equal(path, Assert.Throws<ConfigurationFileException>(() => DkimKeyDirectory.Load(directory, "example.com")).File);
    }

    [Fact]
    public void Pkcs1_rsa_keys_from_older_tools_are_accepted_and_short_rsa_keys_are_not()
    {
        using var rsa = System.Security.Cryptography.RSA.Create(2048);
        using var key = DkimPrivateKey.FromPem(rsa.ExportRSAPrivateKeyPem());
        Assert.Equal(DkimKeyType.Rsa, key.KeyType);

        using var small = System.Security.Cryptography.RSA.Create(512);
        Assert.Throws<DkimFormatException>(() => DkimPrivateKey.FromPem(small.ExportPkcs8PrivateKeyPem()));
    }

    [Fact]
    public void A_missing_key_directory_means_no_keys()
    {
        Assert.Empty(DkimKeyDirectory.Load(Path.Combine(directory, "absent"), "example.com"));
    }
}
