using System.Collections.Concurrent;
using System.Diagnostics;
using MailAppliance.Queue;
using MailAppliance.Spool;

namespace MailAppliance.Tests.Queue;

public sealed class QueueTelemetryTests : IDisposable
{
    private readonly TempSpool _spool = new();

    public void Dispose() => _spool.Dispose();

    [Fact]
    public async Task Each_attempt_is_a_span_in_the_trace_of_the_session_that_accepted_the_message()
    {
        var spans = new ConcurrentQueue<Activity>();
        using var listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == QueueTelemetry.Name,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = spans.Enqueue,
        };
        ActivitySource.AddActivityListener(listener);
        var session = new ActivityContext(ActivityTraceId.CreateRandom(), ActivitySpanId.CreateRandom(), ActivityTraceFlags.Recorded);
        string traceParent = $"00-{session.TraceId}-{session.SpanId}-01";

        var courier = new ScriptedCourier { Decide = (_, attempt) => attempt == 1 ? MailAppliance.Delivery.DeliveryStatus.TemporaryFailure : MailAppliance.Delivery.DeliveryStatus.Delivered };
        await using var queue = _spool.Queue(courier);
        queue.Start();
        await using (var writer = _spool.Store.Create())
        {
            writer.Write("Subject: traced\r\n\r\nbody\r\n"u8);
            await writer.CommitAsync(ReadOnlyMemory<byte>.Empty, new Envelope
            {
                Id = writer.Id, MailFrom = "a@src.test", Recipients = [new EnvelopeRecipient { Address = "x@one.test" }],
                ReceivedAt = DateTimeOffset.UtcNow, TraceParent = traceParent,
            });
        }

        await TempSpool.WaitUntilAsync(() => _spool.IsEmpty && spans.Count(s => s.OperationName == "queue.deliver") >= 2, "two attempts");
        var attempts = spans.Where(s => s.OperationName == "queue.deliver").ToList();
        Assert.All(attempts, span =>
        {
            Assert.Equal(session.TraceId, span.TraceId);
            Assert.Equal(session.SpanId, span.ParentSpanId);
            Assert.Equal("one.test", span.GetTagItem("mail.destination"));
            Assert.NotNull(span.GetTagItem("mail.queue_id"));
        });
        Assert.Equal(ActivityStatusCode.Error, attempts[0].Status);
        Assert.Equal(1, attempts[1].GetTagItem("mail.delivered"));
    }
}
