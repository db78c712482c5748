using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace MailAppliance.Tests.Dns;

/// <summary>One resource record of a <see cref="TinyDnsServer"/> answer: owner name, type and RDATA.</summary>
public sealed record TinyRecord(string Name, ushort Type, byte[] Data)
{
    public static TinyRecord A(string name, string address) => new(name, 1, IPAddress.Parse(address).GetAddressBytes());

    public static TinyRecord Aaaa(string name, string address) => new(name, 28, IPAddress.Parse(address).GetAddressBytes());

    public static TinyRecord Cname(string name, string target) => new(name, 5, TinyDnsServer.EncodeName(target));

    public static TinyRecord Ptr(string name, string target) => new(name, 12, TinyDnsServer.EncodeName(target));

    public static TinyRecord Mx(string name, ushort preference, string host)
    {
        byte[] exchange = TinyDnsServer.EncodeName(host);
        byte[] data = new byte[2 + exchange.Length];
        BinaryPrimitives.WriteUInt16BigEndian(data, preference);
        exchange.CopyTo(data, 2);
        return new(name, 15, data);
    }

    public static TinyRecord Txt(string name, params string[] strings)
    {
        var data = new List<byte>();
        foreach (string s in strings)
        {
            byte[] bytes = Encoding.UTF8.GetBytes(s);
            data.Add((byte)bytes.Length);
            data.AddRange(bytes);
        }

        return new(name, 16, [.. data]);
    }

    public static TinyRecord Caa(string name, byte flags, string tag, string value) =>
        new(name, 257, [flags, (byte)tag.Length, .. Encoding.ASCII.GetBytes(tag), .. Encoding.ASCII.GetBytes(value)]);

    public static TinyRecord Tlsa(string name, byte usage, byte selector, byte matching, byte[] association) =>
        new(name, 52, [usage, selector, matching, .. association]);
}

/// <summary>What <see cref="TinyDnsServer"/> answers to one question.</summary>
public sealed class TinyAnswer
{
    public int Rcode { get; init; }

    public IReadOnlyList<TinyRecord> Records { get; init; } = [];

    /// <summary>Over UDP, answer with TC=1 and no records (the client must ask again over TCP).</summary>
    public bool TruncateOverUdp { get; init; }

    /// <summary>Do not answer at all (the client times out).</summary>
    public bool Drop { get; init; }

    public static TinyAnswer With(params TinyRecord[] records) => new() { Records = records };

    public static readonly TinyAnswer NxDomain = new() { Rcode = 3 };
    public static readonly TinyAnswer NoData = new();
    public static readonly TinyAnswer ServFail = new() { Rcode = 2 };
    public static readonly TinyAnswer Refused = new() { Rcode = 5 };
}

/// <summary>
/// A minimal DNS server on 127.0.0.1 (UDP and TCP on the same port) for unit tests of the real resolver: every
/// question goes to a handler that says what to answer. Only loopback; stops on dispose.
/// </summary>
public sealed class TinyDnsServer : IDisposable
{
    private readonly Func<string, ushort, TinyAnswer> _handler;
    private readonly UdpClient _udp;
    private readonly TcpListener _tcp;
    private readonly CancellationTokenSource _stop = new();
    private int _udpQueries;
    private int _tcpQueries;

    public TinyDnsServer(Func<string, ushort, TinyAnswer> handler)
    {
        _handler = handler;
        for (int attempt = 0; ; attempt++)
        {
            var tcp = new TcpListener(IPAddress.Loopback, 0);
            tcp.Start();
            int port = ((IPEndPoint)tcp.LocalEndpoint).Port;
            try
            {
                _udp = new UdpClient(new IPEndPoint(IPAddress.Loopback, port));
                _tcp = tcp;
                break;
            }
            catch (SocketException) when (attempt < 20)
            {
                tcp.Stop();
            }
        }

        EndPoint = (IPEndPoint)_tcp.LocalEndpoint;
        _ = Task.Run(UdpLoopAsync);
        _ = Task.Run(TcpLoopAsync);
    }

    public IPEndPoint EndPoint { get; }

    /// <summary>"127.0.0.1:port", for <c>Dns:Servers</c>.</summary>
    public string Address => $"127.0.0.1:{EndPoint.Port}";

    public int UdpQueries => Volatile.Read(ref _udpQueries);

    public int TcpQueries => Volatile.Read(ref _tcpQueries);

    /// <summary>Every question asked (name without trailing dot, type).</summary>
    public System.Collections.Concurrent.ConcurrentQueue<(string Name, ushort Type)> Questions { get; } = new();

    public void Dispose()
    {
        _stop.Cancel();
        _udp.Dispose();
        _tcp.Stop();
        _stop.Dispose();
    }

    private async Task UdpLoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            UdpReceiveResult received;
            try
            {
                received = await _udp.ReceiveAsync(_stop.Token);
            }
            catch (Exception)
            {
                return;
            }

            Interlocked.Increment(ref _udpQueries);
            byte[]? response = Respond(received.Buffer, udp: true);
            if (response is not null)
            {
                try
                {
                    await _udp.SendAsync(response, received.RemoteEndPoint, _stop.Token);
                }
                catch (Exception)
                {
                    return;
                }
            }
        }
    }

    private async Task TcpLoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await _tcp.AcceptTcpClientAsync(_stop.Token);
            }
            catch (Exception)
            {
                return;
            }

            _ = Task.Run(async () =>
            {
                using (client)
                {
                    try
                    {
                        var stream = client.GetStream();
                        byte[] length = new byte[2];
                        await stream.ReadExactlyAsync(length, _stop.Token);
                        byte[] query = new byte[BinaryPrimitives.ReadUInt16BigEndian(length)];
                        await stream.ReadExactlyAsync(query, _stop.Token);
                        Interlocked.Increment(ref _tcpQueries);
                        byte[]? response = Respond(query, udp: false);
                        if (response is not null)
                        {
                            BinaryPrimitives.WriteUInt16BigEndian(length, (ushort)response.Length);
                            await stream.WriteAsync(length, _stop.Token);
                            await stream.WriteAsync(response, _stop.Token);
                        }
                    }
                    catch (Exception)
                    {
                        // The client went away or the server stopped.
                    }
                }
            });
        }
    }

    private byte[]? Respond(byte[] query, bool udp)
    {
        // Header (12 octets), then one question: QNAME labels, QTYPE, QCLASS (RFC 1035 §4.1).
        int offset = 12;
        var labels = new List<string>();
        while (query[offset] != 0)
        {
            int len = query[offset];
            labels.Add(Encoding.ASCII.GetString(query, offset + 1, len));
            offset += len + 1;
        }

        offset++;
        ushort qtype = BinaryPrimitives.ReadUInt16BigEndian(query.AsSpan(offset));
        int questionEnd = offset + 4;
        string name = string.Join('.', labels);
        Questions.Enqueue((name, qtype));
        TinyAnswer answer = _handler(name, qtype);
        if (answer.Drop)
        {
            return null;
        }

        bool truncate = udp && answer.TruncateOverUdp;
        var response = new List<byte>();
        response.AddRange(query.AsSpan(0, 2).ToArray()); // ID
        byte rd = (byte)(query[2] & 0x01);
        response.Add((byte)(0x80 | 0x04 | (truncate ? 0x02 : 0) | rd)); // QR, AA, TC, RD
        response.Add((byte)(0x80 | answer.Rcode)); // RA, RCODE
        var records = truncate ? [] : answer.Records;
        response.AddRange([0, 1]);
        response.AddRange([(byte)(records.Count >> 8), (byte)records.Count]);
        response.AddRange([0, 0, 0, 0]);
        response.AddRange(query.AsSpan(12, questionEnd - 12).ToArray());
        foreach (var record in records)
        {
            response.AddRange(EncodeName(record.Name));
            response.AddRange([(byte)(record.Type >> 8), (byte)record.Type, 0, 1, 0, 0, 1, 44]); // class IN, TTL 300
            response.AddRange([(byte)(record.Data.Length >> 8), (byte)record.Data.Length]);
            response.AddRange(record.Data);
        }

        return [.. response];
    }

    public static byte[] EncodeName(string name)
    {
        var bytes = new List<byte>();
        foreach (string label in name.TrimEnd('.').Split('.', StringSplitOptions.RemoveEmptyEntries))
        {
            bytes.Add((byte)label.Length);
            bytes.AddRange(Encoding.ASCII.GetBytes(label));
        }

        bytes.Add(0);
        return [.. bytes];
    }
}
