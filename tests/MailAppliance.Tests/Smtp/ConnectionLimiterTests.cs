using System.Net;
using MailAppliance.Smtp.Server;

namespace MailAppliance.Tests.Smtp;

/// <summary>Concurrent connections in total and per client address.</summary>
public class ConnectionLimiterTests
{
    private static readonly IPAddress A = IPAddress.Parse("192.0.2.1");
    private static readonly IPAddress B = IPAddress.Parse("192.0.2.2");
    private static readonly IPAddress C = IPAddress.Parse("2001:db8::3");

    [Fact]
    public void The_per_address_limit_refuses_with_its_reason()
    {
        var limiter = new ConnectionLimiter(maxTotal: 100, maxPerIp: 2);
        Assert.True(limiter.TryAcquire(A, out _));
        Assert.True(limiter.TryAcquire(A, out _));
        Assert.False(limiter.TryAcquire(A, out bool perIp));
        Assert.True(perIp);
        Assert.Equal(2, limiter.Total);
        Assert.True(limiter.TryAcquire(B, out perIp));
        Assert.False(perIp);
        Assert.Equal(3, limiter.Total);

        limiter.Release(A);
        Assert.True(limiter.TryAcquire(A, out _));
        Assert.False(limiter.TryAcquire(A, out _));
    }

    [Fact]
    public void The_total_limit_refuses_without_blaming_the_address()
    {
        var limiter = new ConnectionLimiter(maxTotal: 3, maxPerIp: 10);
        Assert.True(limiter.TryAcquire(A, out _));
        Assert.True(limiter.TryAcquire(B, out _));
        Assert.True(limiter.TryAcquire(C, out _));
        Assert.False(limiter.TryAcquire(A, out bool perIp));
        Assert.False(perIp);
        Assert.Equal(3, limiter.Total);

        limiter.Release(B);
        Assert.Equal(2, limiter.Total);
        Assert.True(limiter.TryAcquire(A, out _));
        Assert.Equal(3, limiter.Total);
    }

    [Fact]
    public void Refusals_do_not_leak_slots()
    {
        var limiter = new ConnectionLimiter(maxTotal: 2, maxPerIp: 1);
        for (int i = 0; i < 100; i++)
        {
            Assert.True(limiter.TryAcquire(A, out _));
            Assert.False(limiter.TryAcquire(A, out _));
            Assert.True(limiter.TryAcquire(B, out _));
            Assert.False(limiter.TryAcquire(C, out _));
            limiter.Release(A);
            limiter.Release(B);
        }

        Assert.Equal(0, limiter.Total);
    }

    [Fact]
    public void Concurrent_acquire_and_release_balance_out()
    {
        var limiter = new ConnectionLimiter(maxTotal: 50, maxPerIp: 5);
        IPAddress[] addresses = [.. Enumerable.Range(1, 8).Select(i => IPAddress.Parse($"198.51.100.{i}"))];
        int maxSeen = 0;
        Parallel.For(0, 20_000, new ParallelOptions { MaxDegreeOfParallelism = 8 }, i =>
        {
            var address = addresses[i % addresses.Length];
            if (limiter.TryAcquire(address, out _))
            {
                int total = limiter.Total;
                InterlockedMax(ref maxSeen, total);
                limiter.Release(address);
            }
        });

        Assert.Equal(0, limiter.Total);
        Assert.InRange(maxSeen, 1, 40 + 8); // 8 addresses × 5, plus claims of other threads about to be given back.

        // Every address can again take its full share, so no per-address count was left behind.
        foreach (var address in addresses)
        {
            for (int i = 0; i < 5; i++)
            {
                Assert.True(limiter.TryAcquire(address, out _));
            }

            Assert.False(limiter.TryAcquire(address, out bool perIp));
            Assert.True(perIp);
        }
    }

    private static void InterlockedMax(ref int target, int value)
    {
        int current;
        while ((current = Volatile.Read(ref target)) < value && Interlocked.CompareExchange(ref target, value, current) != current)
        {
        }
    }
}
