using MailAppliance.Spool;
using MailAppliance.Tests.Smtp.Harness;

namespace MailAppliance.Tests.Spool;

/// <summary>Queue ids: valid file names, sortable by arrival time.</summary>
public class QueueIdTests
{
    private const string Alphabet = "0123456789abcdefghijklmnopqrstuv";

    [Fact]
    public void New_ids_are_valid_and_distinct()
    {
        var ids = Enumerable.Range(0, 200).Select(_ => QueueId.New()).ToList();
        Assert.All(ids, id =>
        {
            Assert.Equal(18, id.Length);
            Assert.True(QueueId.IsValid(id));
            Assert.All(id, c => Assert.Contains(c, Alphabet));
        });
        Assert.Equal(ids.Count, ids.Distinct().Count());
    }

    [Fact]
    public void Ids_sort_by_time()
    {
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
        var ids = new List<string>();
        foreach (var step in new[] { 1, 1, 30, 999, 1000, 60_000, 3_600_000, 86_400_000, 1 })
        {
            ids.Add(QueueId.New(clock));
            clock.Advance(TimeSpan.FromMilliseconds(step));
        }

        ids.Add(QueueId.New(new FakeTimeProvider(new DateTimeOffset(2100, 1, 1, 0, 0, 0, TimeSpan.Zero))));
        Assert.Equal(ids, ids.Order(StringComparer.Ordinal));
        Assert.Equal(ids.Count, ids.Distinct().Count());
    }

    [Fact]
    public void The_first_twelve_characters_are_the_milliseconds_in_base_32()
    {
        var when = new DateTimeOffset(2026, 11, 27, 20, 19, 0, 123, TimeSpan.Zero);
        string id = QueueId.New(new FakeTimeProvider(when));
        long ms = id[..12].Aggregate(0L, (value, c) => (value * 32) + Alphabet.IndexOf(c, StringComparison.Ordinal));
        Assert.Equal(when.ToUnixTimeMilliseconds(), ms);
        Assert.StartsWith("000000000001", QueueId.New(new FakeTimeProvider(DateTimeOffset.UnixEpoch.AddMilliseconds(1))));
    }

    [Theory]
    [InlineData("")]
    [InlineData("0001k8fbv58a7vq1v")]
    [InlineData("0001k8fbv58a7vq1vlx")]
    [InlineData("0001K8FBV58A7VQ1VL")]
    [InlineData("0001k8fbv58a7vq1vw")]
    [InlineData("0001k8fbv58a7vq1v-")]
    [InlineData("../../../etc/passw")]
    [InlineData("0001k8fbv58a7vq1v\0")]
    public void Invalid_ids(string text) => Assert.False(QueueId.IsValid(text));

    [Fact]
    public void A_valid_id() => Assert.True(QueueId.IsValid("0001k8fbv58a7vq1vl"));
}
