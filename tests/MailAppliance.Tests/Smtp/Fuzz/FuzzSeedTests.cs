using System.Text;
using MailAppliance.Core;
using MailAppliance.Smtp.Protocol;
using MailAppliance.Tests.Smtp.Harness;

namespace MailAppliance.Tests.Smtp.Fuzz;

/// <summary>
/// chasquid's fuzz seeds (albertito/chasquid, Apache 2.0, see LICENSE.chasquid beside them) thrown at the engine:
/// no input may crash a session, hang it or take the server down.
/// </summary>
public class FuzzSeedTests
{
    private const string Connection = "smtpsrv-FuzzConnection";
    private static readonly TimeSpan SessionEnd = TimeSpan.FromSeconds(5);

    public static TheoryData<string> ConnectionSeeds => FuzzSeeds.Names(Connection);

    public static TheoryData<string> AuthSeeds => FuzzSeeds.Names("auth-FuzzDecodeResponse");

    [Fact]
    public void The_corpus_reader_decodes_go_literals()
    {
        var values = GoFuzzCorpus.Parse(Encoding.UTF8.GetBytes("go test fuzz v1\nint(2)\n[]byte(\"A\\nB\\x00\\xff\\u00f1\\\"\\\\\\101\")\nstring(\"ñ\")\nstring(`raw\\n`)\n"));
        Assert.Equal(2L, values[0]);
        Assert.Equal(new byte[] { (byte)'A', 10, (byte)'B', 0, 0xff, 0xc3, 0xb1, (byte)'"', (byte)'\\', (byte)'A' }, values[1]);
        Assert.Equal("ñ"u8.ToArray(), values[2]);
        Assert.Equal("raw\\n"u8.ToArray(), values[3]);
        Assert.Throws<FormatException>(() => GoFuzzCorpus.Parse("not a corpus\n"u8.ToArray()));
    }

    [FuzzSeedsTheory]
    [MemberData(nameof(ConnectionSeeds))]
    public async Task A_connection_seed_never_crashes_or_hangs_the_server(string seed)
    {
        byte[] input = GoFuzzCorpus.FirstBytes(FuzzSeeds.PathOf(Connection, seed));
        await using var server = SmtpTestServer.Start();

        // All at once, then end of input: the session must end by itself.
        await using (var dialog = await server.ConnectAsync())
        {
            await SendAndShutdownAsync(dialog, input);
            Assert.True(await dialog.DrainUntilClosedAsync(SessionEnd), $"session for seed {seed} did not end within {SessionEnd}");
        }

        // The same, octet by octet in small writes, and the connection left open: the timeouts end it.
        server.Options.CommandTimeout = TimeSpan.FromMilliseconds(500);
        server.Options.DataTimeout = TimeSpan.FromMilliseconds(500);
        await using (var dialog = await server.ConnectAsync())
        {
            try
            {
                for (int offset = 0; offset < input.Length; offset += 7)
                {
                    await dialog.SendRawAsync(input.AsMemory(offset, Math.Min(7, input.Length - offset)));
                }
            }
            catch (IOException)
            {
                // The server may close first (QUIT, too many errors): that is an end too.
            }

            Assert.True(await dialog.DrainUntilClosedAsync(SessionEnd), $"open session for seed {seed} did not end within {SessionEnd}");
        }

        await AssertServerAnswersAsync(server);
        Assert.Empty(server.Logger.Errors);
        Assert.Empty(server.TemporaryFiles);
    }

    [FuzzSeedsFact]
    public async Task Mutated_connection_seeds_never_crash_or_hang_the_server()
    {
        var seeds = FuzzSeeds.Load(Connection);
        var random = new Random(5321);
        await using var server = SmtpTestServer.Start(o =>
        {
            o.CommandTimeout = TimeSpan.FromSeconds(2);
            o.DataTimeout = TimeSpan.FromSeconds(2);
            o.MaxMessageSize = 4096;
        });

        foreach (var (name, value) in seeds)
        {
            for (int round = 0; round < 6; round++)
            {
                byte[] input = Mutate(value, random);
                await using var dialog = await server.ConnectAsync();
                await SendAndShutdownAsync(dialog, input);
                Assert.True(await dialog.DrainUntilClosedAsync(SessionEnd),
                    $"mutation {round} of {name} did not end: {Convert.ToBase64String(input)}");
            }
        }

        await AssertServerAnswersAsync(server);
        Assert.Empty(server.Logger.Errors);
    }

    [FuzzSeedsTheory]
    [MemberData(nameof(AuthSeeds))]
    public async Task Auth_seeds_are_refused_cleanly(string seed)
    {
        byte[] response = GoFuzzCorpus.FirstBytes(FuzzSeeds.PathOf("auth-FuzzDecodeResponse", seed));
        Assert.DoesNotContain((byte)'\n', response); // One line each; the session must answer it and carry on.
        await using var server = SmtpTestServer.Start(o => o.MaxErrors = 100);
        await using var dialog = await server.RunAsync("""
            S: 220
            C: EHLO client.test
            S: 250
            C: STARTTLS
            S: 220 2.0.0
            TLS
            C: EHLO client.test
            S: 250
            C: AUTH PLAIN
            S: 334
            """, "submission");

        // As the response to the challenge, as an initial response, and as a LOGIN user name.
        await dialog.SendRawAsync(Line([], response));
        Assert.Contains((await dialog.ReadReplyAsync()).Code, new[] { 501, 535 });
        await dialog.SendRawAsync(Line("AUTH PLAIN "u8, response));
        Assert.Contains((await dialog.ReadReplyAsync()).Code, new[] { 501, 535 });
        await dialog.SendRawAsync(Line("AUTH LOGIN "u8, response));
        var login = await dialog.ReadReplyAsync();
        Assert.Contains(login.Code, new[] { 334, 501 });
        if (login.Code == 334)
        {
            await dialog.CommandAsync("*", 501, "5.7.0");
        }

        await dialog.CommandAsync("AUTH PLAIN " + Convert.ToBase64String("\0user@example.test\0secret"u8), 235, "2.7.0");
        Assert.Empty(server.Logger.Errors);
    }

    [FuzzSeedsFact]
    public void Auth_seeds_that_decode_give_the_expected_verdicts()
    {
        // These seeds are valid base64: PLAIN's "authzid NUL authcid NUL password" shape decides.
        var seeds = FuzzSeeds.Load("auth-FuzzDecodeResponse").ToDictionary(s => Encoding.Latin1.GetString(s.Value), s => s.Name);
        Assert.Contains("AHVAZABwYXNz", seeds.Keys); // "\0u@d\0pass"
        Assert.Contains("dUBkAABwYXNz/w==", seeds.Keys); // not UTF-8 once decoded
        Assert.Equal("\0u@d\0pass", Encoding.UTF8.GetString(Convert.FromBase64String("AHVAZABwYXNz")));
        Assert.Equal("u@d\0\0pass", Encoding.UTF8.GetString(Convert.FromBase64String("dUBkAABwYXNz")));
    }

    [FuzzSeedsFact]
    public async Task Normalize_seeds_go_through_path_parsing_and_a_live_rcpt()
    {
        var users = FuzzSeeds.Load("normalize-FuzzUser");
        var domains = FuzzSeeds.Load("normalize-FuzzDomain").Concat(FuzzSeeds.Load("normalize-FuzzDomainToUnicode"));
        var addresses = FuzzSeeds.Load("normalize-FuzzAddr");
        Assert.NotEmpty(users);

        await using var server = SmtpTestServer.Start(o => o.MaxErrors = 1000);
        await using var dialog = await server.RunAsync("""
            S: 220
            C: EHLO client.test
            S: 250
            C: MAIL FROM:<> SMTPUTF8
            S: 250 2.1.0
            """);

        foreach (var (name, value) in users)
        {
            string local = Encoding.UTF8.GetString(value);
            Check(local + "@catchall.test", name);
            var reply = await RcptAsync(dialog, local + "@catchall.test");
            bool parses = SmtpPath.TryParseMailbox(local + "@catchall.test", out _);
            Assert.True(parses ? reply.Code == 250 : reply.Code == 501, $"user seed {name} '{local}': {reply}");
        }

        foreach (var (name, value) in domains)
        {
            string domain = Encoding.UTF8.GetString(value);
            Check("user@" + domain, name);
            var reply = await RcptAsync(dialog, "user@" + domain);
            Assert.True(reply.Code is 554 or 501, $"domain seed {name} '{domain}': {reply}"); // Never local, never relayed.
        }

        foreach (var (name, value) in addresses)
        {
            string address = Encoding.UTF8.GetString(value);
            Check(address, name);
            var reply = await RcptAsync(dialog, address);
            Assert.True(reply.Code is 501 or 554, $"address seed {name} '{address}': {reply}");
        }

        await dialog.CommandAsync("NOOP", 250, "2.0.0");
        Assert.Empty(server.Logger.Errors);
    }

    private static void Check(string address, string seed)
    {
        // Parsing is total: it answers for any input, and what it accepts round-trips and is flagged for SMTPUTF8.
        if (SmtpPath.TryParseMailbox(address, out var parsed))
        {
            Assert.Equal(address.Contains('@') ? address[..address.LastIndexOf('@')] : address, parsed.LocalPart);
            Assert.Equal(SmtpPath.NeedsUtf8(parsed), address.Any(c => c > 127));
            Assert.True(EmailAddress.TryParse(parsed.ToString(), out var again), seed);
            Assert.Equal(parsed, again);
        }

        var error = SmtpPath.TryParse($"TO:<{address}>", "TO:", allowNull: false, out _, out _);
        Assert.True(error is null || error.Code == 501, seed);
    }

    private static async Task<SmtpTestReply> RcptAsync(SmtpDialog dialog, string address)
    {
        await dialog.SendLineAsync($"RCPT TO:<{address}>");
        return await dialog.ReadReplyAsync();
    }

    private static byte[] Line(ReadOnlySpan<byte> command, byte[] argument) => [.. command, .. argument, (byte)'\r', (byte)'\n'];

    private static async Task SendAndShutdownAsync(SmtpDialog dialog, byte[] input)
    {
        try
        {
            await dialog.SendRawAsync(input);
            dialog.ShutdownSend();
        }
        catch (Exception e) when (e is IOException or System.Net.Sockets.SocketException)
        {
            // The server may close first (QUIT, too many errors): that is an end too.
        }
    }

    private static async Task AssertServerAnswersAsync(SmtpTestServer server)
    {
        await server.RunAndCloseAsync("""
            S: 220
            C: EHLO client.test
            S: 250
            C: QUIT
            S: 221 2.0.0
            CLOSED
            """);
    }

    /// <summary>Byte flips, insertions of protocol-significant octets, deletions, duplications and truncation.</summary>
    private static byte[] Mutate(byte[] input, Random random)
    {
        var bytes = new List<byte>(input);
        byte[] interesting = [(byte)'\r', (byte)'\n', (byte)'.', 0, 0xff, (byte)'<', (byte)'>', (byte)'@', (byte)':', (byte)' '];
        int edits = random.Next(1, 6);
        for (int i = 0; i < edits && bytes.Count > 0; i++)
        {
            int at = random.Next(bytes.Count);
            switch (random.Next(6))
            {
                case 0:
                    bytes[at] ^= (byte)(1 << random.Next(8));
                    break;
                case 1:
                    bytes.Insert(at, interesting[random.Next(interesting.Length)]);
                    break;
                case 2:
                    bytes.RemoveAt(at);
                    break;
                case 3:
                    bytes.InsertRange(at, bytes.GetRange(at, Math.Min(random.Next(1, 40), bytes.Count - at)));
                    break;
                case 4:
                    bytes.RemoveRange(at, bytes.Count - at);
                    break;
                default:
                    bytes.InsertRange(at, "\r\nBDAT 5 LAST\r\n"u8.ToArray().Take(random.Next(4, 15)));
                    break;
            }
        }

        return [.. bytes];
    }
}
