using System.Diagnostics;
using System.Net;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using MailAppliance.IntegrationTests.Infrastructure;
using MailAppliance.IntegrationTests.Relay;

namespace MailAppliance.IntegrationTests.Acme;

/// <summary>
/// The CertManager process against Debian's Pebble, next to a real relay process sharing its config directory:
/// issuance through HTTP-01, renewal picked up by the relay without restart, and a CA that stops answering.
/// </summary>
public sealed class CertManagerPebbleTests
{
    private const string Hostname = "mail.example.test";
    private const string User = "alice@example.test";
    private const string Password = "correct horse battery staple";

    [PebbleFact]
    public async Task IssuesThroughHttp01_WritesTheFilesWithTheirModes_AndTheRelayServesIt()
    {
        await using var pebble = await PebbleServer.StartAsync();
        await using var relay = await RelayProcess.StartAsync(new RelaySetup { Hostname = Hostname });
        await using var certManager = await CertManagerProcess.StartAsync(relay.Config, relay.State,
            CertManagerProcess.PebbleSettings(pebble, relay.AdminUri));

        await certManager.WaitForHealthAsync("Healthy", TimeSpan.FromSeconds(60));
        string directory = Path.Combine(relay.Certs, Hostname);
        string chainPath = Path.Combine(directory, "fullchain.pem");
        string keyPath = Path.Combine(directory, "privkey.pem");
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(keyPath));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead, File.GetUnixFileMode(chainPath));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(relay.State, "acme", "account-key.pem")));
        Assert.Empty(Directory.GetFiles(directory, "*.tmp"));

        string chain = await File.ReadAllTextAsync(chainPath);
        Assert.True(await pebble.ChainsToRootAsync(chain), "fullchain.pem does not lead to Pebble's root:\n" + chain);
        using var leaf = X509Certificate2.CreateFromPemFile(chainPath, keyPath);
        Assert.True(leaf.MatchesHostname(Hostname));

        // The state file is saved just after the health report turns Healthy: wait for it rather than race it.
        var state = await certManager.WaitForStateAsync(Hostname, s => s.Serial == leaf.SerialNumber && s.RelayConfirmed, TimeSpan.FromSeconds(30));
        Assert.Equal(leaf.SerialNumber, state.Serial);
        Assert.True(state.RelayConfirmed, "CertManager did not read the new serial back from the relay:\n" + certManager.Output);
        Assert.Equal(leaf.SerialNumber, await ServedSerialAsync(relay));

        await using (var client = await RawSmtpClient.ConnectAsync(IPAddress.Loopback, relay.SubmissionsPort, implicitTls: true))
        {
            Assert.Equal(leaf.SerialNumber, client.RemoteCertificate!.SerialNumber);
        }

        // mailctl cert status reads the same files and CertManager's state.
        var (exitCode, stdout, stderr) = await Repo.RunDotnetAsync(Repo.MailCtl, ["--config", relay.Config, "cert", "status", "--json"],
            new Dictionary<string, string> { ["MAILAPPLIANCE_STATE"] = relay.State });
        Assert.True(exitCode == 0, stderr);
        using var status = JsonDocument.Parse(stdout);
        var line = status.RootElement.EnumerateArray().Single(e => e.GetProperty("name").GetString() == Hostname);
        Assert.Equal(leaf.SerialNumber, line.GetProperty("serial").GetString());
        Assert.Contains("Pebble", line.GetProperty("issuer").GetString(), StringComparison.Ordinal);
        Assert.False(line.GetProperty("placeholder").GetBoolean());
        var nextRenewal = line.GetProperty("nextRenewal").GetDateTimeOffset();
        Assert.InRange(nextRenewal, DateTimeOffset.UtcNow, leaf.NotAfter.ToUniversalTime());
        Assert.True(line.GetProperty("relayConfirmed").GetBoolean());

        (exitCode, stdout, _) = await Repo.RunDotnetAsync(Repo.MailCtl, ["--config", relay.Config, "cert", "status"],
            new Dictionary<string, string> { ["MAILAPPLIANCE_STATE"] = relay.State });
        Assert.Equal(0, exitCode);
        Assert.Contains($"serial:       {leaf.SerialNumber}", stdout, StringComparison.Ordinal);
        Assert.Contains("next renewal: ", stdout, StringComparison.Ordinal);
    }

    [PebbleFact]
    public async Task RenewsOnItsOwn_TheRelayServesTheNewSerial_AndASessionOpenedBeforeCompletes()
    {
        // Five-minute certificates renewed when 95 % of the lifetime remains: a renewal about every 15 s.
        await using var pebble = await PebbleServer.StartAsync(new PebbleOptions { CertificateValidity = TimeSpan.FromMinutes(5) });
        await using var relay = await RelayProcess.StartAsync(new RelaySetup { Hostname = Hostname }.WithUser(User, Password));
        var settings = CertManagerProcess.PebbleSettings(pebble, relay.AdminUri);
        settings["CertManager__RenewBefore"] = "0.95";
        await using var certManager = await CertManagerProcess.StartAsync(relay.Config, relay.State, settings);
        await certManager.WaitForHealthAsync("Healthy", TimeSpan.FromSeconds(60));
        // The state file may trail the health report by a moment (and a renewal may already be under way): wait for it.
        string first = (await certManager.WaitForStateAsync(Hostname, s => s.Serial is not null, TimeSpan.FromSeconds(30))).Serial!;
        await WaitForServedSerialAsync(relay, s => s == first, TimeSpan.FromSeconds(10));

        // A session in the middle of a transaction under the first certificate.
        await using var before = await RawSmtpClient.ConnectAsync(IPAddress.Loopback, relay.SubmissionPort);
        await before.StartTlsAsync();
        Assert.Equal(first, before.RemoteCertificate!.SerialNumber);
        Assert.Equal(235, (await before.AuthPlainAsync(User, Password)).Code);
        await before.ExpectAsync($"MAIL FROM:<{User}>", 250);
        await before.ExpectAsync("RCPT TO:<bob@outside.test>", 250);

        // No restart, no signal from the test: CertManager renews when due and the relay serves the result.
        string renewed = await WaitForServedSerialAsync(relay, s => s != first, TimeSpan.FromSeconds(60), certManager);
        Assert.Equal(renewed, ReadSerial(Path.Combine(relay.Certs, Hostname, "fullchain.pem")));

        await using (var after = await RawSmtpClient.ConnectAsync(IPAddress.Loopback, relay.SubmissionsPort, implicitTls: true))
        {
            string seen = after.RemoteCertificate!.SerialNumber;
            Assert.NotEqual(first, seen);
        }

        string marker = RealClientTests.Marker();
        var reply = await before.DataAsync($"Subject: across a renewal\r\n\r\n{marker}\r\n");
        Assert.True(reply.Code == 250, $"the session opened before the renewal got {reply}. Transcript:\n{before.Transcript}");
        await before.ExpectAsync("QUIT", 221);
        Assert.Contains("--- test harness: start #1 of the relay ---", relay.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("start #2", relay.Output, StringComparison.Ordinal);
    }

    [PebbleFact]
    public async Task ACaThatStopsAnswering_LeavesTheCurrentCertificate_AndHealthDegraded()
    {
        await using var pebble = await PebbleServer.StartAsync(new PebbleOptions { CertificateValidity = TimeSpan.FromMinutes(10) });
        await using var relay = await RelayProcess.StartAsync(new RelaySetup { Hostname = Hostname });
        var settings = CertManagerProcess.PebbleSettings(pebble, relay.AdminUri);
        settings["CertManager__RenewBefore"] = "0.98";
        await using var certManager = await CertManagerProcess.StartAsync(relay.Config, relay.State, settings);
        await certManager.WaitForHealthAsync("Healthy", TimeSpan.FromSeconds(60));

        string directory = Path.Combine(relay.Certs, Hostname);
        byte[] chain = await File.ReadAllBytesAsync(Path.Combine(directory, "fullchain.pem"));
        byte[] key = await File.ReadAllBytesAsync(Path.Combine(directory, "privkey.pem"));
        string serial = ReadSerial(Path.Combine(directory, "fullchain.pem"));
        pebble.Stop();

        // Renewal falls due about 12 s after issuance and fails: connection refused, then retries with backoff.
        await certManager.WaitForHealthAsync("Degraded", TimeSpan.FromSeconds(60));
        var state = await certManager.WaitForStateAsync(Hostname, s => s.ConsecutiveFailures >= 1, TimeSpan.FromSeconds(30));
        Assert.True(state.ConsecutiveFailures >= 1);
        Assert.False(string.IsNullOrEmpty(state.LastError));
        Assert.Equal(chain, await File.ReadAllBytesAsync(Path.Combine(directory, "fullchain.pem")));
        Assert.Equal(key, await File.ReadAllBytesAsync(Path.Combine(directory, "privkey.pem")));
        Assert.Empty(Directory.GetFiles(directory, ".*"));
        Assert.Equal(serial, await ServedSerialAsync(relay));
        Assert.Contains("the current certificate stays in place", certManager.Output, StringComparison.Ordinal);
    }

    internal static string ReadSerial(string chainPath)
    {
        using var leaf = X509Certificate2.CreateFromPem(File.ReadAllText(chainPath));
        return leaf.SerialNumber;
    }

    internal static async Task<string?> ServedSerialAsync(RelayProcess relay)
    {
        using var document = JsonDocument.Parse(await relay.Admin.GetStringAsync("admin/tls"));
        return document.RootElement.GetProperty("default").GetProperty("serial").GetString();
    }

    internal static async Task<string> WaitForServedSerialAsync(RelayProcess relay, Func<string, bool> wanted, TimeSpan timeout, CertManagerProcess? certManager = null)
    {
        var deadline = Stopwatch.StartNew();
        string? served = null;
        while (deadline.Elapsed < timeout)
        {
            served = await ServedSerialAsync(relay);
            if (served is not null && wanted(served))
            {
                return served;
            }

            await Task.Delay(200);
        }

        throw new TimeoutException($"the relay still serves {served}. CertManager:\n{certManager?.Output}\nRelay:\n{relay.Output}");
    }
}
