using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using MailAppliance.Tls;
using Microsoft.Extensions.Logging.Abstractions;

namespace MailAppliance.Tests.Tls;

/// <summary>
/// The certificates the relay serves: the self-signed fallback, certbot-layout pairs chosen by SNI, reloads that
/// swap in a renewed certificate, and broken files that never replace a good certificate.
/// </summary>
public sealed class CertificateStoreTests : IDisposable
{
    private const string Hostname = "mail.example.test";
    private readonly string _root = Directory.CreateTempSubdirectory("mailappliance-tls-").FullName;

    private string CertsDirectory => Path.Combine(_root, "config", "certs");

    private string SelfSignedDirectory => Path.Combine(_root, "state", "tls");

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private CertificateStore Open(bool watch = false) =>
        new(CertsDirectory, SelfSignedDirectory, Hostname, NullLogger.Instance, watch);

    /// <summary>Writes certs/&lt;name&gt;/fullchain.pem and privkey.pem for a new certificate; returns its serial.</summary>
    private string WritePair(string name, string[] dnsNames, DateTimeOffset? notAfter = null, X509Certificate2? issuer = null, ECDsa? issuerKey = null)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={dnsNames[0]}", key, HashAlgorithmName.SHA256);
        var names = new SubjectAlternativeNameBuilder();
        foreach (string dns in dnsNames)
        {
            names.AddDnsName(dns);
        }

        request.CertificateExtensions.Add(names.Build());
        var end = notAfter ?? DateTimeOffset.UtcNow.AddDays(90);
        var start = end < DateTimeOffset.UtcNow ? end.AddDays(-30) : DateTimeOffset.UtcNow.AddMinutes(-5);
        using var certificate = issuer is null
            ? request.CreateSelfSigned(start, end)
            : request.Create(issuer.SubjectName, X509SignatureGenerator.CreateForECDsa(issuerKey!), start, end, RandomNumberGenerator.GetBytes(12));
        string directory = Path.Combine(CertsDirectory, name);
        Directory.CreateDirectory(directory);
        string chain = certificate.ExportCertificatePem() + "\n" + (issuer is null ? string.Empty : issuer.ExportCertificatePem() + "\n");
        File.WriteAllText(Path.Combine(directory, "fullchain.pem"), chain);
        File.WriteAllText(Path.Combine(directory, "privkey.pem"), key.ExportPkcs8PrivateKeyPem());
        return certificate.SerialNumber;
    }

    /// <summary>A real TLS handshake against the store's options; returns the certificate the client saw.</summary>
    private static async Task<X509Certificate2> HandshakeAsync(CertificateStore store, string? serverName)
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        using var client = new TcpClient();
        var connect = client.ConnectAsync(IPAddress.Loopback, ((IPEndPoint)listener.LocalEndpoint).Port);
        using var accepted = await listener.AcceptTcpClientAsync();
        await connect;
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        await using var serverTls = new SslStream(accepted.GetStream());
        await using var clientTls = new SslStream(client.GetStream(), false, (_, _, _, _) => true);
        var server = serverTls.AuthenticateAsServerAsync(
            (_, hello, _, _) => ValueTask.FromResult(store.OptionsFor(hello.ServerName)), null, timeout.Token);
        await clientTls.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
        {
            TargetHost = serverName ?? string.Empty,
            EnabledSslProtocols = SslProtocols.Tls12 | SslProtocols.Tls13,
        }, timeout.Token);
        await server;
        return new X509Certificate2(clientTls.RemoteCertificate!);
    }

    [Fact]
    public async Task Without_certificates_a_self_signed_one_is_served_and_kept()
    {
        string serial;
        using (var store = Open())
        {
            Assert.True(store.Default.SelfSigned);
            Assert.Equal("self-signed", store.Default.Name);
            Assert.True(store.Default.Covers(Hostname));
            Assert.Equal([Hostname], store.Default.DnsNames);
            Assert.Same(store.Default, Assert.Single(store.Certificates));
            serial = store.Default.Serial;
            Assert.Equal(serial, (await HandshakeAsync(store, Hostname)).SerialNumber);
            Assert.Equal(serial, (await HandshakeAsync(store, null)).SerialNumber);
        }

        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(SelfSignedDirectory, "privkey.pem")));

        // Stable across restarts, and an empty certs directory is the same as none.
        Directory.CreateDirectory(CertsDirectory);
        Directory.CreateDirectory(Path.Combine(CertsDirectory, "empty"));
        using var again = Open();
        Assert.Equal(serial, again.Default.Serial);
    }

    [Fact]
    public async Task Certificates_are_chosen_by_sni()
    {
        string main = WritePair("main", [Hostname, "example.test"]);
        string other = WritePair("other", ["other.example.test", "*.wild.test"]);
        using var store = Open();

        Assert.False(store.Default.SelfSigned);
        Assert.Equal("main", store.Default.Name);
        Assert.Equal(2, store.Certificates.Count);
        Assert.Equal(main, store.Select(null).Serial);
        Assert.Equal(main, store.Select("").Serial);
        Assert.Equal(main, store.Select("EXAMPLE.test").Serial);
        Assert.Equal(other, store.Select("other.example.test").Serial);
        Assert.Equal(other, store.Select("a.wild.test").Serial);
        Assert.Equal(main, store.Select("a.b.wild.test").Serial); // A wildcard covers one label only (RFC 6125 §6.4.3).
        Assert.Equal(main, store.Select("wild.test").Serial);
        Assert.Equal(main, store.Select("unknown.test").Serial);

        Assert.Equal(other, (await HandshakeAsync(store, "other.example.test")).SerialNumber);
        Assert.Equal(other, (await HandshakeAsync(store, "x.wild.test")).SerialNumber);
        Assert.Equal(main, (await HandshakeAsync(store, Hostname)).SerialNumber);
        Assert.Equal(main, (await HandshakeAsync(store, "unknown.test")).SerialNumber);
        Assert.Equal(main, (await HandshakeAsync(store, null)).SerialNumber);
    }

    [Fact]
    public async Task A_full_chain_serves_the_leaf_with_its_intermediate()
    {
        using var caKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var caRequest = new CertificateRequest("CN=Test Intermediate", caKey, HashAlgorithmName.SHA256);
        caRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        using var ca = caRequest.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddYears(1));
        string leaf = WritePair("main", [Hostname], issuer: ca, issuerKey: caKey);
        using var store = Open();

        Assert.Equal(leaf, store.Default.Serial);
        Assert.Equal("CN=" + Hostname, store.Default.Leaf.Subject);
        Assert.True(store.Default.Leaf.HasPrivateKey);
        Assert.Equal(leaf, (await HandshakeAsync(store, Hostname)).SerialNumber);
    }

    [Fact]
    public void Without_a_certificate_for_the_host_name_the_longest_lived_is_the_default()
    {
        WritePair("a", ["a.example.test"], DateTimeOffset.UtcNow.AddDays(10));
        string b = WritePair("b", ["b.example.test"], DateTimeOffset.UtcNow.AddDays(60));
        WritePair("c", ["c.example.test"], DateTimeOffset.UtcNow.AddDays(30));
        using var store = Open();
        Assert.Equal(b, store.Default.Serial);
        Assert.Equal(3, store.Certificates.Count);
    }

    [Fact]
    public void Expired_certificates_are_not_served()
    {
        WritePair("old", [Hostname], DateTimeOffset.UtcNow.AddDays(-1));
        string current = WritePair("other", ["other.example.test"]);
        using var store = Open();
        Assert.Equal(current, store.Default.Serial);
        Assert.Single(store.Certificates);

        Directory.Delete(Path.Combine(CertsDirectory, "other"), recursive: true);
        store.Reload();
        Assert.True(store.Default.SelfSigned);
    }

    [Fact]
    public async Task Reload_picks_up_a_replaced_certificate()
    {
        string first = WritePair("main", [Hostname]);
        using var store = Open();
        int reloads = 0;
        store.Reloaded += () => reloads++;
        Assert.Equal(first, store.Default.Serial);

        string renewed = WritePair("main", [Hostname]);
        Assert.NotEqual(first, renewed);
        Assert.Equal(first, store.Default.Serial); // Nothing changes until a reload.
        store.Reload();

        Assert.Equal(1, reloads);
        Assert.Equal(renewed, store.Default.Serial);
        Assert.Equal(renewed, store.Select(Hostname).Serial);
        Assert.Equal(renewed, (await HandshakeAsync(store, Hostname)).SerialNumber);
    }

    [Fact]
    public async Task The_file_watcher_reloads_a_renewed_certificate()
    {
        string first = WritePair("main", [Hostname]);
        using var store = Open(watch: true);
        Assert.Equal(first, store.Default.Serial);

        string renewed = WritePair("main", [Hostname]);
        var until = DateTime.UtcNow.AddSeconds(10);
        while (store.Default.Serial != renewed && DateTime.UtcNow < until)
        {
            await Task.Delay(50);
        }

        Assert.Equal(renewed, store.Default.Serial);
    }

    [Theory]
    [InlineData("fullchain.pem", "-----BEGIN CERTIFICATE-----\nnot base64 at all\n-----END CERTIFICATE-----\n")]
    [InlineData("fullchain.pem", "")]
    [InlineData("fullchain.pem", "-----BEGIN CERTIFICATE-----\nMIIB")]
    [InlineData("privkey.pem", "-----BEGIN PRIVATE KEY-----\nMIIB\n-----END PRIVATE KEY-----\n")]
    [InlineData("privkey.pem", "")]
    public void A_broken_file_is_skipped_and_the_previous_certificate_kept(string file, string content)
    {
        string good = WritePair("main", [Hostname]);
        string other = WritePair("other", ["other.example.test"]);
        using var store = Open();
        Assert.Equal(good, store.Default.Serial);

        File.WriteAllText(Path.Combine(CertsDirectory, "main", file), content); // A half-written renewal.
        store.Reload();

        Assert.Equal(good, store.Default.Serial);
        Assert.Equal(good, store.Select(Hostname).Serial);
        Assert.Equal(other, store.Select("other.example.test").Serial);

        // Once the renewal is complete, it is served.
        string renewed = WritePair("main", [Hostname]);
        store.Reload();
        Assert.Equal(renewed, store.Default.Serial);
    }

    [Fact]
    public void A_key_that_does_not_match_the_certificate_is_skipped_and_the_previous_one_kept()
    {
        string good = WritePair("main", [Hostname]);
        WritePair("stray", ["stray.example.test"]);
        using var store = Open();
        File.Copy(Path.Combine(CertsDirectory, "stray", "privkey.pem"), Path.Combine(CertsDirectory, "main", "privkey.pem"), overwrite: true);
        store.Reload();
        Assert.Equal(good, store.Default.Serial);
    }

    [Fact]
    public void A_broken_pair_at_start_is_skipped_and_the_rest_served()
    {
        WritePair("main", [Hostname]);
        File.WriteAllText(Path.Combine(CertsDirectory, "main", "fullchain.pem"), "garbage");
        string other = WritePair("other", ["other.example.test"]);
        Directory.CreateDirectory(Path.Combine(CertsDirectory, "incomplete"));
        File.WriteAllText(Path.Combine(CertsDirectory, "incomplete", "fullchain.pem"), "only half a pair");

        using var store = Open();
        Assert.Equal(other, store.Default.Serial);
        Assert.Single(store.Certificates);

        File.WriteAllText(Path.Combine(CertsDirectory, "other", "fullchain.pem"), "garbage too");
        store.Reload();
        Assert.Equal(other, store.Default.Serial); // Kept from the previous load.
    }

    [Fact]
    public void Only_garbage_at_start_falls_back_to_self_signed()
    {
        Directory.CreateDirectory(Path.Combine(CertsDirectory, "main"));
        File.WriteAllText(Path.Combine(CertsDirectory, "main", "fullchain.pem"), "garbage");
        File.WriteAllText(Path.Combine(CertsDirectory, "main", "privkey.pem"), "garbage");
        using var store = Open();
        Assert.True(store.Default.SelfSigned);
    }

    [Fact]
    public void A_removed_certificate_is_no_longer_served()
    {
        WritePair("main", [Hostname]);
        string other = WritePair("other", ["other.example.test"]);
        using var store = Open();
        Directory.Delete(Path.Combine(CertsDirectory, "main"), recursive: true);
        store.Reload();
        Assert.Equal(other, store.Default.Serial);
        Assert.Single(store.Certificates);
    }
}
