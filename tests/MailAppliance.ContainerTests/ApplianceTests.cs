using System.Diagnostics;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using Docker.DotNet.Models;
using MailAppliance.ContainerTests.Infrastructure;
using MailKit.Net.Smtp;
using MailKit.Security;
using MimeKit;

namespace MailAppliance.ContainerTests;

/// <summary>
/// The appliance as docker/compose.yaml runs it (relay on the host network, CertManager with the Docker socket,
/// DnsVerifier), built from the repository into local images: health, submission, delivery to a peer MX, and a
/// certificate reload signalled through the Docker Engine API.
/// </summary>
[Collection(ApplianceCollection.Name)]
public sealed class ApplianceTests(ApplianceFixture appliance)
{
    private const string SighupLine = "SIGHUP: reloading certificates and domains";

    [ContainerFact]
    public async Task All_three_services_are_healthy_by_their_compose_health_checks_and_their_health_endpoints()
    {
        var health = await appliance.HealthAsync();

        string logs = health.Values.All(h => h == "healthy") ? string.Empty : await appliance.LogsAsync();
        Assert.All(health, h => Assert.True(h.Value == "healthy", $"{h.Key} is {h.Value}\n{logs}"));
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        foreach (var url in new[] { appliance.RelayAdminUrl, appliance.CertManagerUrl, appliance.DnsVerifierUrl })
        {
            using var response = await http.GetAsync(new Uri(url, "/health"));
            string body = await response.Content.ReadAsStringAsync();
            Assert.True(response.IsSuccessStatusCode, $"{url}health answered {(int)response.StatusCode} {body}");
            Assert.True(body == "Healthy", $"{url}health answered {body}\n{await appliance.LogsAsync()}");
        }
    }

    [ContainerFact]
    public async Task The_relay_greets_with_the_host_name_from_appliance_json_not_the_name_docker_exports()
    {
        using var tcp = new TcpClient();
        await tcp.ConnectAsync("127.0.0.1", appliance.MxPort);
        using var reader = new StreamReader(tcp.GetStream());
        string? greeting = await reader.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(15));

        // RFC 5321 §4.3.1: 220 followed by the server's domain.
        Assert.StartsWith("220 " + ApplianceFixture.Hostname + " ", greeting, StringComparison.Ordinal);
    }

    [ContainerFact]
    public async Task Mail_submitted_with_auth_on_the_starttls_and_implicit_tls_ports_reaches_the_peer_mx()
    {
        // STARTTLS over IPv6, implicit TLS over IPv4: the relay on the host network listens on both loopbacks.
        var (starttls, starttlsReply) = await SubmitWithReplyAsync(appliance.SubmissionPort, SecureSocketOptions.StartTls, "bob@" + ApplianceFixture.PeerDomain, "::1");
        var (implicitTls, implicitTlsReply) = await SubmitWithReplyAsync(appliance.SubmissionsPort, SecureSocketOptions.SslOnConnect, "carol@" + ApplianceFixture.PeerDomain);

        // The relay resolved peer.test's MX through the loopback bind9 and delivered to aiosmtpd.
        string first = await appliance.Mx.WaitForMessageAsync(m => m.Contains(starttls, StringComparison.Ordinal), TimeSpan.FromSeconds(60));
        string second = await appliance.Mx.WaitForMessageAsync(m => m.Contains(implicitTls, StringComparison.Ordinal), TimeSpan.FromSeconds(60));
        Assert.Contains("X-RcptTo: bob@peer.test", first, StringComparison.Ordinal);
        Assert.Contains("X-MailFrom: " + appliance.SenderAddress, first, StringComparison.Ordinal);
        Assert.Contains("X-RcptTo: carol@peer.test", second, StringComparison.Ordinal);
        Assert.Contains("X-MailFrom: " + appliance.SenderAddress, second, StringComparison.Ordinal);

        // The state volume holds the relay's mail log, as on the host of a deployment: both queue ids delivered.
        string mailLog = Path.Combine(appliance.State, "log", "mail.log");
        foreach (string reply in (string[])[starttlsReply, implicitTlsReply])
        {
            string queueId = reply[(reply.LastIndexOf(' ') + 1)..];
            await WaitUntilAsync(() => File.Exists(mailLog) && File.ReadLines(mailLog).Any(l => l.Contains(" delivered id=" + queueId + " ", StringComparison.Ordinal)),
                $"the mail log in the state volume to record the delivery of {queueId} (reply: {reply})", TimeSpan.FromSeconds(30));
        }
    }

    [ContainerFact]
    public async Task A_renewed_certificate_is_imported_by_certmanager_which_signals_the_relay_through_docker_and_new_tls_clients_see_it()
    {
        int signalsBefore = Count(await appliance.ContainerLogAsync(appliance.CertManagerContainer), "sent SIGHUP to container " + appliance.RelayContainer);
        int reloadsBefore = Count(await appliance.ContainerLogAsync(appliance.RelayContainer), SighupLine);

        // What certbot or acme.sh does on renewal: a new pair in the external directory CertManager watches.
        string renewed = appliance.Authority.IssueInto(appliance.External, ApplianceFixture.Hostname);

        await WaitUntilAsync(async () => string.Equals(await ServedSerialAsync(), renewed, StringComparison.OrdinalIgnoreCase),
            $"a TLS client on the implicit-TLS port to see serial {renewed}", TimeSpan.FromSeconds(60));
        await WaitUntilAsync(async () => Count(await appliance.ContainerLogAsync(appliance.CertManagerContainer), "sent SIGHUP to container " + appliance.RelayContainer) > signalsBefore,
            "CertManager to send SIGHUP through the Docker socket", TimeSpan.FromSeconds(30));
        await WaitUntilAsync(async () => Count(await appliance.ContainerLogAsync(appliance.RelayContainer), SighupLine) > reloadsBefore,
            "the relay to reload on SIGHUP", TimeSpan.FromSeconds(30));
        string certManagerLog = await appliance.ContainerLogAsync(appliance.CertManagerContainer);
        Assert.Contains($"imported external certificate serial {renewed}", certManagerLog, StringComparison.OrdinalIgnoreCase);
        Assert.Contains(renewed, await AdminTlsAsync(), StringComparison.OrdinalIgnoreCase);
    }

    [ContainerFact]
    public async Task A_sighup_sent_through_the_docker_api_makes_the_relay_reload_and_keep_serving()
    {
        int reloadsBefore = Count(await appliance.ContainerLogAsync(appliance.RelayContainer), SighupLine);
        using var docker = DockerEngine.CreateClient();

        await docker.Containers.KillContainerAsync(appliance.RelayContainer, new ContainerKillParameters { Signal = "SIGHUP" });

        await WaitUntilAsync(async () => Count(await appliance.ContainerLogAsync(appliance.RelayContainer), SighupLine) > reloadsBefore,
            "the relay to log its SIGHUP reload", TimeSpan.FromSeconds(30));
        var state = await docker.Containers.InspectContainerAsync(appliance.RelayContainer);
        Assert.True(state.State.Running, "the relay container stopped after SIGHUP");
        Assert.False(string.IsNullOrEmpty(await ServedSerialAsync()));
        string id = await SubmitAsync(appliance.SubmissionsPort, SecureSocketOptions.SslOnConnect, "dave@" + ApplianceFixture.PeerDomain);
        await appliance.Mx.WaitForMessageAsync(m => m.Contains(id, StringComparison.Ordinal), TimeSpan.FromSeconds(60));
    }

    // Submits one message with AUTH and returns its unique subject. The account was added by mailctl in the
    // container a moment ago; the relay picks it up from its domain watcher, so AUTH is retried briefly.
    private async Task<string> SubmitAsync(int port, SecureSocketOptions security, string recipient, string host = "127.0.0.1") =>
        (await SubmitWithReplyAsync(port, security, recipient, host)).Subject;

    // Returns the unique subject and the relay's reply to the message ("250 2.0.0 OK queued as ID" without the code).
    private async Task<(string Subject, string Reply)> SubmitWithReplyAsync(int port, SecureSocketOptions security, string recipient, string host = "127.0.0.1")
    {
        string subject = "container test " + Guid.NewGuid().ToString("N");
        var message = new MimeMessage();
        message.From.Add(MailboxAddress.Parse(appliance.SenderAddress));
        message.To.Add(MailboxAddress.Parse(recipient));
        message.Subject = subject;
        message.Body = new TextPart("plain") { Text = "Sent through the relay in its container.\n" };
        var clock = Stopwatch.StartNew();
        while (true)
        {
            using var client = new SmtpClient { Timeout = 30_000 };
            // The test CA is not in the client's trust store; the serial is checked separately.
            client.ServerCertificateValidationCallback = (_, _, _, _) => true;
            await client.ConnectAsync(host, port, security);
            Assert.True(client.IsSecure, $"port {port}: no TLS");
            try
            {
                await client.AuthenticateAsync(appliance.SenderAddress, appliance.SenderPassword);
            }
            catch (AuthenticationException) when (clock.Elapsed < TimeSpan.FromSeconds(40))
            {
                await client.DisconnectAsync(true);
                await Task.Delay(1000);
                continue;
            }

            string reply = await client.SendAsync(message);
            await client.DisconnectAsync(true);
            Assert.Contains("queued as", reply, StringComparison.Ordinal);
            return (subject, reply.Trim());
        }
    }

    // The serial of the certificate a new TLS client gets on the implicit-TLS port.
    private async Task<string> ServedSerialAsync()
    {
        using var tcp = new TcpClient();
        await tcp.ConnectAsync("127.0.0.1", appliance.SubmissionsPort);
        X509Certificate2? seen = null;
        await using var tls = new SslStream(tcp.GetStream(), false, (_, certificate, _, _) =>
        {
            seen = certificate is null ? null : new X509Certificate2(certificate);
            return true;
        });
        await tls.AuthenticateAsClientAsync(ApplianceFixture.Hostname);
        using (seen)
        {
            return seen?.SerialNumber ?? string.Empty;
        }
    }

    private async Task<string> AdminTlsAsync()
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        return await http.GetStringAsync(new Uri(appliance.RelayAdminUrl, "/admin/tls"));
    }

    private static int Count(string text, string needle)
    {
        int count = 0;
        for (int at = text.IndexOf(needle, StringComparison.Ordinal); at >= 0; at = text.IndexOf(needle, at + needle.Length, StringComparison.Ordinal))
        {
            count++;
        }

        return count;
    }

    private Task WaitUntilAsync(Func<bool> condition, string what, TimeSpan timeout) =>
        WaitUntilAsync(() => Task.FromResult(condition()), what, timeout);

    private async Task WaitUntilAsync(Func<Task<bool>> condition, string what, TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < timeout)
        {
            if (await condition())
            {
                return;
            }

            await Task.Delay(500);
        }

        Assert.Fail($"waited {timeout.TotalSeconds} s for {what}\n{await appliance.LogsAsync()}");
    }
}
