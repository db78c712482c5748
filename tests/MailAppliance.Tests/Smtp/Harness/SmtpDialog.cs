using System.Globalization;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.RegularExpressions;

namespace MailAppliance.Tests.Smtp.Harness;

/// <summary>One reply as the client read it.</summary>
internal sealed record SmtpTestReply(int Code, string Enhanced, IReadOnlyList<string> Lines)
{
    /// <summary>The text of every line (after the enhanced code on the last line), joined with newlines.</summary>
    public string Text => string.Join('\n', Lines);

    public override string ToString() => string.Join(" | ", Lines.Select(l => $"{Code} {l}"));
}

/// <summary>
/// The client side of a transcript test, in the spirit of chasquid's <c>.cmy</c> scripts. A script is one
/// instruction per line (blank lines and <c># comments</c> are skipped):
/// <list type="table">
/// <item><term><c>C: text</c></term><description>send the line with CRLF, at once</description></item>
/// <item><term><c>P: text</c></term><description>queue the line with CRLF; queued data goes out in one write before the next <c>S:</c>, <c>C:</c>, <c>TLS</c> or <c>CLOSED</c> (pipelining)</description></item>
/// <item><term><c>R: text</c></term><description>queue raw octets, with escapes <c>\r \n \t \0 \\ \xHH</c> and no CRLF added</description></item>
/// <item><term><c>B: text</c> / <c>BL: text</c></term><description>queue <c>BDAT n</c> (or <c>BDAT n LAST</c>) with n counted from the unescaped text, then the text</description></item>
/// <item><term><c>S: 250 [2.1.5] [fragment]</c></term><description>read one reply: the code, optionally the enhanced code, optionally a text fragment (case-insensitive)</description></item>
/// <item><term><c>S+ WORD</c> / <c>S- WORD</c></term><description>the previous reply has / has no line starting with WORD (EHLO capabilities)</description></item>
/// <item><term><c>TLS [sni]</c></term><description>upgrade the connection to TLS (after a 220 to STARTTLS), accepting any certificate</description></item>
/// <item><term><c>CLOSED</c></term><description>the server closes the connection without sending anything more</description></item>
/// </list>
/// In <c>C:</c>, <c>P:</c> lines, <c>{b64:text}</c> is replaced by the base64 of the UTF-8 text (with the same escapes,
/// e.g. <c>{b64:\0user@example.test\0secret}</c> for AUTH PLAIN). Every read times out after <see cref="ReplyTimeout"/>,
/// so a script can never hang a test run; a failed step reports the transcript so far.
/// </summary>
internal sealed partial class SmtpDialog : IAsyncDisposable
{
    /// <summary>The default for <see cref="ReplyTimeout"/>.</summary>
    public static readonly TimeSpan DefaultReplyTimeout = TimeSpan.FromSeconds(10);

    private readonly TcpClient _tcp;
    private readonly List<string> _transcript = [];
    private readonly List<SmtpTestReply> _replies = [];
    private readonly MemoryStream _pending = new();
    private readonly byte[] _buffer = new byte[64 * 1024];
    private Stream _stream;
    private int _start;
    private int _end;

    private SmtpDialog(TcpClient tcp)
    {
        _tcp = tcp;
        _stream = tcp.GetStream();
    }

    /// <summary>How long any read or write may take before the step fails.</summary>
    public TimeSpan ReplyTimeout { get; set; } = DefaultReplyTimeout;

    /// <summary>Every reply read so far.</summary>
    public IReadOnlyList<SmtpTestReply> Replies => _replies;

    /// <summary>The last reply read.</summary>
    public SmtpTestReply LastReply => _replies.Count > 0 ? _replies[^1] : throw new InvalidOperationException("no reply read yet");

    /// <summary>Queue ids from "250 2.0.0 OK queued as ID" replies, in order.</summary>
    public IReadOnlyList<string> QueuedIds =>
        [.. _replies.Select(r => QueuedAs().Match(r.Text)).Where(m => m.Success).Select(m => m.Groups[1].Value)];

    /// <summary>The TLS stream once TLS is active.</summary>
    public SslStream? Tls => _stream as SslStream;

    /// <summary>The transcript so far, one "C: "/"S: " line per event, for failure messages.</summary>
    public string Transcript => string.Join('\n', _transcript);

    public static async Task<SmtpDialog> ConnectAsync(IPEndPoint endpoint, bool implicitTls = false)
    {
        var tcp = new TcpClient(endpoint.AddressFamily) { NoDelay = true };
        using (var timeout = new CancellationTokenSource(DefaultReplyTimeout))
        {
            await tcp.ConnectAsync(endpoint, timeout.Token);
        }

        var dialog = new SmtpDialog(tcp);
        if (implicitTls)
        {
            await dialog.StartTlsAsync();
        }

        return dialog;
    }

    /// <summary>Runs a script (see the class summary).</summary>
    public async Task RunAsync(string script)
    {
        foreach (string raw in script.Split('\n'))
        {
            string line = raw.TrimEnd('\r').TrimStart(' ', '\t');
            if (line.Length == 0 || line.StartsWith('#'))
            {
                continue;
            }

            if (line.StartsWith("C:", StringComparison.Ordinal))
            {
                Queue(Expand(Content(line, 2)) + "\r\n");
                await FlushPendingAsync();
            }
            else if (line.StartsWith("P:", StringComparison.Ordinal))
            {
                Queue(Expand(Content(line, 2)) + "\r\n");
            }
            else if (line.StartsWith("R:", StringComparison.Ordinal))
            {
                QueueBytes(Unescape(Content(line, 2)));
            }
            else if (line.StartsWith("B:", StringComparison.Ordinal) || line.StartsWith("BL:", StringComparison.Ordinal))
            {
                bool last = line[1] == 'L';
                byte[] chunk = Unescape(Content(line, last ? 3 : 2));
                Queue($"BDAT {chunk.Length}{(last ? " LAST" : string.Empty)}\r\n");
                QueueBytes(chunk);
            }
            else if (line.StartsWith("S:", StringComparison.Ordinal))
            {
                await FlushPendingAsync();
                await ExpectSpecAsync(Argument(line));
            }
            else if (line.StartsWith("S+", StringComparison.Ordinal) || line.StartsWith("S-", StringComparison.Ordinal))
            {
                string word = Argument(line);
                bool present = LastReply.Lines.Any(l => l.StartsWith(word, StringComparison.OrdinalIgnoreCase));
                if (present != (line[1] == '+'))
                {
                    Fail($"expected the reply {(line[1] == '+' ? "to have" : "not to have")} a line starting with '{word}': {LastReply}");
                }
            }
            else if (line == "TLS" || line.StartsWith("TLS ", StringComparison.Ordinal))
            {
                await FlushPendingAsync();
                await StartTlsAsync(line.Length > 4 ? line[4..].Trim() : SmtpTestServer.Hostname);
            }
            else if (line == "CLOSED")
            {
                await FlushPendingAsync();
                await ExpectClosedAsync();
            }
            else
            {
                throw new FormatException($"not a dialog instruction: '{line}'");
            }
        }

        await FlushPendingAsync();
    }

    /// <summary>Sends one command line (CRLF added).</summary>
    public async Task SendLineAsync(string line)
    {
        Queue(line + "\r\n");
        await FlushPendingAsync();
    }

    /// <summary>Sends octets as they are, in one write.</summary>
    public async Task SendRawAsync(ReadOnlyMemory<byte> data)
    {
        QueueBytes(data.ToArray());
        await FlushPendingAsync();
    }

    /// <summary>Sends a command and checks the reply.</summary>
    public async Task<SmtpTestReply> CommandAsync(string line, int code, string? enhanced = null, string? contains = null)
    {
        await SendLineAsync(line);
        return await ExpectAsync(code, enhanced, contains);
    }

    /// <summary>Reads one reply and checks it.</summary>
    public async Task<SmtpTestReply> ExpectAsync(int code, string? enhanced = null, string? contains = null)
    {
        var reply = await ReadReplyAsync();
        if (reply.Code != code || (enhanced is not null && reply.Enhanced != enhanced)
            || (contains is not null && !reply.Text.Contains(contains, StringComparison.OrdinalIgnoreCase)))
        {
            Fail($"expected {code}{(enhanced is null ? string.Empty : " " + enhanced)}{(contains is null ? string.Empty : " '" + contains + "'")}, got {reply}");
        }

        return reply;
    }

    /// <summary>Checks a reply against "250", "250 2.1.5", "250 2.1.5 fragment" or "250 fragment".</summary>
    public Task<SmtpTestReply> ExpectSpecAsync(string spec)
    {
        string[] parts = spec.Split(' ', 3, StringSplitOptions.RemoveEmptyEntries);
        int code = int.Parse(parts[0], CultureInfo.InvariantCulture);
        string? enhanced = null;
        string? fragment = null;
        if (parts.Length > 1 && EnhancedCode().IsMatch(parts[1]))
        {
            enhanced = parts[1];
            fragment = parts.Length > 2 ? parts[2] : null;
        }
        else if (parts.Length > 1)
        {
            fragment = string.Join(' ', parts[1..]);
        }

        return ExpectAsync(code, enhanced, fragment);
    }

    /// <summary>Reads one (possibly multi-line) reply.</summary>
    public async Task<SmtpTestReply> ReadReplyAsync()
    {
        var lines = new List<string>();
        int code = 0;
        while (true)
        {
            string? line = await ReadLineAsync();
            if (line is null)
            {
                Fail("the server closed the connection while a reply was expected");
            }

            _transcript.Add("S: " + line);
            int lineCode = 0;
            if (line!.Length < 3 || !int.TryParse(line.AsSpan(0, 3), NumberStyles.None, CultureInfo.InvariantCulture, out lineCode)
                || (line.Length > 3 && line[3] is not (' ' or '-')) || (code != 0 && lineCode != code))
            {
                Fail($"malformed reply line '{line}'");
            }

            code = lineCode;
            lines.Add(line.Length > 4 ? line[4..] : string.Empty);
            if (line.Length == 3 || line[3] == ' ')
            {
                break;
            }
        }

        // RFC 2034: the enhanced code follows the reply code on each line; the greeting and EHLO have none.
        var match = EnhancedCode().Match(lines[^1]);
        string enhanced = match.Success ? match.Groups[1].Value : string.Empty;
        if (match.Success)
        {
            lines = [.. lines.Select(l => l.StartsWith(enhanced + " ", StringComparison.Ordinal) ? l[(enhanced.Length + 1)..] : l == enhanced ? string.Empty : l)];
        }

        var reply = new SmtpTestReply(code, enhanced, lines);
        _replies.Add(reply);
        return reply;
    }

    /// <summary>Upgrades to TLS (client side), accepting any certificate. Nothing may be buffered from before the handshake.</summary>
    public async Task StartTlsAsync(string? serverName = SmtpTestServer.Hostname)
    {
        if (_end > _start)
        {
            Fail($"the server sent data before the TLS handshake: '{Encoding.UTF8.GetString(_buffer, _start, _end - _start)}'");
        }

        var tls = new SslStream(_stream, leaveInnerStreamOpen: false, (_, _, _, _) => true);
        using var timeout = new CancellationTokenSource(ReplyTimeout);
        await tls.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
        {
            TargetHost = serverName ?? string.Empty,
            EnabledSslProtocols = SslProtocols.Tls12 | SslProtocols.Tls13,
            CertificateRevocationCheckMode = X509RevocationMode.NoCheck,
        }, timeout.Token);
        _stream = tls;
        _transcript.Add($"-- TLS {tls.SslProtocol} --");
    }

    /// <summary>Asserts that the server closes the connection without sending anything more.</summary>
    public async Task ExpectClosedAsync()
    {
        string? line;
        try
        {
            line = await ReadLineAsync();
        }
        catch (IOException)
        {
            line = null; // Reset by the server: closed as well.
        }

        if (line is not null)
        {
            _transcript.Add("S: " + line);
            Fail($"expected the connection to be closed, got '{line}'");
        }

        _transcript.Add("-- closed --");
    }

    /// <summary>Closes the sending half only (the server sees end of input).</summary>
    public void ShutdownSend() => _tcp.Client.Shutdown(SocketShutdown.Send);

    /// <summary>Reads until the server closes; false when it does not within <paramref name="timeout"/>.</summary>
    public async Task<bool> DrainUntilClosedAsync(TimeSpan timeout)
    {
        using var deadline = new CancellationTokenSource(timeout);
        try
        {
            while (await _stream.ReadAsync(_buffer, deadline.Token) > 0)
            {
            }

            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
        catch (IOException)
        {
            return true;
        }
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await _stream.DisposeAsync();
        }
        catch (IOException)
        {
        }

        _tcp.Dispose();
        _pending.Dispose();
    }

    [GeneratedRegex(@"^([245]\.\d{1,3}\.\d{1,3})(?: |$)")]
    private static partial Regex EnhancedCode();

    [GeneratedRegex(@"queued as ([0-9a-v]{18})")]
    private static partial Regex QueuedAs();

    [GeneratedRegex(@"\{b64:(.*?)\}")]
    private static partial Regex Base64Macro();

    private static string Argument(string line) => line[2..].Trim(' ');

    /// <summary>What follows the instruction and the one space after it, kept exactly (leading spaces are content).</summary>
    private static string Content(string line, int instructionLength) =>
        line.Length > instructionLength && line[instructionLength] == ' ' ? line[(instructionLength + 1)..] : line[instructionLength..];

    private static string Expand(string text) =>
        Base64Macro().Replace(text, m => Convert.ToBase64String(Unescape(m.Groups[1].Value)));

    /// <summary>Turns <c>\r \n \t \0 \\ \xHH</c> escapes into octets; everything else is UTF-8.</summary>
    public static byte[] Unescape(string text)
    {
        var bytes = new List<byte>();
        for (int i = 0; i < text.Length; i++)
        {
            if (text[i] != '\\' || i + 1 >= text.Length)
            {
                int width = char.IsHighSurrogate(text[i]) && i + 1 < text.Length ? 2 : 1;
                bytes.AddRange(Encoding.UTF8.GetBytes(text.Substring(i, width)));
                i += width - 1;
                continue;
            }

            char e = text[++i];
            switch (e)
            {
                case 'r': bytes.Add((byte)'\r'); break;
                case 'n': bytes.Add((byte)'\n'); break;
                case 't': bytes.Add((byte)'\t'); break;
                case '0': bytes.Add(0); break;
                case '\\': bytes.Add((byte)'\\'); break;
                case 'x':
                    bytes.Add(byte.Parse(text.AsSpan(i + 1, 2), NumberStyles.HexNumber, CultureInfo.InvariantCulture));
                    i += 2;
                    break;
                default: throw new FormatException($"unknown escape \\{e} in '{text}'");
            }
        }

        return [.. bytes];
    }

    private void Queue(string text) => QueueBytes(Encoding.UTF8.GetBytes(text));

    private void QueueBytes(byte[] bytes)
    {
        _pending.Write(bytes);
        string shown = Encoding.UTF8.GetString(bytes).Replace("\r", "\\r").Replace("\n", "\\n");
        _transcript.Add("C: " + (shown.Length > 200 ? shown[..200] + $"... ({bytes.Length} octets)" : shown));
    }

    private async Task FlushPendingAsync()
    {
        if (_pending.Length == 0)
        {
            return;
        }

        byte[] data = _pending.ToArray();
        _pending.SetLength(0);
        using var timeout = new CancellationTokenSource(ReplyTimeout);
        await _stream.WriteAsync(data, timeout.Token);
        await _stream.FlushAsync(timeout.Token);
    }

    private async Task<string?> ReadLineAsync()
    {
        while (true)
        {
            int lf = Array.IndexOf(_buffer, (byte)'\n', _start, _end - _start);
            if (lf >= 0)
            {
                int length = lf - _start;
                if (length > 0 && _buffer[lf - 1] == (byte)'\r')
                {
                    length--;
                }

                string line = Encoding.UTF8.GetString(_buffer, _start, length);
                _start = lf + 1;
                return line;
            }

            if (_start > 0)
            {
                Buffer.BlockCopy(_buffer, _start, _buffer, 0, _end - _start);
                _end -= _start;
                _start = 0;
            }

            if (_end == _buffer.Length)
            {
                Fail("reply line longer than the client buffer");
            }

            int read;
            using (var timeout = new CancellationTokenSource(ReplyTimeout))
            {
                try
                {
                    read = await _stream.ReadAsync(_buffer.AsMemory(_end), timeout.Token);
                }
                catch (OperationCanceledException)
                {
                    Fail($"no reply within {ReplyTimeout.TotalSeconds} s");
                    throw;
                }
            }

            if (read == 0)
            {
                return null;
            }

            _end += read;
        }
    }

    private void Fail(string message) =>
        Assert.Fail($"{message}\n--- transcript ---\n{Transcript}");
}
