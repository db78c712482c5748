using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;

namespace MailAppliance.Acme.Dns01;

/// <summary>
/// Sends RFC 2136 UPDATE messages to a zone's primary over TCP (RFC 1035 §4.2.2 framing; no truncation, and a
/// TSIG-signed message may exceed 512 octets), signed with TSIG (RFC 8945), and verifies the signed response.
/// </summary>
public sealed class DnsUpdateClient
{
    private readonly IPEndPoint _server;
    private readonly TsigKey? _key;
    private readonly TimeProvider _clock;

    /// <summary>Creates a client for <paramref name="server"/>; <paramref name="key"/> null sends unsigned updates.</summary>
    public DnsUpdateClient(IPEndPoint server, TsigKey? key, TimeProvider? clock = null)
    {
        _server = server;
        _key = key;
        _clock = clock ?? TimeProvider.System;
    }

    /// <summary>Timeout of one exchange.</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Sends one UPDATE for <paramref name="zone"/> and returns the server's verdict.</summary>
    /// <exception cref="SocketException">The server cannot be reached.</exception>
    /// <exception cref="IOException">The connection broke, or the answer is malformed or fails TSIG verification.</exception>
    public async Task<DnsUpdateResult> SendAsync(string zone, IReadOnlyList<DnsUpdate> updates, CancellationToken cancellationToken = default)
    {
        ushort id = (ushort)RandomNumberGenerator.GetInt32(ushort.MaxValue + 1);
        var (message, requestMac) = DnsUpdateMessage.Encode(id, zone, updates, _key, _clock.GetUtcNow());
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(Timeout);
        using var client = new TcpClient(_server.AddressFamily);
        await client.ConnectAsync(_server, timeout.Token);
        var stream = client.GetStream();
        byte[] framed = new byte[message.Length + 2];
        BinaryPrimitives.WriteUInt16BigEndian(framed, (ushort)message.Length);
        message.CopyTo(framed, 2);
        await stream.WriteAsync(framed, timeout.Token);
        byte[] length = new byte[2];
        await stream.ReadExactlyAsync(length, timeout.Token);
        byte[] response = new byte[BinaryPrimitives.ReadUInt16BigEndian(length)];
        await stream.ReadExactlyAsync(response, timeout.Token);
        return Parse(response, id, requestMac);
    }

    /// <summary>Reads an UPDATE response and checks its TSIG against the request MAC (RFC 8945 §5.3).</summary>
    internal DnsUpdateResult Parse(byte[] response, ushort id, byte[] requestMac)
    {
        if (response.Length < 12)
        {
            throw new IOException("DNS UPDATE response shorter than a header");
        }

        ushort responseId = BinaryPrimitives.ReadUInt16BigEndian(response);
        ushort flags = BinaryPrimitives.ReadUInt16BigEndian(response.AsSpan(2));
        if (responseId != id || (flags & 0x8000) == 0)
        {
            throw new IOException($"DNS UPDATE answer with id {responseId} does not answer request {id}");
        }

        int rcode = flags & 0x000F;
        int[] counts = [.. Enumerable.Range(0, 4).Select(i => (int)BinaryPrimitives.ReadUInt16BigEndian(response.AsSpan(4 + (2 * i))))];
        int offset = 12;
        for (int i = 0; i < counts[0]; i++)
        {
            offset = SkipName(response, offset) + 4; // Zone section: name, type, class.
        }

        int records = counts[1] + counts[2] + counts[3];
        int lastStart = -1;
        for (int i = 0; i < records; i++)
        {
            lastStart = offset;
            offset = SkipName(response, offset);
            int rdlength = BinaryPrimitives.ReadUInt16BigEndian(response.AsSpan(offset + 8));
            offset += 10 + rdlength;
        }

        bool hasTsig = counts[3] > 0 && lastStart >= 0 && TypeAt(response, lastStart) == 250;
        if (!hasTsig)
        {
            // A server refusing an unknown key (NOTAUTH) may answer unsigned (RFC 8945 §5.2).
            if (_key is not null && rcode == 0)
            {
                throw new IOException("DNS UPDATE response is not signed although the request was");
            }

            return new DnsUpdateResult(rcode, 0, false);
        }

        return VerifyTsig(response, lastStart, counts[3], rcode, requestMac);
    }

    private DnsUpdateResult VerifyTsig(byte[] response, int tsigStart, int additionalCount, int rcode, byte[] requestMac)
    {
        int offset = SkipName(response, tsigStart) + 10; // name, type, class, ttl, rdlength
        int algorithmEnd = SkipName(response, offset);
        offset = algorithmEnd;
        long time = ((long)BinaryPrimitives.ReadUInt16BigEndian(response.AsSpan(offset)) << 32) | BinaryPrimitives.ReadUInt32BigEndian(response.AsSpan(offset + 2));
        ushort fudge = BinaryPrimitives.ReadUInt16BigEndian(response.AsSpan(offset + 6));
        int macSize = BinaryPrimitives.ReadUInt16BigEndian(response.AsSpan(offset + 8));
        byte[] mac = response.AsSpan(offset + 10, macSize).ToArray();
        offset += 10 + macSize;
        ushort originalId = BinaryPrimitives.ReadUInt16BigEndian(response.AsSpan(offset));
        ushort error = BinaryPrimitives.ReadUInt16BigEndian(response.AsSpan(offset + 2));
        int otherLength = BinaryPrimitives.ReadUInt16BigEndian(response.AsSpan(offset + 4));
        byte[] other = response.AsSpan(offset + 6, otherLength).ToArray();
        if (_key is null || macSize == 0)
        {
            return new DnsUpdateResult(rcode, error, false);
        }

        // RFC 8945 §4.3.1/§5.3: request MAC (with its length), the response without the TSIG RR (ARCOUNT one
        // less, original id), then the TSIG variables.
        byte[] unsigned = response.AsSpan(0, tsigStart).ToArray();
        BinaryPrimitives.WriteUInt16BigEndian(unsigned, originalId);
        BinaryPrimitives.WriteUInt16BigEndian(unsigned.AsSpan(10), (ushort)(additionalCount - 1));
        var digest = new DnsWire().U16(requestMac.Length).Bytes(requestMac).Bytes(unsigned);
        DnsUpdateMessage.WriteTsigVariables(digest, _key, time, fudge, error, other);
        byte[] expected = _key.Mac(digest.ToArray());
        if (!CryptographicOperations.FixedTimeEquals(expected, mac))
        {
            throw new IOException("the DNS UPDATE response's TSIG does not verify with our key");
        }

        return new DnsUpdateResult(rcode, error, true);
    }

    private static int TypeAt(byte[] message, int recordStart) => BinaryPrimitives.ReadUInt16BigEndian(message.AsSpan(SkipName(message, recordStart)));

    /// <summary>Offset after the name at <paramref name="offset"/> (labels, or a compression pointer, RFC 1035 §4.1.4).</summary>
    private static int SkipName(byte[] message, int offset)
    {
        while (true)
        {
            if (offset >= message.Length)
            {
                throw new IOException("DNS name runs past the end of the message");
            }

            int length = message[offset];
            if ((length & 0xC0) == 0xC0)
            {
                return offset + 2;
            }

            if (length == 0)
            {
                return offset + 1;
            }

            offset += 1 + length;
        }
    }
}
