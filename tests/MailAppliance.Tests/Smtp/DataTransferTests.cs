using System.Text;
using MailAppliance.Spool;
using MailAppliance.Tests.Smtp.Harness;

namespace MailAppliance.Tests.Smtp;

/// <summary>
/// DATA (RFC 5321 §4.1.1.4, §4.5.2), BDAT (RFC 3030), pipelining (RFC 2920) and the bare CR/LF rules that stop
/// SMTP smuggling; after each accepted message, the spool holds the envelope, the prefix and the exact octets.
/// </summary>
public class DataTransferTests
{
    private const string Envelope = """
        S: 220
        C: EHLO client.test
        S: 250
        C: MAIL FROM:<someone@outside.test>
        S: 250 2.1.0
        C: RCPT TO:<user@example.test>
        S: 250 2.1.5
        """;

    [Fact]
    public async Task A_message_is_spooled_with_its_envelope_prefix_and_exact_content()
    {
        await using var server = SmtpTestServer.Start();
        await using var dialog = await server.RunAsync("""
            S: 220
            C: EHLO client.test
            S: 250
            C: MAIL FROM:<Someone@Outside.TEST> BODY=8BITMIME
            S: 250 2.1.0
            C: RCPT TO:<user@example.test>
            S: 250 2.1.5
            C: DATA
            S: 354
            C: From: Someone <someone@outside.test>
            C: Subject: café
            C:
            C: Olá, mundo.
            C:  indented line
            C: .
            S: 250 2.0.0 OK queued as
            """);

        string id = Assert.Single(dialog.QueuedIds);
        Assert.True(QueueId.IsValid(id));
        var stored = server.Read(id);
        byte[] expected = Encoding.UTF8.GetBytes("From: Someone <someone@outside.test>\r\nSubject: café\r\n\r\nOlá, mundo.\r\n indented line\r\n");
        Assert.Equal(expected, stored.Content);

        var envelope = stored.Envelope;
        Assert.Equal(id, envelope.Id);
        Assert.Equal("Someone@outside.test", envelope.MailFrom); // The domain is lower-cased, the local part kept.
        Assert.Equal(["user@example.test"], envelope.Recipients.Select(r => r.Address));
        Assert.Equal("8BITMIME", envelope.Body);
        Assert.Equal(expected.Length, envelope.Size);
        Assert.Equal("127.0.0.1", envelope.ClientAddress);
        Assert.Equal("client.test", envelope.Helo);
        Assert.Equal("mx", envelope.Listener);
        Assert.Null(envelope.Tls);
        Assert.Null(envelope.AuthenticatedAs);
        Assert.False(envelope.SmtpUtf8);
        Assert.InRange(envelope.ReceivedAt, DateTimeOffset.UtcNow.AddMinutes(-1), DateTimeOffset.UtcNow.AddMinutes(1));

        // The prefix: one Received field of this hop (RFC 5321 §4.4), nothing else for an unauthenticated client.
        Assert.StartsWith($"Received: from client.test ([127.0.0.1])\r\n\tby mail.example.test (MailAppliance) with ESMTP id {id}\r\n\tfor <user@example.test>; ", stored.Prefix);
        Assert.EndsWith("\r\n", stored.Prefix);
        Assert.DoesNotContain("Message-ID", stored.Prefix);
        Assert.DoesNotContain("Date:", stored.Prefix);
        Assert.Empty(server.TemporaryFiles);
    }

    [Fact]
    public async Task Received_names_no_recipient_when_there_are_several()
    {
        await using var server = SmtpTestServer.Start();
        await server.RunAndCloseAsync("""
            S: 220
            C: HELO client.test
            S: 250
            C: MAIL FROM:<>
            S: 250 2.1.0
            C: RCPT TO:<user@example.test>
            S: 250 2.1.5
            C: RCPT TO:<alice@example.test>
            S: 250 2.1.5
            C: DATA
            S: 354
            C: Subject: bounce
            C:
            C: .
            S: 250 2.0.0
            """);

        var stored = server.Single();
        Assert.Equal(string.Empty, stored.Envelope.MailFrom);
        Assert.Contains(" with SMTP id ", stored.Prefix); // HELO, not EHLO (RFC 3848).
        Assert.DoesNotContain("for <", stored.Prefix); // Naming recipients would disclose Bcc.
    }

    [Fact]
    public async Task Pipelined_commands_get_every_reply_in_order()
    {
        await using var server = SmtpTestServer.Start();
        await using var dialog = await server.RunAsync("""
            S: 220
            C: EHLO client.test
            S: 250
            S+ PIPELINING
            P: MAIL FROM:<someone@outside.test>
            P: RCPT TO:<user@example.test>
            P: RCPT TO:<nobody@example.test>
            P: RCPT TO:<alice@example.test>
            P: RCPT TO:<someone@elsewhere.test>
            P: DATA
            S: 250 2.1.0
            S: 250 2.1.5
            S: 550 5.1.1
            S: 250 2.1.5
            S: 554 5.7.1
            S: 354
            P: Subject: pipelined
            P:
            P: .
            P: RSET
            P: NOOP
            P: HELP
            P: QUIT
            S: 250 2.0.0 queued as
            S: 250 2.0.0
            S: 250 2.0.0
            S: 214 2.0.0
            S: 221 2.0.0
            CLOSED
            """);

        Assert.Equal(["user@example.test", "alice@example.test"], server.Single().Envelope.Recipients.Select(r => r.Address));
    }

    [Fact]
    public async Task Bdat_can_be_pipelined_with_its_data()
    {
        await using var server = SmtpTestServer.Start();
        await server.RunAndCloseAsync("""
            S: 220
            C: EHLO client.test
            S: 250
            P: MAIL FROM:<someone@outside.test>
            P: RCPT TO:<user@example.test>
            R: BDAT 11 LAST\r\na: b\r\n\r\nc\r\nQUIT\r\n
            S: 250 2.1.0
            S: 250 2.1.5
            S: 250 2.0.0 queued as
            S: 221 2.0.0
            CLOSED
            """);

        Assert.Equal("a: b\r\n\r\nc\r\n", server.Single().ContentText);
    }

    [Fact]
    public async Task Dot_stuffing_is_removed_and_only_crlf_dot_crlf_ends_the_message()
    {
        await using var server = SmtpTestServer.Start();
        await server.RunAndCloseAsync(Envelope + """

            C: DATA
            S: 354
            R: Subject: dots\r\n\r\n..x\r\n...\r\n..\x20\r\na.\r\n..\r\n.\x20\r\n.a.\r\n
            R: .\r\n
            S: 250 2.0.0
            C: NOOP
            S: 250 2.0.0
            """);

        // RFC 5321 §4.5.2: a leading dot is removed from every line that has one; "." alone ends the message.
        Assert.Equal("Subject: dots\r\n\r\n.x\r\n..\r\n. \r\na.\r\n.\r\n \r\na.\r\n", server.Single().ContentText);
    }

    [Fact]
    public async Task An_empty_message_ends_at_once()
    {
        await using var server = SmtpTestServer.Start();
        await server.RunAndCloseAsync(Envelope + """

            C: DATA
            S: 354
            C: .
            S: 250 2.0.0
            """);

        Assert.Empty(server.Single().Content);
    }

    [Fact]
    public async Task The_end_marker_may_arrive_in_pieces()
    {
        await using var server = SmtpTestServer.Start();
        await using var dialog = await server.RunAsync(Envelope + """

            C: DATA
            S: 354
            R: Subject: pieces\r\n\r\nbody\r
            """);

        foreach (string piece in new[] { "\n", ".", "\r", "\n" })
        {
            await Task.Delay(30);
            await dialog.SendRawAsync(Encoding.ASCII.GetBytes(piece));
        }

        await dialog.ExpectAsync(250, "2.0.0");
        Assert.Equal("Subject: pieces\r\n\r\nbody\r\n", server.Single().ContentText);
    }

    [Fact]
    public async Task Bdat_chunks_are_stored_exactly_without_unstuffing()
    {
        await using var server = SmtpTestServer.Start();
        await using var dialog = await server.RunAsync(Envelope + """

            R: BDAT 14\r\nSubject: bdat\r
            S: 250 2.0.0 14 octets received
            R: BDAT 1\r\n\n
            S: 250 2.0.0 1 octets received
            B: \r\n.hidden\r\n.\r\nQUIT\r\n
            S: 250 2.0.0 20 octets received
            C: BDAT 0 LAST
            S: 250 2.0.0 queued as
            C: NOOP
            S: 250 2.0.0
            """);

        var stored = server.Read(Assert.Single(dialog.QueuedIds));
        Assert.Equal("Subject: bdat\r\n\r\n.hidden\r\n.\r\nQUIT\r\n", stored.ContentText);
        Assert.Equal(35, stored.Envelope.Size);
    }

    [Fact]
    public async Task Bdat_zero_last_alone_is_an_empty_message()
    {
        await using var server = SmtpTestServer.Start();
        await server.RunAndCloseAsync(Envelope + """

            C: BDAT 0 LAST
            S: 250 2.0.0 queued as
            """);

        Assert.Empty(server.Single().Content);
    }

    [Fact]
    public async Task Bdat_without_mail_consumes_the_chunk_and_the_session_continues()
    {
        await using var server = SmtpTestServer.Start();
        await server.RunAndCloseAsync("""
            S: 220
            C: EHLO client.test
            S: 250
            R: BDAT 12 LAST\r\nRSET\r\nQUIT\r\n
            S: 503 5.5.1
            R: BDAT 5\r\nhello
            S: 503 5.5.1
            C: NOOP
            S: 250 2.0.0
            C: MAIL FROM:<someone@outside.test>
            S: 250 2.1.0
            R: BDAT 6\r\nQUIT\r\n
            S: 554 5.5.1
            C: RCPT TO:<user@example.test>
            S: 250 2.1.5
            BL: ok\r\n\r\n
            S: 250 2.0.0 queued as
            """);

        Assert.Equal("ok\r\n\r\n", server.Single().ContentText);
    }

    [Fact]
    public async Task Bdat_with_a_bad_size_is_501_and_closes_because_the_chunk_end_is_unknown()
    {
        foreach (string command in new[] { "BDAT", "BDAT x", "BDAT -1", "BDAT 5 NOTLAST", "BDAT 5 LAST more" })
        {
            await using var server = SmtpTestServer.Start();
            await server.RunAndCloseAsync(Envelope + $"""

                C: {command}
                S: 501 5.5.4
                CLOSED
                """);
            Assert.Empty(server.Messages);
            Assert.Empty(server.TemporaryFiles);
        }
    }

    [Fact]
    public async Task Data_and_bdat_messages_mix_in_one_session()
    {
        await using var server = SmtpTestServer.Start();
        await using var dialog = await server.RunAsync(Envelope + """

            C: DATA
            S: 354
            C: Subject: one
            C:
            C: .
            S: 250 2.0.0 queued as
            C: MAIL FROM:<someone@outside.test>
            S: 250 2.1.0
            C: RCPT TO:<alice@example.test>
            S: 250 2.1.5
            B: Subject: two\r\n\r\n
            S: 250 2.0.0
            C: DATA
            S: 503 5.5.1
            C: BDAT 0 LAST
            S: 250 2.0.0 queued as
            C: MAIL FROM:<someone@outside.test>
            S: 250 2.1.0
            C: RCPT TO:<info@example.test>
            S: 250 2.1.5
            C: DATA
            S: 354
            C: Subject: three
            C:
            C: .
            S: 250 2.0.0 queued as
            """);

        Assert.Equal(3, dialog.QueuedIds.Distinct().Count());
        Assert.Equal(dialog.QueuedIds.Order(StringComparer.Ordinal), server.Messages.Select(m => m.Id));
        Assert.Equal(["Subject: one\r\n\r\n", "Subject: two\r\n\r\n", "Subject: three\r\n\r\n"], dialog.QueuedIds.Select(id => server.Read(id).ContentText));
        Assert.Equal(["user@example.test", "alice@example.test", "info@example.test"], dialog.QueuedIds.Select(id => server.Read(id).Envelope.Recipients[0].Address));
    }

    [Fact]
    public async Task Rset_during_bdat_discards_the_partial_message()
    {
        await using var server = SmtpTestServer.Start();
        await server.RunAndCloseAsync(Envelope + """

            B: Subject: gone\r\n\r\n
            S: 250 2.0.0
            C: RSET
            S: 250 2.0.0
            C: BDAT 0 LAST
            S: 503 5.5.1
            """);

        Assert.Empty(server.Messages);
        Assert.Empty(server.TemporaryFiles);
    }

    [Theory]
    [InlineData(@"Subject: x\r\n\r\nfoo\n.\nMAIL FROM:<evil@outside.test>\r\n")]
    [InlineData(@"Subject: x\r\n\r\nfoo\r.\rMAIL FROM:<evil@outside.test>\r\n")]
    [InlineData(@"Subject: x\r\n\r\nfoo\n.\r\nMAIL FROM:<evil@outside.test>\r\n")]
    [InlineData(@"Subject: x\r\n\r\nfoo\r\n.\nMAIL FROM:<evil@outside.test>\r\n")]
    [InlineData(@"Subject: x\r\n\r\nfoo\r\n.\rMAIL FROM:<evil@outside.test>\r\n")]
    [InlineData(@"Subject: x\r\n\r\na\nb\r\n")]
    [InlineData(@"Subject: x\r\n\r\na\rb\r\n")]
    [InlineData(@"Subject: x\r\n\r\nends with a bare CR\r\r\n")]
    [InlineData(@"Subject: x\n\nbare LF headers\r\n")]
    public async Task Bare_lf_or_cr_never_ends_data_and_the_message_is_refused_550_5_6_0(string content)
    {
        await using var server = SmtpTestServer.Start();
        await server.RunAndCloseAsync(Envelope + $$"""

            C: DATA
            S: 354
            R: {{content}}.\r\n
            S: 550 5.6.0
            C: NOOP
            S: 250 2.0.0
            C: RCPT TO:<user@example.test>
            S: 503 5.5.1
            """);

        Assert.Empty(server.Messages);
        Assert.Empty(server.TemporaryFiles);
    }

    [Theory]
    [InlineData(@"BDAT 7 LAST\r\na\nb\r\n\r\n", 1)]
    [InlineData(@"BDAT 7 LAST\r\na\rb\r\n\r\n", 1)]
    [InlineData(@"BDAT 2\r\na\r", 2)]
    [InlineData(@"BDAT 3\r\nab\r", 2)]
    public async Task Bare_line_endings_in_bdat_are_refused(string chunks, int replies)
    {
        // The last two: a CR at the end of a chunk, then (below) a chunk that does not start with LF, or the end.
        await using var server = SmtpTestServer.Start();
        string rest = replies == 1 ? string.Empty : "S: 250 2.0.0\nR: BDAT 3 LAST\\r\\nb\\r\\n";
        await server.RunAndCloseAsync(Envelope + $$"""

            R: {{chunks}}
            {{rest}}
            S: 550 5.6.0
            C: NOOP
            S: 250 2.0.0
            """);

        Assert.Empty(server.Messages);
        Assert.Empty(server.TemporaryFiles);
    }

    [Fact]
    public async Task A_bdat_message_ending_in_a_bare_cr_is_refused()
    {
        await using var server = SmtpTestServer.Start();
        await server.RunAndCloseAsync(Envelope + """

            B: Subject: x\r\n
            S: 250 2.0.0
            B: \r\nab\r
            S: 250 2.0.0
            C: BDAT 0 LAST
            S: 550 5.6.0
            C: MAIL FROM:<someone@outside.test>
            S: 250 2.1.0
            C: RCPT TO:<user@example.test>
            S: 250 2.1.5
            BL: ab\r\nc\r
            S: 550 5.6.0
            """);

        Assert.Empty(server.Messages);
        Assert.Empty(server.TemporaryFiles);
    }

    [Fact]
    public async Task A_crlf_split_across_bdat_chunks_is_not_bare()
    {
        await using var server = SmtpTestServer.Start();
        await server.RunAndCloseAsync(Envelope + """

            R: BDAT 11\r\nSubject: x\r
            S: 250 2.0.0
            R: BDAT 7 LAST\r\n\n\r\nab\r\n
            S: 250 2.0.0 queued as
            """);

        Assert.Equal("Subject: x\r\n\r\nab\r\n", server.Single().ContentText);
    }

    [Fact]
    public async Task A_client_vanishing_mid_message_leaves_nothing_behind()
    {
        await using var server = SmtpTestServer.Start();
        await using (var dialog = await server.RunAsync(Envelope + """

            C: DATA
            S: 354
            C: Subject: never finished
            """))
        {
        }

        var until = DateTime.UtcNow.AddSeconds(5);
        while (server.TemporaryFiles.Count > 0 && DateTime.UtcNow < until)
        {
            await Task.Delay(20);
        }

        Assert.Empty(server.TemporaryFiles);
        Assert.Empty(server.Messages);
    }

    [Fact]
    public async Task Syncfs_mode_spools_durably_too()
    {
        await using var server = SmtpTestServer.Start(sync: SyncMode.Syncfs);
        await server.RunAndCloseAsync(Envelope + """

            C: DATA
            S: 354
            C: Subject: syncfs
            C:
            C: .
            S: 250 2.0.0 queued as
            """);

        Assert.Equal("Subject: syncfs\r\n\r\n", server.Single().ContentText);
        Assert.True(server.Spool.Syncs >= 1);
    }

    [Fact]
    public async Task A_spool_that_cannot_be_written_answers_451_4_3_0_after_reading_the_message()
    {
        await using var server = SmtpTestServer.Start();
        string tmp = Path.Combine(server.Spool.Directory, "tmp");
        Directory.Delete(tmp);
        await server.RunAndCloseAsync(Envelope + """

            C: DATA
            S: 354
            C: Subject: nowhere to go
            C:
            C: .
            S: 451 4.3.0
            C: MAIL FROM:<someone@outside.test>
            S: 250 2.1.0
            C: RCPT TO:<user@example.test>
            S: 250 2.1.5
            B: Subject: nor here\r\n
            S: 250 2.0.0
            BL: \r\nbody\r\n
            S: 451 4.3.0
            C: NOOP
            S: 250 2.0.0
            """);
        Assert.Empty(server.Messages);

        Directory.CreateDirectory(tmp);
        await server.RunAndCloseAsync(Envelope + """

            BL: Subject: now it works\r\n\r\n
            S: 250 2.0.0 queued as
            """);
        Assert.Single(server.Messages);
    }

    [Fact]
    public async Task The_helo_name_is_sanitized_in_the_received_field()
    {
        await using var server = SmtpTestServer.Start();
        await server.RunAndCloseAsync("""
            S: 220
            C: EHLO evil(comment)\\x
            S: 250
            C: MAIL FROM:<someone@outside.test>
            S: 250 2.1.0
            C: RCPT TO:<user@example.test>
            S: 250 2.1.5
            C: DATA
            S: 354
            C: Subject: x
            C:
            C: .
            S: 250 2.0.0
            """);

        var stored = server.Single();
        Assert.Equal(@"evil(comment)\\x", stored.Envelope.Helo); // Two backslashes, as sent.
        Assert.StartsWith("Received: from evil_comment___x ([127.0.0.1])\r\n", stored.Prefix);
    }

    [Fact]
    public async Task A_large_message_arrives_byte_exact_through_data_and_bdat()
    {
        // About 2 MB of lines, a fifth of them starting with a dot, some with 8-bit octets: far more than one read.
        var random = new Random(1870);
        var content = new StringBuilder("Subject: large\r\n\r\n");
        while (content.Length < 2_000_000)
        {
            content.Append(random.Next(5) == 0 ? "." : string.Empty)
                .Append(new string((char)('a' + random.Next(26)), random.Next(0, 990)))
                .Append(random.Next(10) == 0 ? "é" : string.Empty)
                .Append("\r\n");
        }

        byte[] original = Encoding.UTF8.GetBytes(content.ToString());
        byte[] stuffed = Encoding.UTF8.GetBytes(content.ToString().Replace("\r\n.", "\r\n.."));
        await using var server = SmtpTestServer.Start();
        await using var dialog = await server.RunAsync(Envelope + """

            C: DATA
            S: 354
            """);
        await dialog.SendRawAsync(stuffed);
        await dialog.SendRawAsync(".\r\n"u8.ToArray());
        await dialog.ExpectAsync(250, "2.0.0");

        await dialog.RunAsync("""
            C: MAIL FROM:<someone@outside.test> BODY=8BITMIME
            S: 250 2.1.0
            C: RCPT TO:<user@example.test>
            S: 250 2.1.5
            """);
        int half = original.Length / 2;
        await dialog.SendRawAsync((byte[])[.. Encoding.ASCII.GetBytes($"BDAT {half}\r\n"), .. original.AsSpan(0, half)]);
        await dialog.ExpectAsync(250, "2.0.0");
        await dialog.SendRawAsync((byte[])[.. Encoding.ASCII.GetBytes($"BDAT {original.Length - half} LAST\r\n"), .. original.AsSpan(half)]);
        await dialog.ExpectAsync(250, "2.0.0");

        Assert.Equal(2, dialog.QueuedIds.Count);
        foreach (string id in dialog.QueuedIds)
        {
            var stored = server.Read(id);
            Assert.True(original.AsSpan().SequenceEqual(stored.Content), $"{id} differs from what was sent");
            Assert.Equal(original.Length, stored.Envelope.Size);
        }
    }

    [Fact]
    public async Task Concurrent_sessions_all_get_their_messages_spooled()
    {
        await using var server = SmtpTestServer.Start(sync: SyncMode.Syncfs);
        var sessions = Enumerable.Range(0, 24).Select(i => Task.Run(async () =>
        {
            await using var dialog = await server.RunAsync(Envelope + $$"""

                C: DATA
                S: 354
                C: Subject: concurrent {{i}}
                C:
                C: .
                S: 250 2.0.0 queued as
                C: QUIT
                S: 221
                """);
            return (i, Id: dialog.QueuedIds.Single());
        }));

        var results = await Task.WhenAll(sessions);
        Assert.Equal(24, server.Messages.Count);
        foreach (var (i, id) in results)
        {
            Assert.Equal($"Subject: concurrent {i}\r\n\r\n", server.Read(id).ContentText);
        }

        Assert.InRange(server.Spool.Syncs, 1, 24); // Group commit: never more syncs than messages.
    }
}
