using System.Net;
using System.Net.Sockets;
using System.Text;

namespace MailAppliance.Tests.Delivery;

/// <summary>
/// A small scripted SMTP server on 127.0.0.1 for courier tests: offers the given EHLO keywords, answers RCPT per
/// address, takes DATA (dot-unstuffed, RFC 5321 §4.5.2) and BDAT (RFC 3030), and records what it saw.
/// </summary>
internal sealed class LoopbackSmtpServer : IDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;

    public LoopbackSmtpServer(params string[] extensions)
    {
        Extensions = extensions;
        _listener.Start();
        _loop = Task.Run(AcceptLoopAsync);
    }

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    public IReadOnlyList<string> Extensions { get; }

    public string Greeting { get; init; } = "220 loopback ESMTP";

    public string EhloReply { get; init; } = "250";

    public Dictionary<string, string> RcptReplies { get; } = new(StringComparer.OrdinalIgnoreCase);

    public string DataReply { get; init; } = "250 2.0.0 queued";

    public string MailReply { get; init; } = "250 2.1.0 ok";

    public List<string> Commands { get; } = [];

    public List<byte[]> Messages { get; } = [];

    /// <summary>Connections accepted so far.</summary>
    public int Connections { get; private set; }

    /// <summary>Lines arrived together in one read before the server replied (PIPELINING seen).</summary>
    public bool SawPipelinedCommands { get; private set; }

    public void Dispose()
    {
        _stop.Cancel();
        _listener.Stop();
        try
        {
            _loop.Wait(TimeSpan.FromSeconds(5));
        }
        catch (AggregateException)
        {
        }
    }

    private async Task AcceptLoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await _listener.AcceptTcpClientAsync(_stop.Token);
            }
            catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }

            Connections++;
            using (client)
            {
                try
                {
                    await ServeAsync(client.GetStream());
                }
                catch (Exception e) when (e is IOException or OperationCanceledException)
                {
                }
            }
        }
    }

    private async Task ServeAsync(NetworkStream stream)
    {
        var reader = new Reader(stream);
        async Task Send(string line) => await stream.WriteAsync(Encoding.UTF8.GetBytes(line + "\r\n"), _stop.Token);
        await Send(Greeting);
        if (!Greeting.StartsWith("220", StringComparison.Ordinal))
        {
            return;
        }

        var bdat = new MemoryStream();
        while (true)
        {
            string? line = await reader.ReadLineAsync(_stop.Token);
            if (line is null)
            {
                return;
            }

            SawPipelinedCommands |= reader.Buffered > 0;
            lock (Commands)
            {
                Commands.Add(line);
            }

            string verb = line.Split(' ')[0].ToUpperInvariant();
            switch (verb)
            {
                case "EHLO":
                    if (EhloReply != "250")
                    {
                        await Send(EhloReply);
                        break;
                    }

                    var lines = new List<string> { "loopback" };
                    lines.AddRange(Extensions);
                    for (int i = 0; i < lines.Count; i++)
                    {
                        await Send((i == lines.Count - 1 ? "250 " : "250-") + lines[i]);
                    }

                    break;
                case "HELO":
                    await Send("250 loopback");
                    break;
                case "MAIL":
                    await Send(MailReply);
                    break;
                case "RCPT":
                    string address = line[(line.IndexOf('<') + 1)..line.IndexOf('>')];
                    await Send(RcptReplies.TryGetValue(address, out string? reply) ? reply : "250 2.1.5 ok");
                    break;
                case "DATA":
                    await Send("354 go ahead");
                    var data = new MemoryStream();
                    while (true)
                    {
                        byte[] raw = await reader.ReadRawLineAsync(_stop.Token) ?? throw new IOException("eof in data");
                        if (raw.AsSpan().SequenceEqual(".\r\n"u8))
                        {
                            break;
                        }

                        data.Write(raw, raw.Length > 0 && raw[0] == '.' ? 1 : 0, raw.Length - (raw.Length > 0 && raw[0] == '.' ? 1 : 0));
                    }

                    Store(data.ToArray());
                    await Send(DataReply);
                    break;
                case "BDAT":
                    string[] words = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                    byte[] chunk = await reader.ReadExactlyAsync(int.Parse(words[1]), _stop.Token);
                    bdat.Write(chunk);
                    if (words.Length > 2 && words[2].Equals("LAST", StringComparison.OrdinalIgnoreCase))
                    {
                        Store(bdat.ToArray());
                        bdat = new MemoryStream();
                        await Send(DataReply);
                    }
                    else
                    {
                        await Send($"250 2.0.0 {chunk.Length} octets received");
                    }

                    break;
                case "STARTTLS":
                    await Send("454 4.7.0 not here");
                    break;
                case "RSET":
                    await Send("250 2.0.0 reset");
                    break;
                case "QUIT":
                    await Send("221 2.0.0 bye");
                    return;
                default:
                    await Send("500 5.5.1 unknown");
                    break;
            }
        }
    }

    private void Store(byte[] message)
    {
        lock (Messages)
        {
            Messages.Add(message);
        }
    }

    private sealed class Reader(Stream stream)
    {
        private readonly byte[] _buffer = new byte[65536];
        private int _start;
        private int _end;

        public int Buffered => _end - _start;

        public async Task<string?> ReadLineAsync(CancellationToken cancellationToken)
        {
            byte[]? raw = await ReadRawLineAsync(cancellationToken);
            return raw is null ? null : Encoding.UTF8.GetString(raw).TrimEnd('\r', '\n');
        }

        public async Task<byte[]?> ReadRawLineAsync(CancellationToken cancellationToken)
        {
            var line = new MemoryStream();
            while (true)
            {
                if (_start == _end && !await FillAsync(cancellationToken))
                {
                    return null;
                }

                int lf = Array.IndexOf(_buffer, (byte)'\n', _start, _end - _start);
                int end = lf < 0 ? _end : lf + 1;
                line.Write(_buffer, _start, end - _start);
                _start = end;
                if (lf >= 0)
                {
                    return line.ToArray();
                }
            }
        }

        public async Task<byte[]> ReadExactlyAsync(int count, CancellationToken cancellationToken)
        {
            byte[] result = new byte[count];
            int done = 0;
            while (done < count)
            {
                if (_start == _end && !await FillAsync(cancellationToken))
                {
                    throw new IOException("eof in chunk");
                }

                int n = Math.Min(count - done, _end - _start);
                Array.Copy(_buffer, _start, result, done, n);
                _start += n;
                done += n;
            }

            return result;
        }

        private async Task<bool> FillAsync(CancellationToken cancellationToken)
        {
            _start = 0;
            _end = await stream.ReadAsync(_buffer, cancellationToken);
            return _end > 0;
        }
    }
}
