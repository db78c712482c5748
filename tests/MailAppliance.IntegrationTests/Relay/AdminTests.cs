using System.Diagnostics;
using System.Net;
using System.Text.Json;
using MailAppliance.IntegrationTests.Infrastructure;

namespace MailAppliance.IntegrationTests.Relay;

/// <summary>A relay with one local domain; the tests change its certificates and domains and put them back.</summary>
public sealed class AdminRelay : RelayFixture
{
    public const string User = "alice@example.test";
    public const string Password = "secret-password";

    protected override RelaySetup CreateSetup() => new RelaySetup().WithUser(User, Password);
}

/// <summary>
/// The loopback admin API (health, status, TLS, reload) and the reload paths CertManager uses: SIGHUP and the
/// certificate files themselves. A reload must reach new sessions without dropping one already open.
/// </summary>
public sealed class AdminTests(AdminRelay fixture) : IClassFixture<AdminRelay>
{
    private const string CertificateName = "mail";
    private readonly RelayProcess _relay = fixture.Relay;

    [Fact]
    public async Task Health_IsHealthy()
    {
        using var response = await _relay.Admin.GetAsync("health");
        string body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{response.StatusCode}: {body}");
        Assert.Equal("Healthy", body);
    }

    [Fact]
    public async Task Status_ListsEveryListener_OnBothLoopbackAddresses()
    {
        using var status = await GetJsonAsync("admin/status");
        var root = status.RootElement;
        Assert.Equal("mail.example.test", root.GetProperty("hostname").GetString());
        var listeners = root.GetProperty("listeners").EnumerateArray()
            .Select(l => (l.GetProperty("name").GetString(), l.GetProperty("endpoint").GetString()))
            .Order().ToArray();
        (string?, string?)[] expected =
        [
            ("mx", $"127.0.0.1:{_relay.MxPort}"), ("mx", $"[::1]:{_relay.MxPort}"),
            ("submission", $"127.0.0.1:{_relay.SubmissionPort}"), ("submission", $"[::1]:{_relay.SubmissionPort}"),
            ("submissions", $"127.0.0.1:{_relay.SubmissionsPort}"), ("submissions", $"[::1]:{_relay.SubmissionsPort}"),
        ];
        Assert.Equal(expected.Order(), listeners);
        Assert.Equal(Path.GetFullPath(_relay.Queue), root.GetProperty("queue").GetProperty("directory").GetString());
    }

    [Fact]
    public async Task Tls_ReportsSerialAndExpiry_OfTheCertificateClientsSee()
    {
        await using var smtp = await RawSmtpClient.ConnectAsync(IPAddress.Loopback, _relay.SubmissionPort);
        await smtp.StartTlsAsync();
        var seen = smtp.RemoteCertificate!;

        using var tls = await GetJsonAsync("admin/tls");
        var served = tls.RootElement.GetProperty("default");
        Assert.Equal(seen.SerialNumber, served.GetProperty("serial").GetString());
        var notAfter = served.GetProperty("notAfter").GetDateTimeOffset();
        Assert.Equal(seen.NotAfter.ToUniversalTime(), notAfter.UtcDateTime, TimeSpan.FromSeconds(1));
        Assert.True(notAfter > DateTimeOffset.UtcNow.AddDays(7), $"the served certificate expires on {notAfter:u}");
        Assert.Contains("mail.example.test", served.GetProperty("dnsNames").EnumerateArray().Select(n => n.GetString()));
    }

    [Fact]
    public async Task PostReload_PicksUpANewDomain()
    {
        string domain = $"reloaded-{Guid.NewGuid():N}"[..20] + ".test";
        Assert.Equal(554, await RcptOnMxAsync("someone@" + domain)); // Not ours yet.

        try
        {
            Directory.CreateDirectory(_relay.DomainDirectory(domain));
            await File.WriteAllTextAsync(Path.Combine(_relay.DomainDirectory(domain), "aliases"), "*: someone@elsewhere.test\n");
            using var response = await _relay.Admin.PostAsync("admin/reload", null);
            string body = await response.Content.ReadAsStringAsync();
            Assert.True(response.StatusCode == HttpStatusCode.OK, $"{response.StatusCode}: {body}");
            using var json = JsonDocument.Parse(body);
            Assert.Contains(domain, json.RootElement.GetProperty("domains").EnumerateArray().Select(d => d.GetString()));

            Assert.Equal(250, await RcptOnMxAsync("someone@" + domain));
        }
        finally
        {
            Directory.Delete(_relay.DomainDirectory(domain), recursive: true);
            (await _relay.Admin.PostAsync("admin/reload", null)).Dispose();
        }
    }

    [Fact]
    public async Task PostReload_WithABrokenAliasesFile_Is422NamingFileAndLine_AndTheOldDomainsStay()
    {
        string aliases = Path.Combine(_relay.DomainDirectory("example.test"), "aliases");
        try
        {
            await File.WriteAllTextAsync(aliases, "postmaster: alice@example.test\nthis line has no colon\n");
            using var response = await _relay.Admin.PostAsync("admin/reload", null);
            string body = await response.Content.ReadAsStringAsync();

            Assert.True(response.StatusCode == HttpStatusCode.UnprocessableEntity, $"{response.StatusCode}: {body}");
            Assert.Contains($"{aliases}:2:", body);
            Assert.True(_relay.IsRunning);
            Assert.Equal(250, await RcptOnMxAsync(AdminRelay.User));
            Assert.Equal(550, await RcptOnMxAsync("postmaster@example.test")); // The broken file was not taken.
        }
        finally
        {
            File.Delete(aliases);
            (await _relay.Admin.PostAsync("admin/reload", null)).Dispose();
        }
    }

    [Fact]
    public async Task Sighup_WithABrokenUsersFile_LogsIt_AndKeepsServing()
    {
        string users = Path.Combine(_relay.DomainDirectory("example.test"), "users");
        string good = await File.ReadAllTextAsync(users);
        try
        {
            await File.WriteAllTextAsync(users, good + "bob\n");
            int from = _relay.OutputLength;
            await _relay.SendHangupAsync();
            await _relay.WaitForOutputAsync("reload on SIGHUP failed", from);

            Assert.True(_relay.IsRunning, "SIGHUP with a broken users file stopped the relay:\n" + _relay.Output);
            Assert.Contains($"{users}:", _relay.Output[from..]);
            await AssertCanSubmitAsync();
        }
        finally
        {
            await File.WriteAllTextAsync(users, good);
            (await _relay.Admin.PostAsync("admin/reload", null)).Dispose();
        }
    }

    [Fact]
    public async Task Sighup_ServesANewCertificate_AndASessionOpenedBeforeStillCompletes()
    {
        // A relay of its own: the certificates directory is swapped under it, which its file watcher cannot see,
        // so that only the signal can make it serve the new certificate.
        await using var relay = await RelayProcess.StartAsync(new RelaySetup().WithUser(AdminRelay.User, AdminRelay.Password));

        // A session in the middle of a transaction, under the old certificate.
        await using var before = await RawSmtpClient.ConnectAsync(IPAddress.Loopback, relay.SubmissionPort);
        await before.StartTlsAsync();
        string oldSerial = before.RemoteCertificate!.SerialNumber;
        Assert.Equal(235, (await before.AuthPlainAsync(AdminRelay.User, AdminRelay.Password)).Code);
        await before.ExpectAsync($"MAIL FROM:<{AdminRelay.User}>", 250);
        await before.ExpectAsync("RCPT TO:<bob@outside.test>", 250);

        using var certificate = TestCertificates.Create("mail.example.test", TimeSpan.FromDays(90));
        Assert.NotEqual(oldSerial, certificate.SerialNumber);
        string next = Path.Combine(relay.Root, "certs.next");
        TestCertificates.Write(Path.Combine(next, CertificateName), certificate);
        Directory.Move(relay.Certs, Path.Combine(relay.Root, "certs.previous"));
        Directory.Move(next, relay.Certs);
        await Task.Delay(TimeSpan.FromSeconds(1)); // Longer than the watcher's debounce.
        string? served = await ServedSerialAsync(relay);
        Assert.True(served == oldSerial,
            $"the relay already serves {served} without a signal: its file watcher now sees a swapped certs directory, so this " +
            "test can no longer tell the SIGHUP reload from the watcher's; hide the change from the watcher another way");

        int from = relay.OutputLength;
        await relay.SendHangupAsync();
        await relay.WaitForOutputAsync("SIGHUP: reloading certificates and domains", from);
        await WaitForServedSerialAsync(relay, certificate.SerialNumber);

        // New sessions get the new certificate, on STARTTLS and on implicit TLS.
        await using (var after = await RawSmtpClient.ConnectAsync(IPAddress.Loopback, relay.SubmissionPort))
        {
            await after.StartTlsAsync();
            Assert.Equal(certificate.SerialNumber, after.RemoteCertificate!.SerialNumber);
        }

        await using (var implicitTls = await RawSmtpClient.ConnectAsync(IPAddress.Loopback, relay.SubmissionsPort, implicitTls: true))
        {
            Assert.Equal(certificate.SerialNumber, implicitTls.RemoteCertificate!.SerialNumber);
        }

        // The old session was not dropped: it finishes its message.
        string marker = RealClientTests.Marker();
        var reply = await before.DataAsync($"Subject: across a reload\r\n\r\n{marker}\r\n");
        Assert.True(reply.Code == 250, $"the session opened before the reload got {reply}. Transcript:\n{before.Transcript}");
        await before.ExpectAsync("QUIT", 221);
        var message = SpoolFiles.Read(relay.Queue, SpoolFiles.QueueIdIn(reply.Text));
        Assert.Equal(["bob@outside.test"], message.Envelope.Recipients.Select(r => r.Address));
        Assert.Contains(marker, SpoolFiles.Text(message));
    }

    [Fact]
    public async Task CertificateFilesReplaced_AreServedWithoutASignal()
    {
        using var certificate = TestCertificates.Create("mail.example.test", TimeSpan.FromDays(60));
        int from = _relay.OutputLength;
        TestCertificates.Write(Path.Combine(_relay.Certs, CertificateName), certificate);
        await WaitForServedSerialAsync(_relay, certificate.SerialNumber);

        await using var smtp = await RawSmtpClient.ConnectAsync(IPAddress.Loopback, _relay.MxPort);
        await smtp.StartTlsAsync();
        Assert.Equal(certificate.SerialNumber, smtp.RemoteCertificate!.SerialNumber);
        Assert.DoesNotContain("SIGHUP", _relay.Output[from..]);
    }

    private async Task<JsonDocument> GetJsonAsync(string path)
    {
        using var response = await _relay.Admin.GetAsync(path);
        string body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"GET {path}: {response.StatusCode}: {body}");
        return JsonDocument.Parse(body);
    }

    private static async Task<string?> ServedSerialAsync(RelayProcess relay)
    {
        using var response = await relay.Admin.GetAsync("admin/tls");
        string body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"GET admin/tls: {response.StatusCode}: {body}");
        using var tls = JsonDocument.Parse(body);
        return tls.RootElement.GetProperty("default").GetProperty("serial").GetString();
    }

    private static async Task WaitForServedSerialAsync(RelayProcess relay, string serial)
    {
        var clock = Stopwatch.StartNew();
        string? served = null;
        while (clock.Elapsed < TimeSpan.FromSeconds(15))
        {
            served = await ServedSerialAsync(relay);
            if (served == serial)
            {
                return;
            }

            await Task.Delay(100);
        }

        throw new Xunit.Sdk.XunitException($"/admin/tls still serves {served}, not {serial}. Output:\n{relay.Output}");
    }

    /// <summary>The reply code to RCPT TO:&lt;address&gt; from an unauthenticated client on the mx port.</summary>
    private async Task<int> RcptOnMxAsync(string address)
    {
        await using var smtp = await RawSmtpClient.ConnectAsync(IPAddress.Loopback, _relay.MxPort);
        await smtp.ExpectAsync("EHLO client.example.test", 250);
        await smtp.ExpectAsync("MAIL FROM:<sender@remote.test>", 250);
        return (await smtp.CommandAsync($"RCPT TO:<{address}>")).Code;
    }

    private async Task AssertCanSubmitAsync()
    {
        await using var smtp = await RawSmtpClient.ConnectAsync(IPAddress.Loopback, _relay.SubmissionPort);
        await smtp.StartTlsAsync();
        Assert.Equal(235, (await smtp.AuthPlainAsync(AdminRelay.User, AdminRelay.Password)).Code);
        await smtp.ExpectAsync($"MAIL FROM:<{AdminRelay.User}>", 250);
        await smtp.ExpectAsync("RCPT TO:<bob@outside.test>", 250);
        Assert.Equal(250, (await smtp.DataAsync("Subject: still serving\r\n\r\nbody\r\n")).Code);
    }
}
