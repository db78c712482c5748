using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text.RegularExpressions;
using MailAppliance.IntegrationTests.Infrastructure;

namespace MailAppliance.IntegrationTests.MailCtl;

/// <summary>
/// The first day with the real programs: <c>mailctl init</c> writes a config, the real relay starts on it, and
/// <c>mailctl send</c> with the password init printed gets a queue id over 587 and 465; <c>mailctl status</c> sees
/// the relay up and then down. Everything on loopback.
/// </summary>
public sealed partial class MailCtlFirstDayTests
{
    private const string Domain = "firstday.test";
    private const string HostName = "mail.firstday.test";

    // RFC 5737 documentation address: only printed into the records, never contacted.
    private const string PublicAddress = "203.0.113.25";

    [Fact]
    public async Task Init_writes_a_config_the_relay_runs_on_and_send_gets_queue_ids_over_587_and_465()
    {
        await using var relay = await InitializedRelayAsync();
        var init = await MailCtlAsync(relay, ["init", Domain, "--hostname", HostName, "--ip", PublicAddress]);
        Assert.True(init.ExitCode == 0, init.ToString());
        string password = Password(init);
        Assert.Contains($"{HostName}.", init.StdOut, StringComparison.Ordinal);
        Assert.Contains("k=rsa", init.StdOut, StringComparison.Ordinal);
        Assert.Contains("k=ed25519", init.StdOut, StringComparison.Ordinal);
        Assert.Contains($"ip4:{PublicAddress}", init.StdOut, StringComparison.Ordinal);
        Assert.Equal(2, Directory.GetFiles(Path.Combine(relay.DomainDirectory(Domain), "dkim"), "*.pem").Length);

        var check = await MailCtlAsync(relay, ["config", "check"]);
        Assert.True(check.ExitCode == 0, check.ToString());

        await relay.StartAsync();

        foreach (var (port, tlsArguments) in new[] { (relay.SubmissionPort, Array.Empty<string>()), (relay.SubmissionsPort, ["--implicit-tls"]) })
        {
            var sent = await MailCtlAsync(relay,
            [
                "send", "--server", $"127.0.0.1:{port.ToString(CultureInfo.InvariantCulture)}", "--user", $"postmaster@{Domain}",
                "--password", password, "--to", "someone@elsewhere.test", "--insecure", .. tlsArguments,
            ]);
            Assert.True(sent.ExitCode == 0, $"{sent}\nrelay: {relay.Output}");
            Assert.Contains("TLS: Tls1", sent.StdOut, StringComparison.Ordinal);
            Assert.Contains($"certificate: subject CN={HostName}", sent.StdOut, StringComparison.Ordinal);
            Assert.Contains("certificate verified: no", sent.StdOut, StringComparison.Ordinal);
            Assert.Contains($"AUTH: ok as postmaster@{Domain}", sent.StdOut, StringComparison.Ordinal);

            string id = QueueId().Match(sent.StdOut) is { Success: true } match ? match.Groups[1].Value : throw new Xunit.Sdk.XunitException(sent.ToString());
            using var queued = await relay.Admin.GetAsync($"admin/queue/{id}");
            Assert.Equal(HttpStatusCode.OK, queued.StatusCode);
        }
    }

    [Fact]
    public async Task Send_fails_clearly_on_a_wrong_password_an_unverified_certificate_and_a_closed_port()
    {
        await using var relay = await InitializedRelayAsync();
        var init = await MailCtlAsync(relay, ["init", Domain, "--hostname", HostName, "--ip", PublicAddress]);
        Assert.True(init.ExitCode == 0, init.ToString());
        await relay.StartAsync();
        string submission = $"127.0.0.1:{relay.SubmissionPort.ToString(CultureInfo.InvariantCulture)}";

        var wrong = await MailCtlAsync(relay, ["send", "--server", submission, "--user", $"postmaster@{Domain}", "--to", "a@elsewhere.test", "--insecure"],
            stdin: "not the password\n");
        Assert.Equal(1, wrong.ExitCode);
        Assert.Contains("AUTH failed", wrong.StdErr, StringComparison.Ordinal);

        // The self-signed certificate does not verify: without --insecure the send stops at TLS.
        var unverified = await MailCtlAsync(relay, ["send", "--server", submission, "--user", $"postmaster@{Domain}", "--password", Password(init), "--to", "a@elsewhere.test"]);
        Assert.Equal(1, unverified.ExitCode);
        Assert.Contains("TLS failed", unverified.StdErr, StringComparison.Ordinal);
        Assert.Contains("certificate verified: no", unverified.StdOut, StringComparison.Ordinal);

        var refused = await MailCtlAsync(relay, ["send", "--server", $"127.0.0.1:{ClosedPort().ToString(CultureInfo.InvariantCulture)}", "--user", $"postmaster@{Domain}", "--password", "whatever1", "--to", "a@elsewhere.test"]);
        Assert.Equal(1, refused.ExitCode);
        Assert.Contains("cannot connect", refused.StdErr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Init_run_twice_keeps_the_settings_keys_and_account()
    {
        await using var relay = await InitializedRelayAsync();
        var first = await MailCtlAsync(relay, ["init", Domain, "--hostname", HostName, "--ip", PublicAddress]);
        Assert.True(first.ExitCode == 0, first.ToString());
        string password = Password(first);
        string settings = await File.ReadAllTextAsync(Path.Combine(relay.Config, "appliance.json"));
        var keys = Directory.GetFiles(Path.Combine(relay.DomainDirectory(Domain), "dkim")).Order(StringComparer.Ordinal)
            .ToDictionary(f => f, File.ReadAllText);
        string users = await File.ReadAllTextAsync(Path.Combine(relay.DomainDirectory(Domain), "users"));

        var second = await MailCtlAsync(relay, ["init", Domain, "--hostname", "other.firstday.test", "--ip", PublicAddress]);
        Assert.True(second.ExitCode == 0, second.ToString());
        Assert.DoesNotContain("password:", second.StdOut, StringComparison.Ordinal);
        Assert.Contains("kept account postmaster@firstday.test", second.StdOut, StringComparison.Ordinal);
        Assert.Equal(2, second.Lines.Count(l => l.StartsWith("kept DKIM key", StringComparison.Ordinal)));
        Assert.Contains("kept " + Path.Combine(relay.Config, "appliance.json"), second.StdOut, StringComparison.Ordinal);

        Assert.Equal(settings, await File.ReadAllTextAsync(Path.Combine(relay.Config, "appliance.json")));
        Assert.Equal(keys, Directory.GetFiles(Path.Combine(relay.DomainDirectory(Domain), "dkim")).Order(StringComparer.Ordinal)
            .ToDictionary(f => f, File.ReadAllText));
        Assert.Equal(users, await File.ReadAllTextAsync(Path.Combine(relay.DomainDirectory(Domain), "users")));
        var authenticated = await MailCtlAsync(relay, ["user", "authenticate", $"postmaster@{Domain}", "--password", password]);
        Assert.Equal(["ok"], authenticated.Lines);

        // Another account on the same domain: the keys stay, the new account gets a password of its own.
        var third = await MailCtlAsync(relay, ["init", Domain, "--hostname", HostName, "--user", "alice", "--ip", PublicAddress]);
        Assert.True(third.ExitCode == 0, third.ToString());
        Assert.Contains($"added account alice@{Domain}", third.StdOut, StringComparison.Ordinal);
        Assert.NotEqual(password, Password(third));
    }

    [Fact]
    public async Task Status_shows_the_relay_up_with_listeners_and_queue_then_down_after_it_stopped()
    {
        await using var relay = await InitializedRelayAsync();
        var init = await MailCtlAsync(relay, ["init", Domain, "--hostname", HostName, "--ip", PublicAddress]);
        Assert.True(init.ExitCode == 0, init.ToString());
        await relay.StartAsync();

        var up = await MailCtlAsync(relay, ["status"]);
        Assert.True(up.ExitCode == 0, up.ToString());
        Assert.Contains($"relay: up (http://127.0.0.1:{relay.AdminPort.ToString(CultureInfo.InvariantCulture)})", up.StdOut, StringComparison.Ordinal);
        Assert.Contains($"listener submission: 127.0.0.1:{relay.SubmissionPort.ToString(CultureInfo.InvariantCulture)}", up.StdOut, StringComparison.Ordinal);
        Assert.Contains($"certificate: CN={HostName}", up.StdOut, StringComparison.Ordinal);
        Assert.Contains("queue: 0 message(s)", up.StdOut, StringComparison.Ordinal);
        Assert.Contains("certmanager: down", up.StdOut, StringComparison.Ordinal);
        Assert.Contains("dnsverifier: down", up.StdOut, StringComparison.Ordinal);

        var json = await MailCtlAsync(relay, ["status", "--json"]);
        var parsed = System.Text.Json.Nodes.JsonNode.Parse(json.StdOut)!;
        Assert.True(parsed["relay"]!["up"]!.GetValue<bool>());
        Assert.Equal(HostName, parsed["relay"]!["status"]!["hostname"]!.GetValue<string>());
        Assert.False(parsed["certManager"]!["up"]!.GetValue<bool>());

        relay.Kill();
        var down = await MailCtlAsync(relay, ["status"]);
        Assert.Equal(1, down.ExitCode);
        Assert.Contains("relay: down", down.StdOut, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Status_shows_a_running_DnsVerifier_up_with_its_last_checks()
    {
        await using var relay = await InitializedRelayAsync();
        var init = await MailCtlAsync(relay, ["init", Domain, "--hostname", HostName, "--ip", PublicAddress]);
        Assert.True(init.ExitCode == 0, init.ToString());
        await relay.StartAsync();

        int port = ClosedPort();
        relay.Setup.Settings["DnsVerifier__Urls"] = $"http://127.0.0.1:{port.ToString(CultureInfo.InvariantCulture)}";

        // Interval 0: DnsVerifier runs no check until asked, so /checks answers "not-run".
        var info = new ProcessStartInfo("dotnet") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (string argument in (string[])[Repo.Program("services/DnsVerifier", "DnsVerifier"), "--config", relay.Config, "--state", relay.State])
        {
            info.ArgumentList.Add(argument);
        }

        foreach (string key in info.Environment.Keys.Where(k => k.StartsWith("OTEL_", StringComparison.Ordinal) || k.StartsWith("ASPNETCORE_", StringComparison.Ordinal)).ToArray())
        {
            info.Environment.Remove(key);
        }

        foreach (var (key, value) in relay.Setup.Settings)
        {
            info.Environment[key] = value;
        }

        info.Environment["DnsVerifier__Interval"] = "00:00:00";
        using var verifier = Process.Start(info)!;
        verifier.OutputDataReceived += (_, _) => { };
        verifier.ErrorDataReceived += (_, _) => { };
        verifier.BeginOutputReadLine();
        verifier.BeginErrorReadLine();
        try
        {
            MailCtlResult status;
            var deadline = Stopwatch.StartNew();
            do
            {
                status = await MailCtlAsync(relay, ["status"]);
                if (status.StdOut.Contains("dnsverifier: up", StringComparison.Ordinal) || verifier.HasExited)
                {
                    break;
                }

                await Task.Delay(300);
            }
            while (deadline.Elapsed < TimeSpan.FromSeconds(30));

            Assert.True(status.ExitCode == 0, status.ToString());
            Assert.Contains($"dnsverifier: up (http://127.0.0.1:{port.ToString(CultureInfo.InvariantCulture)})", status.StdOut, StringComparison.Ordinal);
            Assert.Contains("last dns checks: none has run yet", status.StdOut, StringComparison.Ordinal);
            Assert.Contains("certmanager: down", status.StdOut, StringComparison.Ordinal);
        }
        finally
        {
            if (!verifier.HasExited)
            {
                verifier.Kill();
                await verifier.WaitForExitAsync();
            }
        }
    }

    [Fact]
    public async Task Config_check_names_file_and_line_of_a_broken_aliases_file_and_broken_json()
    {
        using var mailctl = new MailCtlFixture();
        var init = await mailctl.RunAsync(["init", Domain, "--hostname", HostName, "--ip", PublicAddress]);
        Assert.True(init.ExitCode == 0, init.ToString());
        Assert.Equal(0, (await mailctl.RunAsync(["config", "check"])).ExitCode);

        await File.WriteAllLinesAsync(mailctl.AliasesFile(Domain), ["sales: someone@elsewhere.test", "# a comment", "no colon here"]);
        var aliases = await mailctl.RunAsync(["config", "check"]);
        Assert.Equal(1, aliases.ExitCode);
        Assert.Contains($"{mailctl.AliasesFile(Domain)}:3: ", aliases.StdOut, StringComparison.Ordinal);

        string settings = Path.Combine(mailctl.Config, "appliance.json");
        string[] lines = await File.ReadAllLinesAsync(settings);
        int portLine = Array.FindIndex(lines, l => l.Contains("587", StringComparison.Ordinal)) + 1;
        await File.WriteAllTextAsync(settings, string.Join('\n', lines).Replace("587", "70000", StringComparison.Ordinal).Replace("\"SmtpRelay\"", "\"SmptRelay\"", StringComparison.Ordinal));
        var semantic = await mailctl.RunAsync(["config", "check"]);
        Assert.Equal(1, semantic.ExitCode);
        Assert.Contains($"{settings}:{portLine.ToString(CultureInfo.InvariantCulture)}: Smtp:Listeners:submission:Port 70000", semantic.StdOut, StringComparison.Ordinal);
        Assert.Contains("unknown section 'SmptRelay'", semantic.StdOut, StringComparison.Ordinal);

        // A missing comma after line 2's value: System.Text.Json notices at the start of line 3.
        await File.WriteAllTextAsync(settings, "{\n  \"Hostname\": \"mail.firstday.test\"\n  \"Smtp\": {}\n}\n");
        var syntax = await mailctl.RunAsync(["config", "check"]);
        Assert.Equal(1, syntax.ExitCode);
        Assert.Contains($"{settings}:3: JSON syntax error", syntax.StdOut, StringComparison.Ordinal);
        Assert.Contains($"{mailctl.AliasesFile(Domain)}:3: ", syntax.StdOut, StringComparison.Ordinal);
    }

    /// <summary>
    /// A relay directory without settings (init writes them), with the ports and loopback addresses of the relay
    /// under test given as environment settings, which win over appliance.json as they would in production.
    /// </summary>
    private static async Task<RelayProcess> InitializedRelayAsync()
    {
        var relay = await RelayProcess.CreateAsync(new RelaySetup { Hostname = HostName });
        File.Delete(Path.Combine(relay.Config, "appliance.json"));
        foreach (var (name, port) in new[] { ("mx", relay.MxPort), ("submission", relay.SubmissionPort), ("submissions", relay.SubmissionsPort) })
        {
            relay.Setup.Settings[$"Smtp__Listeners__{name}__Port"] = port.ToString(CultureInfo.InvariantCulture);
            relay.Setup.Settings[$"Smtp__Listeners__{name}__Addresses"] = "127.0.0.1";
        }

        foreach (var (key, value) in LoopbackSettings(relay))
        {
            relay.Setup.Settings[key] = value;
        }

        return relay;
    }

    /// <summary>Settings that keep the relay and mailctl on loopback: admin port, closed ports for the other services and DNS.</summary>
    private static Dictionary<string, string> LoopbackSettings(RelayProcess relay) => new()
    {
        ["SmtpRelay__AdminUrls"] = relay.AdminUri.ToString().TrimEnd('/'),
        ["CertManager__Urls"] = $"http://127.0.0.1:{ClosedPort().ToString(CultureInfo.InvariantCulture)}",
        ["DnsVerifier__Urls"] = $"http://127.0.0.1:{ClosedPort().ToString(CultureInfo.InvariantCulture)}",
        ["Dns__Servers"] = "127.0.0.1:9",
        ["Dns__Retries"] = "0",
        ["Dns__Timeout"] = "00:00:01",
        ["Queue__Paused"] = "true",
        ["Smtp__AuthFailureDelay"] = "00:00:00",
    };

    private static async Task<MailCtlResult> MailCtlAsync(RelayProcess relay, string[] arguments, string? stdin = null)
    {
        var environment = new Dictionary<string, string>(relay.Setup.Settings) { ["MAILAPPLIANCE_STATE"] = relay.State };
        var (exitCode, stdout, stderr) = await Repo.RunDotnetAsync(Repo.MailCtl, ["--config", relay.Config, .. arguments], environment, stdin);
        return new MailCtlResult(exitCode, stdout, stderr);
    }

    private static string Password(MailCtlResult init) =>
        init.Lines.SingleOrDefault(l => l.StartsWith("password: ", StringComparison.Ordinal))?["password: ".Length..]
        ?? throw new Xunit.Sdk.XunitException($"init printed no password: {init}");

    /// <summary>A loopback port nothing listens on (bound, then released).</summary>
    private static int ClosedPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    [GeneratedRegex(@"^queue id: (\S+)$", RegexOptions.Multiline)]
    private static partial Regex QueueId();
}
