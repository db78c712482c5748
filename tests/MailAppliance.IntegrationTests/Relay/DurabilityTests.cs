using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using MailAppliance.IntegrationTests.Infrastructure;
using MailAppliance.Spool;
using MailKit.Net.Smtp;
using MailKit.Security;
using MimeKit;
using Xunit.Abstractions;

namespace MailAppliance.IntegrationTests.Relay;

/// <summary>
/// DESIGN.md §3 "Durability": 250 means on disk. Real clients send concurrently, the relay is killed with SIGKILL
/// in the middle of a burst and started again on the same directories: every message that got its 250 must be
/// there, whole, and listed by the relay; nothing half-written may pass for a message.
/// </summary>
public sealed partial class DurabilityTests(ITestOutputHelper output)
{
    private const string User = "alice@example.test";
    private const string Password = "secret-password";
    private const string Domain = "example.test";

    [GeneratedRegex("marker-[0-9a-f]{32}")]
    private static partial Regex MarkerPattern();

    private static RelaySetup Setup() => new RelaySetup().WithUser(User, Password).WithAlias(Domain, "*: someone@elsewhere.test");

    [Fact]
    public async Task KillDuringTraffic_EveryAcknowledgedMessageSurvivesWhole()
    {
        await using var relay = await RelayProcess.StartAsync(Setup());
        var sent = new Sent();

        // Burst 1: 40 messages at once from several real clients: swaks processes on the mx port and MailKit
        // clients submitting on 587. All must be acknowledged.
        var swaks = Enumerable.Range(0, 4).Select(lane => Task.Run(async () =>
        {
            for (int i = 0; i < 5; i++)
            {
                string marker = RealClientTests.Marker();
                string recipient = $"lane{lane}@{Domain}";
                sent.Attempt(marker, recipient);
                var result = await MailTools.SwaksAsync("127.0.0.1", relay.MxPort, "--from", "sender@remote.test", "--to", recipient,
                    "--header", "Subject: burst one " + marker, "--body", marker);
                Assert.True(result.ExitCode == 0, result.ToString());
                sent.Acknowledged(marker, SpoolFiles.QueueIdIn(result.Output));
            }
        }));
        var mailKit = Enumerable.Range(0, 4).Select(lane => Task.Run(async () =>
        {
            using var client = await ConnectAsync(relay, submission: true);
            for (int i = 0; i < 5; i++)
            {
                await SendAsync(client, sent, $"{lane}-{i}@outside.test", size: 2_000);
            }

            await client.DisconnectAsync(quit: true);
        }));
        await Task.WhenAll([.. swaks, .. mailKit]);
        Assert.Equal(40, sent.AcknowledgedCount);

        // Burst 2: clients send bigger messages (so the kill lands in DATA as well as between messages) until the
        // relay dies; it is killed once enough of them have been acknowledged.
        int firstBurst = sent.AcknowledgedCount;
        // "dying" is set just before the kill, so a client failing from then on is expected; "killed" completes
        // after it (asynchronously: a stalled client must not hang up before the relay is dead).
        int dying = 0;
        var killed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var unexpected = new ConcurrentQueue<Exception>();
        var senders = Enumerable.Range(0, 6).Select(lane => Task.Run(async () =>
        {
            try
            {
                using var client = await ConnectAsync(relay, submission: lane % 2 == 0);
                var random = new Random(lane);
                for (int i = 0; Volatile.Read(ref dying) == 0; i++)
                {
                    string recipient = lane % 2 == 0 ? $"{lane}-{i}@outside.test" : $"mx{lane}-{i}@{Domain}";
                    await SendAsync(client, sent, recipient, size: random.Next(1_000, 300_000));
                }
            }
            catch (Exception) when (Volatile.Read(ref dying) == 1)
            {
                // The relay is gone: the message in flight was not acknowledged.
            }
            catch (Exception e)
            {
                unexpected.Enqueue(e);
            }
        })).ToArray();

        // Two clients are caught for sure in the middle of a message: one has sent half of its DATA, the other
        // a first BDAT chunk (whose 250 acknowledges the chunk, not the message). Neither may be queued.
        var halfway = new[] { new TaskCompletionSource(), new TaskCompletionSource() };
        var stalled = new[] { StallAsync(relay, sent, "DATA", halfway[0], killed.Task), StallAsync(relay, sent, "BDAT", halfway[1], killed.Task) };

        var clock = Stopwatch.StartNew();
        while ((sent.AcknowledgedCount < firstBurst + 15 || !halfway.All(h => h.Task.IsCompleted)) && unexpected.IsEmpty && clock.Elapsed < TimeSpan.FromSeconds(60))
        {
            await Task.Delay(5);
        }

        Assert.True(unexpected.IsEmpty, "a client failed before the kill: " + string.Join("\n", unexpected));
        Assert.True(sent.AcknowledgedCount >= firstBurst + 15, $"only {sent.AcknowledgedCount - firstBurst} messages of the second burst were acknowledged in 60 s");
        Assert.All(halfway, h => Assert.True(h.Task.IsCompletedSuccessfully, "a stalled client did not get halfway: " + h.Task.Exception));
        Volatile.Write(ref dying, 1);
        relay.Kill();
        killed.SetResult();
        await Task.WhenAll([.. senders, .. stalled]);
        Assert.True(unexpected.IsEmpty, "a client failed before the kill: " + string.Join("\n", unexpected));
        Assert.True(sent.InFlightAtKill > 0, "no message was in flight when the relay was killed");

        await relay.RestartAsync();
        var recovery = Regex.Match(relay.Output, @"(\d+) partial write\(s\) removed", RegexOptions.RightToLeft);
        Assert.True(recovery.Success && int.Parse(recovery.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture) >= halfway.Length,
            $"the restart should have removed at least {halfway.Length} partial writes. Output:\n{relay.Output}");

        // Every acknowledged message is listed by the relay and is whole on disk, with its own content.
        var listed = await ListQueueAsync(relay);
        foreach (var (marker, id) in sent.AcknowledgedMessages)
        {
            Assert.True(listed.Contains(id), $"{id} ({marker}) was acknowledged but the relay does not list it after the restart. Output:\n{relay.Output}");
            var message = SpoolFiles.Read(relay.Queue, id);
            string content = Encoding.UTF8.GetString(SpoolFiles.Content(message));
            Assert.Equal([marker], MarkerPattern().Matches(content).Select(m => m.Value).Distinct());
            Assert.Equal([sent.RecipientOf(marker)], message.Envelope.Recipients.Select(r => r.Address));
            Assert.EndsWith("\r\n", content);
        }

        // Nothing half-written: the temporary files are gone, every queue file validates, and anything spooled
        // without a 250 is one whole message we did send, never a duplicate.
        Assert.Empty(Directory.GetFiles(Path.Combine(relay.Queue, "tmp")));
        string invalid = Path.Combine(relay.Queue, "invalid");
        Assert.False(Directory.Exists(invalid) && Directory.EnumerateFiles(invalid).Any(),
            "queue files were set aside as invalid: a renamed spool file was incomplete");
        var spooled = SpoolFiles.ReadAll(relay.Queue);
        Assert.Equal(spooled.Count, listed.Count);
        var markers = spooled.Select(m => MarkerPattern().Match(Encoding.UTF8.GetString(SpoolFiles.Content(m))).Value).ToList();
        Assert.All(markers, m => Assert.True(sent.WasAttempted(m), $"spooled message with unknown marker '{m}'"));
        Assert.Equal(markers.Count, markers.Distinct().Count());
        Assert.InRange(spooled.Count, sent.AcknowledgedCount, sent.AcknowledgedCount + sent.InFlightAtKill);
        output.WriteLine($"{sent.AcknowledgedCount} acknowledged ({sent.AcknowledgedCount - firstBurst} in the killed burst), " +
            $"{sent.InFlightAtKill} in flight at the kill, {spooled.Count} spooled after the restart; " +
            Regex.Match(relay.Output, "spool .*set aside", RegexOptions.RightToLeft).Value);

        // And the restarted relay takes mail again.
        using var after = await ConnectAsync(relay, submission: true);
        await SendAsync(after, sent, "after@outside.test", size: 500);
    }

    [Theory]
    [InlineData("users", "bob")]
    [InlineData("users", "carol $pbkdf2-sha512$not-a-hash")]
    [InlineData("aliases", "this line has no colon")]
    [InlineData("aliases", "info: not an address@@example.test")]
    public async Task BrokenDomainFile_StopsStartUp_NamingFileAndLine(string file, string brokenLine)
    {
        await using var relay = await RelayProcess.CreateAsync(new RelaySetup()
            .WithUser(User, Password).WithAlias(Domain, "postmaster: alice@example.test"));
        string path = Path.Combine(relay.DomainDirectory(Domain), file);
        await File.AppendAllLinesAsync(path, ["# a comment", brokenLine]);
        int line = (await File.ReadAllLinesAsync(path)).Length;

        int exitCode = await relay.RunUntilExitAsync(TimeSpan.FromSeconds(30));

        Assert.True(exitCode != 0, $"the relay exited with 0. Output:\n{relay.Output}");
        Assert.True(relay.Output.Contains($"{path}:{line}:", StringComparison.Ordinal),
            $"the output does not name {path}:{line}. Output:\n{relay.Output}");
        using var probe = new TcpClient();
        await Assert.ThrowsAsync<SocketException>(() => probe.ConnectAsync(IPAddress.Loopback, relay.MxPort));
    }

    /// <summary>
    /// Starts a message on the mx port and stops halfway (DATA without its end, or a first BDAT chunk), then
    /// waits for the relay to be killed.
    /// </summary>
    private static async Task StallAsync(RelayProcess relay, Sent sent, string command, TaskCompletionSource halfway, Task killed)
    {
        try
        {
            string marker = RealClientTests.Marker();
            string recipient = $"stalled-{command.ToLowerInvariant()}@{Domain}";
            string part = $"Subject: stalled {marker}\r\n\r\n{marker}\r\n" + string.Concat(Enumerable.Repeat("half a message\r\n", 2_000));
            await using var smtp = await RawSmtpClient.ConnectAsync(IPAddress.Loopback, relay.MxPort);
            await smtp.ExpectAsync("EHLO client.example.test", 250);
            await smtp.ExpectAsync("MAIL FROM:<sender@remote.test>", 250);
            await smtp.ExpectAsync($"RCPT TO:<{recipient}>", 250);
            sent.Attempt(marker, recipient);
            if (command == "DATA")
            {
                await smtp.ExpectAsync("DATA", 354);
                await smtp.SendRawAsync(part);
            }
            else
            {
                await smtp.SendRawAsync($"BDAT {Encoding.ASCII.GetByteCount(part)}\r\n{part}");
                var chunk = await smtp.ReadResponseAsync();
                Assert.Equal(250, chunk.Code);
            }

            // Give the relay a moment to write what it got to its temporary file.
            await Task.Delay(200);
            halfway.SetResult();
            await killed;
        }
        catch (Exception e) when (!halfway.Task.IsCompleted)
        {
            halfway.SetException(e);
        }
        catch (Exception) when (killed.IsCompleted)
        {
            // The relay is gone.
        }
    }

    private static async Task<SmtpClient> ConnectAsync(RelayProcess relay, bool submission)
    {
        var client = new SmtpClient { ServerCertificateValidationCallback = (_, _, _, _) => true };
        await client.ConnectAsync("127.0.0.1", submission ? relay.SubmissionPort : relay.MxPort,
            submission ? SecureSocketOptions.StartTls : SecureSocketOptions.None);
        if (submission)
        {
            await client.AuthenticateAsync(User, Password);
        }

        return client;
    }

    /// <summary>Sends one message with a unique marker; records the queue id only once the 250 arrived.</summary>
    private static async Task SendAsync(SmtpClient client, Sent sent, string recipient, int size)
    {
        string marker = RealClientTests.Marker();
        var message = new MimeMessage();
        message.From.Add(MailboxAddress.Parse(client.IsAuthenticated ? User : "sender@remote.test"));
        message.To.Add(MailboxAddress.Parse(recipient));
        message.Subject = "durability " + marker;
        var body = new StringBuilder(size + 100).Append(marker).Append("\r\n");
        while (body.Length < size)
        {
            body.Append("filler line so that the message takes a while to write and to spool\r\n");
        }

        message.Body = new TextPart("plain") { Text = body.ToString() };
        sent.Attempt(marker, recipient);
        string response = await client.SendAsync(message);
        sent.Acknowledged(marker, SpoolFiles.QueueIdIn(response));
    }

    private static async Task<HashSet<string>> ListQueueAsync(RelayProcess relay)
    {
        using var response = await relay.Admin.GetAsync("admin/queue");
        response.EnsureSuccessStatusCode();
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return json.RootElement.EnumerateArray().Select(e => e.GetProperty("envelope").GetProperty("id").GetString()!).ToHashSet();
    }

    /// <summary>What was sent: every attempt with its recipient, and the queue id of every acknowledged one.</summary>
    private sealed class Sent
    {
        private readonly ConcurrentDictionary<string, string> _recipients = new();
        private readonly ConcurrentDictionary<string, string> _acknowledged = new();

        public int AcknowledgedCount => _acknowledged.Count;

        public IEnumerable<KeyValuePair<string, string>> AcknowledgedMessages => _acknowledged;

        /// <summary>Attempts that got no 250 (in flight when the relay was killed).</summary>
        public int InFlightAtKill => _recipients.Count - _acknowledged.Count;

        public void Attempt(string marker, string recipient) => _recipients[marker] = recipient;

        public void Acknowledged(string marker, string id) => Assert.True(_acknowledged.TryAdd(marker, id));

        public bool WasAttempted(string marker) => _recipients.ContainsKey(marker);

        public string RecipientOf(string marker) => _recipients[marker];
    }
}
