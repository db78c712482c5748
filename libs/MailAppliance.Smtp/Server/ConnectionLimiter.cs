using System.Collections.Concurrent;
using System.Net;

namespace MailAppliance.Smtp.Server;

/// <summary>Caps concurrent connections in total and per client IP address.</summary>
public sealed class ConnectionLimiter
{
    private readonly ConcurrentDictionary<IPAddress, int> _perIp = new();
    private readonly int _maxTotal;
    private readonly int _maxPerIp;
    private int _total;

    public ConnectionLimiter(int maxTotal, int maxPerIp)
    {
        _maxTotal = maxTotal;
        _maxPerIp = maxPerIp;
    }

    /// <summary>Connections open now.</summary>
    public int Total => Volatile.Read(ref _total);

    /// <summary>Claims a slot; false (with the reason) when a limit is reached.</summary>
    public bool TryAcquire(IPAddress client, out bool perIpLimit)
    {
        perIpLimit = false;
        if (Interlocked.Increment(ref _total) > _maxTotal)
        {
            Interlocked.Decrement(ref _total);
            return false;
        }

        int count = _perIp.AddOrUpdate(client, 1, (_, n) => n + 1);
        if (count > _maxPerIp)
        {
            Release(client);
            perIpLimit = true;
            return false;
        }

        return true;
    }

    /// <summary>Gives a slot back.</summary>
    public void Release(IPAddress client)
    {
        Interlocked.Decrement(ref _total);
        while (true)
        {
            int count = _perIp.GetValueOrDefault(client);
            if (count <= 1)
            {
                if (_perIp.TryRemove(new KeyValuePair<IPAddress, int>(client, count)))
                {
                    return;
                }
            }
            else if (_perIp.TryUpdate(client, count - 1, count))
            {
                return;
            }
        }
    }
}
