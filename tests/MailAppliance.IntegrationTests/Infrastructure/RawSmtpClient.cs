using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using System.Text;

namespace MailAppliance.IntegrationTests.Infrastructure;

/// <summary>One SMTP reply: code, enhanced status code (when there is one) and the text lines.</summary>
public sealed record SmtpResponse(int Code, IReadOnlyList<string> Lines)
{
    /// <summary>The RFC 3463 code at the start of the last line ("5.7.1"), or empty.</summary>
    public string Enhanced
    {
        get
        {
            string text = Lines[^1];
            int space = text.IndexOf(' ');
            string first = space < 0 ? text : text[..space];
            return first.Count(c => c == '.') == 2 && first.Length >= 5 && char.IsDigit(first[0]) ? first : string.Empty;
        }
    }

    /// <summary>All lines joined.</summary>
    public string Text => string.Join("\n", Lines);

    public override string ToString() => $"{Code} {string.Join(" / ", Lines)}";
}

/// <summary>
/// A line-by-line SMTP client for dialogs no real client would produce (open-relay probes, a session held open
/// across a reload). Plain TCP, STARTTLS or implicit TLS; certificate checks are off, the peer's certificate is kept.
/// </summary>
public sealed class RawSmtpClient : IAsyncDisposable
{
    private static readonly TimeSpan ReadTimeout = TimeSpan.FromSeconds(30);
    private readonly TcpClient _tcp;
    private readonly byte[] _buffer = new byte[16 * 1024];
    private Stream _stream;
    private int _start;
    private int _end;

    private RawSmtpClient(TcpClient tcp)
    {
        _tcp = tcp;
        _stream = tcp.GetStream();
    }

    /// <summary>The greeting the server sent.</summary>
    public SmtpResponse Greeting { get; private set; } = null!;

    /// <summary>The server's certificate once TLS is up.</summary>
    public X509Certificate2? RemoteCertificate { get; private set; }

    /// <summary>Every line sent and received, for failure messages.</summary>
    public StringBuilder Transcript { get; } = new();

    /// <summary>Connects, optionally with implicit TLS, and reads the greeting.</summary>
    public static async Task<RawSmtpClient> ConnectAsync(IPAddress address, int port, bool implicitTls = false)
    {
        var tcp = new TcpClient(address.AddressFamily);
        using var timeout = new CancellationTokenSource(ReadTimeout);
        await tcp.ConnectAsync(address, port, timeout.Token);
        var client = new RawSmtpClient(tcp);
        if (implicitTls)
        {
            await client.HandshakeAsync();
        }

        client.Greeting = await client.ReadResponseAsync();
        return client;
    }

    /// <summary>Sends one command line and reads the reply.</summary>
    public async Task<SmtpResponse> CommandAsync(string line)
    {
        await WriteAsync(line + "\r\n");
        return await ReadResponseAsync();
    }

    /// <summary>Sends one command line and fails unless the reply has <paramref name="code"/>.</summary>
    public async Task<SmtpResponse> ExpectAsync(string line, int code)
    {
        var response = await CommandAsync(line);
        if (response.Code != code)
        {
            throw new Xunit.Sdk.XunitException($"'{line}' got {response}, expected {code}. Transcript:\n{Transcript}");
        }

        return response;
    }

    /// <summary>EHLO, STARTTLS, TLS handshake, EHLO again. Returns the second EHLO reply.</summary>
    public async Task<SmtpResponse> StartTlsAsync(string helo = "client.example.test")
    {
        await ExpectAsync("EHLO " + helo, 250);
        await ExpectAsync("STARTTLS", 220);
        await HandshakeAsync();
        return await ExpectAsync("EHLO " + helo, 250);
    }

    /// <summary>AUTH PLAIN with an initial response; returns the reply.</summary>
    public Task<SmtpResponse> AuthPlainAsync(string user, string password) =>
        CommandAsync("AUTH PLAIN " + Convert.ToBase64String(Encoding.UTF8.GetBytes($"\0{user}\0{password}")));

    /// <summary>DATA, the content dot-stuffed, the final dot; returns the reply to the content.</summary>
    public async Task<SmtpResponse> DataAsync(string content)
    {
        await ExpectAsync("DATA", 354);
        var stuffed = new StringBuilder();
        foreach (string line in content.Replace("\r\n", "\n", StringComparison.Ordinal).TrimEnd('\n').Split('\n'))
        {
            stuffed.Append(line.StartsWith('.') ? "." : string.Empty).Append(line).Append("\r\n");
        }

        await WriteAsync(stuffed.Append(".\r\n").ToString());
        return await ReadResponseAsync();
    }

    /// <summary>Sends text as it is (part of a message, a BDAT chunk), without reading a reply.</summary>
    public Task SendRawAsync(string text) => WriteAsync(text);

    /// <summary>Reads one (possibly multi-line) reply.</summary>
    public async Task<SmtpResponse> ReadResponseAsync()
    {
        var lines = new List<string>();
        while (true)
        {
            string line = await ReadLineAsync();
            Transcript.Append("S: ").Append(line).Append('\n');
            if (line.Length < 3 || !int.TryParse(line.AsSpan(0, 3), out int code))
            {
                throw new Xunit.Sdk.XunitException($"not an SMTP reply: '{line}'. Transcript:\n{Transcript}");
            }

            lines.Add(line.Length > 4 ? line[4..] : string.Empty);
            if (line.Length == 3 || line[3] == ' ')
            {
                return new SmtpResponse(code, lines);
            }
        }
    }

    /// <summary>Runs the client side of the TLS handshake now (after a 220 to STARTTLS the caller read itself).</summary>
    public async Task HandshakeAsync()
    {
        if (_start != _end)
        {
            throw new Xunit.Sdk.XunitException("the server sent data before the TLS handshake. Transcript:\n" + Transcript);
        }

        var tls = new SslStream(_stream, leaveInnerStreamOpen: false);
        using var timeout = new CancellationTokenSource(ReadTimeout);
        await tls.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
        {
            TargetHost = "mail.example.test",
            RemoteCertificateValidationCallback = (_, _, _, _) => true,
        }, timeout.Token);
        RemoteCertificate = tls.RemoteCertificate is { } certificate ? X509CertificateLoader.LoadCertificate(certificate.GetRawCertData()) : null;
        Transcript.Append($"-- TLS {tls.SslProtocol}, certificate serial {RemoteCertificate?.SerialNumber}\n");
        _stream = tls;
    }

    private async Task WriteAsync(string text)
    {
        foreach (string line in text.Split("\r\n", StringSplitOptions.RemoveEmptyEntries).Take(3))
        {
            Transcript.Append("C: ").Append(line).Append('\n');
        }

        using var timeout = new CancellationTokenSource(ReadTimeout);
        await _stream.WriteAsync(Encoding.UTF8.GetBytes(text), timeout.Token);
        await _stream.FlushAsync(timeout.Token);
    }

    private async Task<string> ReadLineAsync()
    {
        while (true)
        {
            int newline = Array.IndexOf(_buffer, (byte)'\n', _start, _end - _start);
            if (newline >= 0)
            {
                string line = Encoding.UTF8.GetString(_buffer, _start, newline - _start).TrimEnd('\r');
                _start = newline + 1;
                return line;
            }

            if (_start > 0)
            {
                Buffer.BlockCopy(_buffer, _start, _buffer, 0, _end - _start);
                _end -= _start;
                _start = 0;
            }

            using var timeout = new CancellationTokenSource(ReadTimeout);
            int read = await _stream.ReadAsync(_buffer.AsMemory(_end), timeout.Token);
            if (read == 0)
            {
                throw new IOException("the server closed the connection. Transcript:\n" + Transcript);
            }

            _end += read;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stream.DisposeAsync();
        _tcp.Dispose();
    }
}
