using System.Net;
using System.Net.Sockets;
using System.Text;
using MailAppliance.Delivery;
using MailAppliance.Spool;

namespace MailAppliance.Tests.Delivery;

/// <summary>The courier against <see cref="LoopbackSmtpServer"/>: protocol choices and per-recipient results.</summary>
public sealed class SmtpCourierClientTests
{
    private static readonly byte[] Content = Encoding.UTF8.GetBytes("Subject: t\r\n\r\n.leading dot\r\nmiddle\r\n.\r\n..two\r\nend\r\n");

    private static Envelope Envelope(params string[] recipients) => new()
    {
        Id = "q1",
        MailFrom = "sender@src.test",
        Recipients = recipients.Select(r => new EnvelopeRecipient { Address = r, Notify = "FAILURE", OriginalRecipient = "rfc822;" + r }).ToArray(),
        ReceivedAt = DateTimeOffset.UnixEpoch,
        Body = "8BITMIME",
        Ret = "HDRS",
        EnvId = "env+2B1",
    };

    private static Task<CourierResult> Deliver(LoopbackSmtpServer server, Envelope envelope, byte[]? content = null, SmtpCourierOptions? options = null) =>
        new SmtpCourierClient(options ?? new SmtpCourierOptions { HeloName = "relay.src.test", Port = server.Port, ChunkSize = 16 })
            .DeliverAsync("localhost", IPAddress.Loopback, envelope, envelope.Recipients, new MemoryStream(content ?? Content));

    [Fact]
    public async Task DataIsDotStuffedAndArrivesByteExact()
    {
        using var server = new LoopbackSmtpServer("SIZE 1000000", "8BITMIME");
        var client = new SmtpCourierClient(new SmtpCourierOptions { HeloName = "relay.src.test", Port = server.Port });
        var envelope = Envelope("a@dest.test");
        var result = await client.DeliverAsync("localhost", IPAddress.Loopback, envelope, envelope.Recipients, new MemoryStream(Content));

        Assert.True(result.AllDelivered, string.Join("; ", result.Recipients));
        Assert.False(result.UsedChunking);
        Assert.Equal(Content, Assert.Single(server.Messages));
        Assert.Contains($"MAIL FROM:<sender@src.test> SIZE={Content.Length} BODY=8BITMIME", server.Commands);
        Assert.Contains("RCPT TO:<a@dest.test>", server.Commands); // no DSN offered: no NOTIFY/ORCPT
        Assert.Equal("250 2.0.0 queued", result.Recipients[0].Reply!.ToString());
        Assert.DoesNotContain("QUIT", server.Commands); // kept open for the next message
        await client.DisposeAsync();
        Assert.Equal("QUIT", server.Commands[^1]);
    }

    [Fact]
    public async Task Messages_to_the_same_server_share_one_connection_with_rset_between()
    {
        using var server = new LoopbackSmtpServer("PIPELINING");
        await using var client = new SmtpCourierClient(new SmtpCourierOptions { HeloName = "relay.src.test", Port = server.Port });
        for (int i = 0; i < 3; i++)
        {
            var envelope = Envelope($"r{i}@dest.test");
            var result = await client.DeliverAsync("localhost", IPAddress.Loopback, envelope, envelope.Recipients, new MemoryStream(Content));
            Assert.True(result.AllDelivered, string.Join("; ", result.Recipients));
        }

        Assert.Equal(1, server.Connections);
        Assert.Equal(3, server.Messages.Count);
        Assert.Equal(2, server.Commands.Count(c => c == "RSET"));
        Assert.Equal(1, server.Commands.Count(c => c.StartsWith("EHLO", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task Without_reuse_every_message_gets_its_own_connection_closed_with_quit()
    {
        using var server = new LoopbackSmtpServer();
        await using var client = new SmtpCourierClient(new SmtpCourierOptions { HeloName = "relay.src.test", Port = server.Port, ReuseConnections = false });
        for (int i = 0; i < 2; i++)
        {
            var envelope = Envelope($"r{i}@dest.test");
            Assert.True((await client.DeliverAsync("localhost", IPAddress.Loopback, envelope, envelope.Recipients, new MemoryStream(Content))).AllDelivered);
        }

        Assert.Equal(2, server.Connections);
        Assert.Equal(2, server.Commands.Count(c => c == "QUIT"));
    }

    [Fact]
    public async Task BdatWhenChunkingIsOfferedInSeveralChunks()
    {
        using var server = new LoopbackSmtpServer("CHUNKING", "PIPELINING", "DSN");
        var result = await Deliver(server, Envelope("a@dest.test", "b@dest.test"));

        Assert.True(result.AllDelivered, string.Join("; ", result.Recipients));
        Assert.True(result.UsedChunking);
        Assert.Equal(Content, Assert.Single(server.Messages));
        Assert.True(server.Commands.Count(c => c.StartsWith("BDAT ", StringComparison.Ordinal)) > 1);
        Assert.EndsWith(" LAST", server.Commands.Last(c => c.StartsWith("BDAT ", StringComparison.Ordinal)), StringComparison.Ordinal);
        Assert.DoesNotContain("DATA", server.Commands);
        Assert.Contains("MAIL FROM:<sender@src.test> RET=HDRS ENVID=env+2B1", server.Commands);
        Assert.Contains("RCPT TO:<b@dest.test> NOTIFY=FAILURE ORCPT=rfc822;b@dest.test", server.Commands);
        Assert.True(server.SawPipelinedCommands);
    }

    [Fact]
    public async Task EmptyMessageByBdat()
    {
        using var server = new LoopbackSmtpServer("CHUNKING");
        var result = await Deliver(server, Envelope("a@dest.test"), []);

        Assert.True(result.AllDelivered);
        Assert.Contains("BDAT 0 LAST", server.Commands);
    }

    [Fact]
    public async Task PerRecipientReplies()
    {
        using var server = new LoopbackSmtpServer("PIPELINING");
        server.RcptReplies["no@dest.test"] = "550 5.1.1 no such user";
        server.RcptReplies["later@dest.test"] = "451 4.3.0 try later";
        var result = await Deliver(server, Envelope("ok@dest.test", "no@dest.test", "later@dest.test"));

        Assert.Equal([DeliveryStatus.Delivered, DeliveryStatus.PermanentFailure, DeliveryStatus.TemporaryFailure], result.Recipients.Select(r => r.Status));
        Assert.Equal("5.1.1", result.Recipients[1].Reply!.EnhancedCode);
        Assert.Equal(550, result.Recipients[1].Reply!.Code);
        Assert.False(result.ConnectionFailed);
    }

    [Fact]
    public async Task PermanentDataReplyFailsTheAcceptedRecipientsOnly()
    {
        using var server = new LoopbackSmtpServer { DataReply = "554 5.6.0 content rejected" };
        server.RcptReplies["later@dest.test"] = "452 4.2.2 full";
        var result = await Deliver(server, Envelope("ok@dest.test", "later@dest.test"));

        Assert.Equal(DeliveryStatus.PermanentFailure, result.Recipients[0].Status);
        Assert.Equal("554 5.6.0 content rejected", result.Recipients[0].Reply!.ToString());
        Assert.Equal(DeliveryStatus.TemporaryFailure, result.Recipients[1].Status);
    }

    [Fact]
    public async Task SmtpUtf8NeededButNotOfferedIsPermanent()
    {
        using var server = new LoopbackSmtpServer("8BITMIME");
        var result = await Deliver(server, Envelope("jörg@dest.test"));

        var recipient = Assert.Single(result.Recipients);
        Assert.Equal(DeliveryStatus.PermanentFailure, recipient.Status);
        Assert.Contains("SMTPUTF8", recipient.Detail, StringComparison.Ordinal);
        Assert.DoesNotContain(server.Commands, c => c.StartsWith("MAIL", StringComparison.Ordinal));
    }

    [Fact]
    public async Task SmtpUtf8ParameterWhenOffered()
    {
        using var server = new LoopbackSmtpServer("SMTPUTF8");
        var result = await Deliver(server, Envelope("jörg@dest.test"));

        Assert.True(result.AllDelivered);
        Assert.Contains("MAIL FROM:<sender@src.test> SMTPUTF8", server.Commands);
    }

    [Fact]
    public async Task TemporaryGreetingIsAConnectionFailure()
    {
        using var server = new LoopbackSmtpServer { Greeting = "421 4.3.2 busy" };
        var result = await Deliver(server, Envelope("a@dest.test", "b@dest.test"));

        Assert.All(result.Recipients, r => Assert.Equal(DeliveryStatus.TemporaryFailure, r.Status));
        Assert.True(result.ConnectionFailed);
    }

    [Fact]
    public async Task HeloWhenEhloIsRefused()
    {
        using var server = new LoopbackSmtpServer { EhloReply = "502 5.5.2 what" };
        var result = await Deliver(server, Envelope("a@dest.test"));

        Assert.True(result.AllDelivered);
        Assert.Contains("HELO relay.src.test", server.Commands);
    }

    [Fact]
    public async Task StartTlsRefusedContinuesInPlaintext()
    {
        using var server = new LoopbackSmtpServer("STARTTLS");
        var result = await Deliver(server, Envelope("a@dest.test"));

        Assert.True(result.AllDelivered);
        Assert.Null(result.Tls);
        Assert.Contains("STARTTLS", server.Commands);
    }

    [Fact]
    public async Task RefusedConnectionIsTemporaryForAll()
    {
        int port;
        using (var listener = new TcpListener(IPAddress.Loopback, 0))
        {
            listener.Start();
            port = ((IPEndPoint)listener.LocalEndpoint).Port;
        }

        var envelope = Envelope("a@dest.test", "b@dest.test");
        var result = await new SmtpCourierClient(new SmtpCourierOptions { Port = port })
            .DeliverAsync("localhost", IPAddress.Loopback, envelope, envelope.Recipients, new MemoryStream(Content));

        Assert.True(result.ConnectionFailed);
        Assert.All(result.Recipients, r => Assert.Equal(DeliveryStatus.TemporaryFailure, r.Status));
        Assert.All(result.Recipients, r => Assert.Null(r.Reply));
    }

    [Fact]
    public async Task SilentServerTimesOut()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var envelope = Envelope("a@dest.test");
        var result = await new SmtpCourierClient(new SmtpCourierOptions { Port = ((IPEndPoint)listener.LocalEndpoint).Port, GreetingTimeout = TimeSpan.FromMilliseconds(300) })
            .DeliverAsync("localhost", IPAddress.Loopback, envelope, envelope.Recipients, new MemoryStream(Content));

        Assert.True(result.ConnectionFailed);
        Assert.Equal(DeliveryStatus.TemporaryFailure, result.Recipients[0].Status);
        Assert.Contains("timeout", result.Recipients[0].Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task MessageOverTheAnnouncedSizeIsPermanent()
    {
        using var server = new LoopbackSmtpServer("SIZE 10");
        var result = await Deliver(server, Envelope("a@dest.test"));

        Assert.Equal(DeliveryStatus.PermanentFailure, Assert.Single(result.Recipients).Status);
        Assert.Contains("RFC 1870", result.Recipients[0].Detail, StringComparison.Ordinal);
        Assert.DoesNotContain(server.Commands, c => c.StartsWith("MAIL", StringComparison.Ordinal));
    }

    [Fact]
    public async Task MailFromRefusedFailsEveryRecipientEvenWhenPipelined()
    {
        using var server = new LoopbackSmtpServer("PIPELINING") { MailReply = "550 5.7.1 sender refused" };
        var result = await Deliver(server, Envelope("a@dest.test", "b@dest.test"));

        Assert.All(result.Recipients, r => Assert.Equal(DeliveryStatus.PermanentFailure, r.Status));
        Assert.All(result.Recipients, r => Assert.Equal("550 5.7.1 sender refused", r.Reply!.ToString()));
        Assert.Empty(server.Messages);
    }
}
