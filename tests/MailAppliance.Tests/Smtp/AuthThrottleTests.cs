using System.Net;
using MailAppliance.Smtp.Policy;
using MailAppliance.Tests.Smtp.Harness;

namespace MailAppliance.Tests.Smtp;

/// <summary>Failed-AUTH counting per IP address and per account, over a window of the (fake) clock.</summary>
public class AuthThrottleTests
{
    private static readonly IPAddress Client = IPAddress.Parse("192.0.2.1");
    private static readonly IPAddress Other = IPAddress.Parse("192.0.2.2");
    private static readonly TimeSpan Window = TimeSpan.FromMinutes(15);

    [Fact]
    public void An_address_is_blocked_at_its_limit_until_the_window_passes()
    {
        var clock = new FakeTimeProvider();
        var throttle = new AuthThrottle(maxPerIp: 3, maxPerAccount: 100, Window, clock);

        throttle.RecordFailure(Client, null);
        throttle.RecordFailure(Client, null);
        Assert.False(throttle.IsBlocked(Client, null));
        throttle.RecordFailure(Client, null);
        Assert.True(throttle.IsBlocked(Client, null));
        Assert.True(throttle.IsBlocked(Client, "anyone@example.test"));
        Assert.False(throttle.IsBlocked(Other, null));

        clock.Advance(Window);
        Assert.True(throttle.IsBlocked(Client, null)); // The window is inclusive.
        clock.Advance(TimeSpan.FromSeconds(1));
        Assert.False(throttle.IsBlocked(Client, null));

        // A failure after the window starts a new count.
        throttle.RecordFailure(Client, null);
        Assert.False(throttle.IsBlocked(Client, null));
    }

    [Fact]
    public void An_account_is_blocked_whatever_the_address()
    {
        var clock = new FakeTimeProvider();
        var throttle = new AuthThrottle(maxPerIp: 100, maxPerAccount: 2, Window, clock);

        throttle.RecordFailure(Client, "user@example.test");
        throttle.RecordFailure(Other, "USER@example.test");
        Assert.True(throttle.IsBlocked(IPAddress.Parse("198.51.100.7"), "user@example.test"));
        Assert.True(throttle.IsBlocked(Client, "User@Example.Test"));
        Assert.False(throttle.IsBlocked(Client, "alice@example.test"));
        Assert.False(throttle.IsBlocked(Client, null));

        clock.Advance(Window + TimeSpan.FromMilliseconds(1));
        Assert.False(throttle.IsBlocked(Client, "user@example.test"));
    }

    [Fact]
    public void Failures_without_an_account_count_for_the_address_only()
    {
        var throttle = new AuthThrottle(maxPerIp: 100, maxPerAccount: 1, Window, new FakeTimeProvider());
        throttle.RecordFailure(Client, null);
        Assert.False(throttle.IsBlocked(Client, "user@example.test"));
    }

    [Fact]
    public void Ipv4_and_ipv6_addresses_are_counted_apart()
    {
        var throttle = new AuthThrottle(maxPerIp: 1, maxPerAccount: 100, Window, new FakeTimeProvider());
        throttle.RecordFailure(IPAddress.Parse("2001:db8::1"), null);
        Assert.True(throttle.IsBlocked(IPAddress.Parse("2001:db8::1"), null));
        Assert.True(throttle.IsBlocked(IPAddress.Parse("2001:DB8:0::1"), null));
        Assert.False(throttle.IsBlocked(IPAddress.Parse("2001:db8::2"), null));
        Assert.False(throttle.IsBlocked(Client, null));
    }

    [Fact]
    public void Failures_spread_over_time_count_from_the_window_start()
    {
        var clock = new FakeTimeProvider();
        var throttle = new AuthThrottle(maxPerIp: 3, maxPerAccount: 100, Window, clock);
        throttle.RecordFailure(Client, null);
        clock.Advance(TimeSpan.FromMinutes(10));
        throttle.RecordFailure(Client, null);
        clock.Advance(TimeSpan.FromMinutes(4));
        throttle.RecordFailure(Client, null);
        Assert.True(throttle.IsBlocked(Client, null));
        clock.Advance(TimeSpan.FromMinutes(2)); // 16 minutes after the first failure: a new window.
        Assert.False(throttle.IsBlocked(Client, null));
    }

    [Fact]
    public void Concurrent_failures_are_all_counted()
    {
        var throttle = new AuthThrottle(maxPerIp: 1000, maxPerAccount: 1000, Window, new FakeTimeProvider());
        Parallel.For(0, 999, _ => throttle.RecordFailure(Client, "user@example.test"));
        Assert.False(throttle.IsBlocked(Client, "user@example.test"));
        throttle.RecordFailure(Client, "user@example.test");
        Assert.True(throttle.IsBlocked(Client, null));
        Assert.True(throttle.IsBlocked(Other, "user@example.test"));
    }
}
