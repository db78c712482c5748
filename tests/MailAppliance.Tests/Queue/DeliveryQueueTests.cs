using System.Text;
using MailAppliance.Delivery;
using MailAppliance.Queue;
using MailAppliance.Spool;
using MimeKit;

namespace MailAppliance.Tests.Queue;

public sealed class DeliveryQueueTests : IDisposable
{
    private readonly TempSpool _spool = new();

    public void Dispose() => _spool.Dispose();

    [Fact]
    public async Task A_new_message_is_delivered_at_once_with_one_transaction_per_destination_and_leaves_the_queue()
    {
        var courier = new ScriptedCourier();
        await using var queue = _spool.Queue(courier);
        queue.Start();

        string id = await _spool.PutAsync("a@src.test", "x@one.test", "y@one.test", "z@two.test");

        await TempSpool.WaitUntilAsync(() => _spool.IsEmpty && queue.Count == 0, "delivery");
        var calls = courier.Calls.ToArray();
        Assert.Equal(2, calls.Length);
        Assert.Equal(["x@one.test", "y@one.test"], Assert.Single(calls, c => c.Destination == "one.test").Recipients);
        Assert.Equal(["z@two.test"], Assert.Single(calls, c => c.Destination == "two.test").Recipients);
        Assert.All(calls, c => Assert.Equal(id, c.Id));
    }

    [Fact]
    public async Task A_temporary_failure_is_retried_with_state_on_disk_until_it_succeeds()
    {
        var courier = new ScriptedCourier { Decide = (_, attempt) => attempt < 3 ? DeliveryStatus.TemporaryFailure : DeliveryStatus.Delivered };
        await using var queue = _spool.Queue(courier);
        queue.Start();

        string id = await _spool.PutAsync("a@src.test", "x@one.test");
        await TempSpool.WaitUntilAsync(() => queue.States.Load(id) is { Attempts: >= 1 }, "a saved state");
        var state = queue.States.Load(id)!;
        Assert.Equal(RecipientStatus.Pending, state.Recipients[0].Status);
        Assert.Equal("451 4.7.1 try later", state.Recipients[0].RemoteReply);

        await TempSpool.WaitUntilAsync(() => _spool.IsEmpty, "delivery");
        Assert.Equal(3, courier.Calls.Count);
        Assert.Empty(courier.Dsns);
    }

    [Fact]
    public async Task A_permanent_failure_bounces_with_a_dsn_from_the_null_sender_and_the_delivered_recipient_is_not_tried_again()
    {
        var courier = new ScriptedCourier { Decide = (rcpt, _) => rcpt.StartsWith("bad", StringComparison.Ordinal) ? DeliveryStatus.PermanentFailure : DeliveryStatus.Delivered };
        await using var queue = _spool.Queue(courier);
        queue.Start();

        await _spool.PutAsync("a@src.test", "good@one.test", "bad@one.test");

        await TempSpool.WaitUntilAsync(() => !courier.Dsns.IsEmpty && _spool.IsEmpty, "the DSN");
        var dsn = Assert.Single(courier.Dsns);
        Assert.Equal("", dsn.Message.Envelope.MailFrom);
        Assert.Equal("a@src.test", Assert.Single(dsn.Message.Envelope.Recipients).Address);
        string report = Report(dsn);
        Assert.Contains("Final-Recipient: rfc822; bad@one.test", report, StringComparison.Ordinal);
        Assert.Contains("Action: failed", report, StringComparison.Ordinal);
        Assert.Contains("Status: 5.1.1", report, StringComparison.Ordinal);
        Assert.Contains("Diagnostic-Code: smtp; 550 5.1.1 no such user", report, StringComparison.Ordinal);
        Assert.DoesNotContain("good@one.test", report, StringComparison.Ordinal);
        Assert.Equal(1, courier.Calls.Count(c => c.Sender.Length > 0));
    }

    [Fact]
    public async Task No_dsn_goes_to_the_null_sender_and_none_when_notify_is_never()
    {
        var courier = new ScriptedCourier { Decide = (_, _) => DeliveryStatus.PermanentFailure };
        await using var queue = _spool.Queue(courier);
        queue.Start();

        await _spool.PutAsync("", "x@one.test");
        await _spool.PutAsync("a@src.test", [new EnvelopeRecipient { Address = "y@one.test", Notify = "NEVER" }]);

        await TempSpool.WaitUntilAsync(() => _spool.IsEmpty, "both to fail");
        Assert.Empty(courier.Dsns);
        Assert.Equal(2, courier.Calls.Count);
    }

    [Fact]
    public async Task Notify_success_gets_a_relayed_dsn_only_when_the_remote_does_not_offer_dsn()
    {
        var courier = new ScriptedCourier { RemoteSupportsDsn = false };
        await using var queue = _spool.Queue(courier);
        queue.Start();

        await _spool.PutAsync("a@src.test", [new EnvelopeRecipient { Address = "x@one.test", Notify = "SUCCESS,FAILURE", OriginalRecipient = "rfc822;x@one.test" }],
            envId: "env-42");

        await TempSpool.WaitUntilAsync(() => !courier.Dsns.IsEmpty && _spool.IsEmpty, "the relayed DSN");
        string report = Report(Assert.Single(courier.Dsns));
        Assert.Contains("Action: relayed", report, StringComparison.Ordinal);
        Assert.Contains("Original-Recipient: rfc822;x@one.test", report, StringComparison.Ordinal);
        Assert.Contains("Original-Envelope-Id: env-42", report, StringComparison.Ordinal);
    }

    [Fact]
    public async Task After_the_lifetime_pending_recipients_fail_with_4_4_7_and_one_dsn()
    {
        var courier = new ScriptedCourier { Decide = (_, _) => DeliveryStatus.TemporaryFailure };
        var options = TempSpool.FastOptions();
        options.MaxLifetime = TimeSpan.FromMilliseconds(300);
        await using var queue = _spool.Queue(courier, options);
        queue.Start();

        await _spool.PutAsync("a@src.test", "x@one.test");

        await TempSpool.WaitUntilAsync(() => !courier.Dsns.IsEmpty && _spool.IsEmpty, "expiry");
        string report = Report(Assert.Single(courier.Dsns));
        Assert.Contains("Status: 4.4.7", report, StringComparison.Ordinal);
        Assert.Contains("Action: failed", report, StringComparison.Ordinal);
        Assert.True(courier.Calls.Count(c => c.Sender.Length > 0) >= 2);
    }

    [Fact]
    public async Task A_message_still_queued_after_the_warning_time_gets_exactly_one_delay_dsn()
    {
        var courier = new ScriptedCourier { Decide = (_, attempt) => attempt < 6 ? DeliveryStatus.TemporaryFailure : DeliveryStatus.Delivered };
        var options = TempSpool.FastOptions();
        options.DelayWarningAfter = TimeSpan.FromMilliseconds(50);
        await using var queue = _spool.Queue(courier, options);
        queue.Start();

        await _spool.PutAsync("a@src.test", "x@one.test");

        await TempSpool.WaitUntilAsync(() => _spool.IsEmpty && !courier.Dsns.IsEmpty, "delivery");
        string report = Report(Assert.Single(courier.Dsns));
        Assert.Contains("Action: delayed", report, StringComparison.Ordinal);
        Assert.Contains("Will-Retry-Until:", report, StringComparison.Ordinal);
        Assert.Contains("Status: 4.7.1", report, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_hold_survives_a_restart_and_release_delivers()
    {
        var courier = new ScriptedCourier();
        var paused = TempSpool.FastOptions();
        paused.Paused = true;
        string id;
        await using (var first = _spool.Queue(courier, paused))
        {
            first.Start();
            id = await _spool.PutAsync("a@src.test", "x@one.test");
            Assert.True(first.Hold(id));
            await first.StopAsync(TimeSpan.FromSeconds(1));
        }

        _spool.Reopen();
        await using var second = _spool.Queue(courier);
        second.Start();
        await Task.Delay(300);
        Assert.Empty(courier.Calls);
        Assert.True(second.Find(id)!.State.Held);

        Assert.True(second.Release(id));
        await TempSpool.WaitUntilAsync(() => _spool.IsEmpty, "delivery after release");
        Assert.Single(courier.Calls);
    }

    [Fact]
    public async Task After_a_restart_only_the_recipients_still_pending_are_tried()
    {
        var courier = new ScriptedCourier { Decide = (rcpt, _) => rcpt.StartsWith("later", StringComparison.Ordinal) ? DeliveryStatus.TemporaryFailure : DeliveryStatus.Delivered };
        var slow = TempSpool.FastOptions();
        slow.MinRetryDelay = slow.MaxRetryDelay = TimeSpan.FromMinutes(10);
        string id;
        await using (var first = _spool.Queue(courier, slow))
        {
            first.Start();
            id = await _spool.PutAsync("a@src.test", "now@one.test", "later@two.test");
            await TempSpool.WaitUntilAsync(() => first.States.Load(id) is { Attempts: 1 }, "the first attempt");
            await first.StopAsync(TimeSpan.FromSeconds(1));
        }

        _spool.Reopen();
        courier.Decide = (_, _) => DeliveryStatus.Delivered;
        await using var second = _spool.Queue(courier, slow);
        second.Start();
        Assert.True(second.Retry(id));
        await TempSpool.WaitUntilAsync(() => _spool.IsEmpty, "the retry");
        Assert.Equal(1, courier.Calls.Count(c => c.Recipients.Contains("now@one.test")));
        Assert.Equal(2, courier.Calls.Count(c => c.Recipients.Contains("later@two.test")));
    }

    [Fact]
    public async Task Delete_removes_the_message_without_a_dsn()
    {
        var courier = new ScriptedCourier();
        var paused = TempSpool.FastOptions();
        paused.Paused = true;
        await using var queue = _spool.Queue(courier, paused);
        queue.Start();
        string id = await _spool.PutAsync("a@src.test", "x@one.test");
        Assert.Equal(id, Assert.Single(queue.List()).Envelope.Id);

        Assert.True(queue.Delete(id));
        Assert.False(queue.Delete(id));
        Assert.True(_spool.IsEmpty);
        Assert.Empty(queue.List());
        Assert.Null(queue.Find("not-an-id"));
    }

    internal static string Report((SpooledMessage Message, byte[] Bytes) dsn)
    {
        var message = MimeMessage.Load(new MemoryStream(dsn.Bytes));
        Assert.Equal("auto-replied", message.Headers["Auto-Submitted"]);
        var part = message.BodyParts.OfType<MessageDeliveryStatus>().Single();
        using var text = new MemoryStream();
        (part.Content ?? throw new InvalidOperationException("empty part")).DecodeTo(text);
        return Encoding.UTF8.GetString(text.ToArray()).Replace("\r\n", "\n", StringComparison.Ordinal);
    }
}
