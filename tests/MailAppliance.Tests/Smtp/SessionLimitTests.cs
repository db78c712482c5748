using System.Text;
using MailAppliance.Tests.Smtp.Harness;

namespace MailAppliance.Tests.Smtp;

/// <summary>The hard limits of DESIGN.md §3: line length, recipients, size, errors, timeouts, connections.</summary>
public class SessionLimitTests
{
    [Fact]
    public async Task A_line_too_long_is_500_5_5_6_and_the_session_continues()
    {
        await using var server = SmtpTestServer.Start(o => o.MaxCommandLineLength = 512);
        string longLine = "NOOP " + new string('x', 3000);
        await server.RunAndCloseAsync($$"""
            S: 220
            C: EHLO client.test
            S: 250
            C: {{longLine}}
            S: 500 5.5.6
            C: NOOP
            S: 250 2.0.0
            C: MAIL FROM:<someone@outside.test>
            S: 250 2.1.0
            C: RCPT TO:<{{new string('a', 600)}}@example.test>
            S: 500 5.5.6
            C: RCPT TO:<user@example.test>
            S: 250 2.1.5
            C: QUIT
            S: 221
            """);
    }

    [Fact]
    public async Task A_line_exactly_at_the_limit_is_accepted()
    {
        await using var server = SmtpTestServer.Start(o => o.MaxCommandLineLength = 512);
        string noop = "NOOP " + new string('x', 512 - 2 - 5); // 512 octets with the CRLF
        await server.RunAndCloseAsync($$"""
            S: 220
            C: {{noop}}
            S: 250 2.0.0
            C: {{noop}}x
            S: 500 5.5.6
            C: NOOP
            S: 250 2.0.0
            """);
    }

    [Fact]
    public async Task A_long_line_arriving_in_pieces_is_refused_once()
    {
        await using var server = SmtpTestServer.Start(o => o.MaxCommandLineLength = 512);
        await using var dialog = await server.ConnectAsync();
        await dialog.ExpectAsync(220);
        for (int i = 0; i < 10; i++)
        {
            await dialog.SendRawAsync(Encoding.ASCII.GetBytes(new string('y', 400)));
            await Task.Delay(10);
        }

        await dialog.SendRawAsync("\r\nNOOP\r\n"u8.ToArray());
        await dialog.ExpectAsync(500, "5.5.6");
        await dialog.ExpectAsync(250, "2.0.0");
    }

    [Fact]
    public async Task Recipients_over_the_limit_are_452_4_5_3()
    {
        await using var server = SmtpTestServer.Start(o => o.MaxRecipients = 2);
        await using var dialog = await server.RunAsync("""
            S: 220
            C: EHLO client.test
            S: 250
            C: MAIL FROM:<someone@outside.test>
            S: 250 2.1.0
            C: RCPT TO:<user@example.test>
            S: 250 2.1.5
            C: RCPT TO:<alice@example.test>
            S: 250 2.1.5
            C: RCPT TO:<info@example.test>
            S: 452 4.5.3
            C: DATA
            S: 354
            C: Subject: two
            C:
            C: .
            S: 250 2.0.0
            """);

        Assert.Equal(["user@example.test", "alice@example.test"], server.Single().Envelope.Recipients.Select(r => r.Address));
    }

    [Fact]
    public async Task A_pipelined_batch_over_the_recipient_limit_keeps_the_accepted_recipients()
    {
        // RFC 5321 §4.5.3.1.8, §4.5.3.1.10: refuse the excess with 452 "in an orderly fashion"; the client sends
        // the message to the accepted ones and the rest later. The excess is not a client error.
        await using var server = SmtpTestServer.Start(o => o.MaxErrors = 10);
        await using var dialog = await server.RunAsync("""
            S: 220
            C: EHLO client.test
            S: 250
            """);
        var batch = new StringBuilder("MAIL FROM:<list@outside.test>\r\n");
        for (int i = 0; i < 115; i++)
        {
            batch.Append("RCPT TO:<user+").Append(i).Append("@example.test>\r\n");
        }

        batch.Append("DATA\r\n");
        await dialog.SendRawAsync(Encoding.ASCII.GetBytes(batch.ToString()));
        await dialog.ExpectAsync(250, "2.1.0");
        for (int i = 0; i < 100; i++)
        {
            await dialog.ExpectAsync(250, "2.1.5");
        }

        for (int i = 0; i < 15; i++)
        {
            await dialog.ExpectAsync(452, "4.5.3");
        }

        await dialog.ExpectAsync(354);
        await dialog.SendRawAsync("Subject: list\r\n\r\n.\r\n"u8.ToArray());
        await dialog.ExpectAsync(250, "2.0.0");
        Assert.Equal(100, server.Single().Envelope.Recipients.Count);
    }

    [Fact]
    public async Task Declared_size_over_the_limit_is_552()
    {
        await using var server = SmtpTestServer.Start(o => o.MaxMessageSize = 1000);
        await server.RunAndCloseAsync("""
            S: 220
            C: EHLO client.test
            S: 250
            S+ SIZE 1000
            C: MAIL FROM:<someone@outside.test> SIZE=1001
            S: 552 5.3.4
            C: MAIL FROM:<someone@outside.test> SIZE=1000
            S: 250 2.1.0
            """);
    }

    [Fact]
    public async Task Message_over_the_limit_while_reading_is_552_5_3_4_and_nothing_is_spooled()
    {
        await using var server = SmtpTestServer.Start(o => o.MaxMessageSize = 1000);
        string body = string.Join(@"\r\n", Enumerable.Repeat(new string('z', 70), 30)); // escaped for R:
        await using var dialog = await server.RunAsync($$"""
            S: 220
            C: EHLO client.test
            S: 250
            C: MAIL FROM:<someone@outside.test>
            S: 250 2.1.0
            C: RCPT TO:<user@example.test>
            S: 250 2.1.5
            C: DATA
            S: 354
            R: {{body}}\r\n.\r\n
            S: 552 5.3.4
            C: NOOP
            S: 250 2.0.0
            C: MAIL FROM:<someone@outside.test>
            S: 250 2.1.0
            C: RCPT TO:<user@example.test>
            S: 250 2.1.5
            R: BDAT 600\r\n{{new string('b', 600)}}
            S: 250 2.0.0
            R: BDAT 600 LAST\r\n{{new string('b', 600)}}
            S: 552 5.3.4
            """);

        Assert.Empty(server.Messages);
        Assert.Empty(server.TemporaryFiles);
    }

    [Fact]
    public async Task A_message_exactly_at_the_limit_is_accepted()
    {
        await using var server = SmtpTestServer.Start(o => o.MaxMessageSize = 100);
        string content = "Subject: s\r\n\r\n" + new string('q', 100 - 14 - 2) + "\r\n";
        Assert.Equal(100, content.Length);
        await server.RunAndCloseAsync($$"""
            S: 220
            C: EHLO client.test
            S: 250
            C: MAIL FROM:<someone@outside.test> SIZE=100
            S: 250 2.1.0
            C: RCPT TO:<user@example.test>
            S: 250 2.1.5
            C: DATA
            S: 354
            R: {{content.Replace("\r\n", "\\r\\n")}}.\r\n
            S: 250 2.0.0
            """);

        Assert.Equal(content, server.Single().ContentText);
    }

    [Fact]
    public async Task Too_many_errors_end_the_session_with_421()
    {
        await using var server = SmtpTestServer.Start(o => o.MaxErrors = 3);
        await server.RunAndCloseAsync("""
            S: 220
            C: BOGUS
            S: 500 5.5.2
            C: NOOP
            S: 250 2.0.0
            C: MAIL FROM:<someone@outside.test>
            S: 503 5.5.1
            C: EHLO client.test
            S: 250
            C: RCPT TO:<user@example.test>
            S: 503 5.5.1
            S: 421 4.7.0
            CLOSED
            """);
    }

    [Fact]
    public async Task Pipelined_errors_stop_at_the_limit()
    {
        await using var server = SmtpTestServer.Start(o => o.MaxErrors = 2);
        await server.RunAndCloseAsync("""
            S: 220
            P: BOGUS1
            P: BOGUS2
            P: BOGUS3
            P: NOOP
            S: 500 5.5.2
            S: 500 5.5.2
            S: 421 4.7.0
            CLOSED
            """);
    }

    [Fact]
    public async Task Idle_client_gets_421_4_4_2_after_the_command_timeout()
    {
        await using var server = SmtpTestServer.Start(o => o.CommandTimeout = TimeSpan.FromMilliseconds(300));
        await using var dialog = await server.RunAsync("""
            S: 220
            C: EHLO client.test
            S: 250
            """);

        var started = DateTime.UtcNow;
        await dialog.ExpectAsync(421, "4.4.2");
        await dialog.ExpectClosedAsync();
        Assert.InRange(DateTime.UtcNow - started, TimeSpan.FromMilliseconds(200), TimeSpan.FromSeconds(5));
    }

    [Fact]
    public async Task A_stalled_data_transfer_gets_421_after_the_data_timeout()
    {
        await using var server = SmtpTestServer.Start(o => o.DataTimeout = TimeSpan.FromMilliseconds(300));
        await server.RunAndCloseAsync("""
            S: 220
            C: EHLO client.test
            S: 250
            C: MAIL FROM:<someone@outside.test>
            S: 250 2.1.0
            C: RCPT TO:<user@example.test>
            S: 250 2.1.5
            C: DATA
            S: 354
            C: Subject: half a message
            S: 421 4.4.2
            CLOSED
            """);

        Assert.Empty(server.Messages);
        Assert.Empty(server.TemporaryFiles);
    }

    [Fact]
    public async Task The_session_timeout_ends_a_session_that_kept_busy()
    {
        // Generous margins: the busy phase must end well before the deadline even on a loaded machine.
        await using var server = SmtpTestServer.Start(o => o.SessionTimeout = TimeSpan.FromSeconds(3));
        var clock = System.Diagnostics.Stopwatch.StartNew();
        await using var dialog = await server.ConnectAsync();
        await dialog.ExpectAsync(220);
        while (clock.ElapsedMilliseconds < 500)
        {
            // Busy at first: each command comes well within the (default, 5 minute) command timeout.
            await dialog.CommandAsync("NOOP", 250, "2.0.0");
            await Task.Delay(50);
        }

        await dialog.ExpectAsync(421, "4.4.2", "Session too long");
        Assert.True(clock.Elapsed >= TimeSpan.FromSeconds(2.5), $"ended after {clock.Elapsed}");
        await dialog.ExpectClosedAsync();
    }

    [Fact]
    public async Task Connections_over_the_per_ip_limit_get_421_and_are_closed()
    {
        await using var server = SmtpTestServer.Start(o => o.MaxConnectionsPerIp = 2);
        await using var first = await server.ConnectAsync();
        await first.ExpectAsync(220);
        await using var second = await server.ConnectAsync();
        await second.ExpectAsync(220);

        await using (var third = await server.ConnectAsync())
        {
            await third.ExpectAsync(421, "4.7.0");
            await third.ExpectClosedAsync();
        }

        // A slot given back is usable again.
        await first.CommandAsync("QUIT", 221, "2.0.0");
        await first.ExpectClosedAsync();
        await WaitUntilAsync(async () =>
        {
            await using var fourth = await server.ConnectAsync();
            return (await fourth.ReadReplyAsync()).Code == 220;
        });
        await second.CommandAsync("NOOP", 250, "2.0.0");
    }

    [Fact]
    public async Task Connections_over_the_total_limit_get_421_4_3_2()
    {
        await using var server = SmtpTestServer.Start(o => o.MaxConnections = 1);
        await using var first = await server.ConnectAsync();
        await first.ExpectAsync(220);
        await using var second = await server.ConnectAsync();
        await second.ExpectAsync(421, "4.3.2");
        await second.ExpectClosedAsync();
    }

    [Fact]
    public async Task Stopping_the_server_tells_sessions_421_4_3_2()
    {
        await using var server = SmtpTestServer.Start();
        await using var dialog = await server.RunAsync("""
            S: 220
            C: EHLO client.test
            S: 250
            C: MAIL FROM:<someone@outside.test>
            S: 250 2.1.0
            """);

        await server.Server.StopAsync(TimeSpan.FromSeconds(5));
        await dialog.ExpectAsync(421, "4.3.2");
        await dialog.ExpectClosedAsync();
        Assert.Empty(server.Messages);
    }

    [Fact]
    public async Task Plain_text_on_the_implicit_tls_port_is_dropped()
    {
        await using var server = SmtpTestServer.Start();
        await using (var plain = await SmtpDialog.ConnectAsync(server.EndpointOf("submissions")))
        {
            await plain.SendLineAsync("EHLO client.test");
            await plain.ExpectClosedAsync();
        }

        await server.RunAndCloseAsync("""
            S: 220
            C: QUIT
            S: 221
            """, "submissions");
        Assert.Empty(server.Logger.Errors);
    }

    private static async Task WaitUntilAsync(Func<Task<bool>> condition)
    {
        var until = DateTime.UtcNow + TimeSpan.FromSeconds(5);
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < until, "condition not met within 5 s");
            await Task.Delay(50);
        }
    }
}
