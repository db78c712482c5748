using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using MailAppliance.CertManager;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace MailAppliance.Tests.Acme;

public sealed class CertManagerUnitTests : IDisposable
{
    private readonly string _certs = Directory.CreateTempSubdirectory("certmanager-").FullName;

    public void Dispose() => Directory.Delete(_certs, recursive: true);

    [Fact]
    public void Backoff_DoublesPerFailure_IsCapped_AndHonorsRetryAfter()
    {
        var random = new Random(1);
        var min = TimeSpan.FromMinutes(1);
        var max = TimeSpan.FromHours(6);
        Assert.InRange(RetryBackoff.Next(1, min, max, null, random), TimeSpan.FromSeconds(48), TimeSpan.FromSeconds(72));
        Assert.InRange(RetryBackoff.Next(4, min, max, null, random), TimeSpan.FromSeconds(384), TimeSpan.FromSeconds(576));
        Assert.InRange(RetryBackoff.Next(40, min, max, null, random), max * 0.8, max * 1.2);
        Assert.Equal(TimeSpan.FromHours(3), RetryBackoff.Next(1, min, max, TimeSpan.FromHours(3), random));
    }

    [Fact]
    public void Health_FollowsTheCertificateAndTheLastAttempt()
    {
        var now = new DateTimeOffset(2026, 6, 1, 0, 0, 0, TimeSpan.Zero);
        var valid = new CurrentCertificate(Certificate(now.AddDays(-30), now.AddDays(60)), Placeholder: false);
        Assert.Equal(HealthStatus.Healthy, Evaluate(new("c", valid, null, 0), now));
        Assert.Equal(HealthStatus.Degraded, Evaluate(new("c", valid, "connection refused", 2), now));
        Assert.Equal(HealthStatus.Degraded, Evaluate(new("c", valid with { Placeholder = true }, null, 0), now));
        Assert.Equal(HealthStatus.Unhealthy, Evaluate(new("c", null, null, 0), now));

        var nearlyExpired = new CurrentCertificate(Certificate(now.AddDays(-85), now.AddDays(5)), Placeholder: false);
        Assert.Equal(HealthStatus.Unhealthy, Evaluate(new("c", nearlyExpired, "rate limited", 9), now));
        var expired = new CurrentCertificate(Certificate(now.AddDays(-95), now.AddDays(-5)), Placeholder: false);
        Assert.Equal(HealthStatus.Unhealthy, Evaluate(new("c", expired, null, 0), now));
    }

    [Fact]
    public void Files_AreWrittenWithModes_AndAMismatchedKeyWritesNothing()
    {
        var files = new CertificateFiles(_certs, "mail.example.test");
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var certificate = SelfSigned(key, "mail.example.test");
        files.Write(certificate.ExportCertificatePem(), key.ExportPkcs8PrivateKeyPem());
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(files.KeyPath));
        Assert.Equal(certificate.SerialNumber, files.Read()!.Serial);
        Assert.False(files.Read()!.Placeholder);

        using var otherKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var other = SelfSigned(otherKey, "mail.example.test");
        Assert.ThrowsAny<CryptographicException>(() => files.Write(other.ExportCertificatePem(), key.ExportPkcs8PrivateKeyPem()));
        Assert.Equal(certificate.SerialNumber, files.Read()!.Serial);
        Assert.Equal(2, Directory.GetFiles(files.Directory).Length);
    }

    [Fact]
    public void ThePlaceholderCoversEveryName_AndIsWrittenOnlyWhenNothingUsableExists()
    {
        var files = new CertificateFiles(_certs, "mail.example.test");
        Assert.True(files.EnsurePlaceholder(["mail.example.test", "mta-sts.example.test"], TimeProvider.System));
        var placeholder = files.Read()!;
        Assert.True(placeholder.Placeholder);
        Assert.True(placeholder.Leaf.MatchesHostname("mta-sts.example.test"));
        Assert.False(files.EnsurePlaceholder(["mail.example.test"], TimeProvider.System));
        Assert.Equal(placeholder.Serial, files.Read()!.Serial);
    }

    [Fact]
    public void Names_DefaultToTheHostname_AndAWildcardGetsAFileSystemFriendlyDirectory()
    {
        Assert.Equal(["mail.example.test"], new CertManagerOptions().EffectiveNames("Mail.Example.Test."));
        var wildcard = new CertManagerOptions { Names = ["*.example.test", "example.test"] };
        Assert.Equal("_wildcard.example.test", wildcard.EffectiveCertificateName("ignored"));
    }

    [Fact]
    public void WithoutAMode_SpecialUseNamesAreNotSentToThePublicCa()
    {
        // The development config: mail.example.test, no CertManager settings. No public CA issues for .test (RFC 6761).
        Assert.Equal(CertManagerMode.None, new CertManagerOptions().EffectiveMode("mail.example.test"));
        Assert.Equal(CertManagerMode.Acme, new CertManagerOptions().EffectiveMode("mail.example.com"));
        Assert.Equal(CertManagerMode.Acme, new CertManagerOptions { Names = ["mail.example.test", "mail.example.com"] }.EffectiveMode("x"));
        Assert.Equal(CertManagerMode.Acme, new CertManagerOptions { DirectoryUrl = "https://127.0.0.1:14000/dir" }.EffectiveMode("mail.example.test"));
        Assert.Equal(CertManagerMode.Acme, new CertManagerOptions { Mode = CertManagerMode.Acme }.EffectiveMode("mail.example.test"));
        Assert.Equal(CertManagerMode.External, new CertManagerOptions { Mode = CertManagerMode.External }.EffectiveMode("mail.example.com"));
    }

    [Fact]
    public void Dns01Settings_ParseServerKeyAndZone()
    {
        var settings = new Dns01Options { Server = "127.0.0.1", Zone = "example.test", TsigKeyName = "k", TsigSecret = Convert.ToBase64String(new byte[32]) }.ToSettings();
        Assert.Equal(53, settings.Server.Port);
        Assert.Equal("hmac-sha256", settings.Key!.Algorithm);
        Assert.Throws<FormatException>(() => new Dns01Options { Server = "not an address", Zone = "z" }.ToSettings());
    }

    [Theory]
    [InlineData(typeof(CertManagerOptions))]
    [InlineData(typeof(Dns01Options))]
    public void EverySettingIsInTheConfigurationReference(Type options)
    {
        var root = new DirectoryInfo(AppContext.BaseDirectory);
        while (root is not null && !File.Exists(Path.Combine(root.FullName, "MailAppliance.sln")))
        {
            root = root.Parent;
        }

        string docs = File.ReadAllText(Path.Combine(root!.FullName, "docs", "configuration.md"));
        var missing = options.GetProperties().Where(p => p.SetMethod is not null).Select(p => p.Name)
            .Where(name => !docs.Contains($"`{name}", StringComparison.Ordinal) && !docs.Contains($":{name}`", StringComparison.Ordinal)).ToList();
        Assert.True(missing.Count == 0, $"docs/configuration.md does not document {options.Name}: {string.Join(", ", missing)}");
    }

    private static HealthStatus Evaluate(CertificateStatus.Snapshot snapshot, DateTimeOffset now) =>
        CertificateHealthCheck.Evaluate(snapshot, 0.1, now).Status;

    private static X509Certificate2 Certificate(DateTimeOffset notBefore, DateTimeOffset notAfter)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        return new CertificateRequest("CN=c", key, HashAlgorithmName.SHA256).CreateSelfSigned(notBefore, notAfter);
    }

    private static X509Certificate2 SelfSigned(ECDsa key, string name)
    {
        var request = new CertificateRequest("CN=" + name, key, HashAlgorithmName.SHA256);
        var now = DateTimeOffset.UtcNow;
        return request.CreateSelfSigned(now.AddMinutes(-5), now.AddDays(30));
    }
}
