using System.Net;
using System.Net.Sockets;

namespace MailAppliance.ContainerTests.Infrastructure;

/// <summary>Free ports on loopback for the appliance's host-network listeners and the peers (never 25 on the host).</summary>
public static class LoopbackPorts
{
    private static readonly HashSet<int> Handed = [];

    /// <summary>A port free for TCP on 127.0.0.1 and ::1 and for UDP on 127.0.0.1 (DNS needs both), not handed out before.</summary>
    public static int Free()
    {
        for (int attempt = 0; attempt < 100; attempt++)
        {
            using var tcp = new TcpListener(IPAddress.Loopback, 0);
            tcp.Start();
            int port = ((IPEndPoint)tcp.LocalEndpoint).Port;
            tcp.Stop();
            try
            {
                using var tcp6 = new TcpListener(IPAddress.IPv6Loopback, port);
                tcp6.Start();
                tcp6.Stop();
                using var udp = new UdpClient(new IPEndPoint(IPAddress.Loopback, port));
            }
            catch (SocketException)
            {
                continue;
            }

            lock (Handed)
            {
                if (Handed.Add(port))
                {
                    return port;
                }
            }
        }

        throw new InvalidOperationException("no free loopback port found");
    }
}
