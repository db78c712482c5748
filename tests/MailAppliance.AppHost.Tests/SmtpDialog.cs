using System.Net.Sockets;
using System.Text;

namespace MailAppliance.AppHost.Tests;

/// <summary>One SMTP reply: the code and every line's text (after "250-" / "250 ").</summary>
/// <param name="Code">The three-digit reply code.</param>
/// <param name="Lines">The text of each line, without the code and separator.</param>
public sealed record SmtpReply(int Code, IReadOnlyList<string> Lines)
{
    /// <summary>The text of the last line, where the enhanced status code sits (RFC 2034 §4).</summary>
    public string LastLine => Lines[^1];
}

/// <summary>
/// A minimal SMTP client for transcript-style assertions: it sends exactly the lines a test gives and returns
/// each reply as it came, so a test can check codes that a full client library would hide or act on. Every
/// exchange is kept in <see cref="Transcript"/> for failure messages.
/// </summary>
public sealed class SmtpDialog : IAsyncDisposable
{
    // A server that stops answering must fail the test, not hang it.
    private static readonly TimeSpan ReplyTimeout = TimeSpan.FromSeconds(30);

    /// <summary>How long <see cref="ConnectAsync"/> keeps retrying a refused connection.</summary>
    public static readonly TimeSpan ConnectGrace = TimeSpan.FromSeconds(10);

    private readonly TcpClient client;
    private readonly NetworkStream stream;
    private readonly StreamReader reader;
    private readonly StringBuilder transcript = new();

    private SmtpDialog(TcpClient client)
    {
        this.client = client;
        stream = client.GetStream();
        // SMTP lines are 7-bit here; Latin-1 maps any stray byte to one char, so nothing is lost in the transcript.
        reader = new StreamReader(stream, Encoding.Latin1, detectEncodingFromByteOrderMarks: false);
    }

    /// <summary>Everything sent (<c>C:</c>) and received (<c>S:</c>) so far.</summary>
    public string Transcript => transcript.ToString();

    /// <summary>
    /// Connects to an SMTP server. Refused connections are retried for <see cref="ConnectGrace"/>: healthy should
    /// already mean listening, but a short grace keeps a failure about SMTP rather than about start-up order.
    /// </summary>
    /// <exception cref="SocketException">Nothing accepted a connection within the grace period.</exception>
    public static async Task<SmtpDialog> ConnectAsync(string host, int port, CancellationToken cancellationToken = default)
    {
        var deadline = DateTime.UtcNow + ConnectGrace;
        while (true)
        {
            var client = new TcpClient();
            try
            {
                await client.ConnectAsync(host, port, cancellationToken);
                return new SmtpDialog(client);
            }
            catch (SocketException) when (DateTime.UtcNow < deadline)
            {
                client.Dispose();
                await Task.Delay(TimeSpan.FromMilliseconds(250), cancellationToken);
            }
            catch
            {
                client.Dispose();
                throw;
            }
        }
    }

    /// <summary>Reads one (possibly multi-line) reply.</summary>
    /// <exception cref="InvalidDataException">The server closed the connection or sent a line that is not a reply.</exception>
    public async Task<SmtpReply> ReadReplyAsync(CancellationToken cancellationToken = default)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(ReplyTimeout);

        var lines = new List<string>();
        while (true)
        {
            string? line = await reader.ReadLineAsync(timeout.Token);
            if (line is null)
            {
                throw new InvalidDataException("connection closed while waiting for a reply\n" + Transcript);
            }

            transcript.Append("S: ").AppendLine(line);
            // RFC 5321 §4.2: "ddd-text" continues, "ddd text" (or bare "ddd") ends the reply.
            if (line.Length < 3 || !int.TryParse(line.AsSpan(0, 3), out int code) || (line.Length > 3 && line[3] is not (' ' or '-')))
            {
                throw new InvalidDataException("not an SMTP reply line: " + line + "\n" + Transcript);
            }

            lines.Add(line.Length > 4 ? line[4..] : "");
            if (line.Length == 3 || line[3] == ' ')
            {
                return new SmtpReply(code, lines);
            }
        }
    }

    /// <summary>Sends one command line and reads its reply.</summary>
    public async Task<SmtpReply> CommandAsync(string command, CancellationToken cancellationToken = default)
    {
        await WriteLinesAsync([command], cancellationToken);
        return await ReadReplyAsync(cancellationToken);
    }

    /// <summary>
    /// Sends a message body after a 354: the lines dot-stuffed (RFC 5321 §4.5.2), then the terminating ".",
    /// and reads the final reply.
    /// </summary>
    public async Task<SmtpReply> SendDataAsync(IEnumerable<string> messageLines, CancellationToken cancellationToken = default)
    {
        var lines = messageLines.Select(l => l.StartsWith('.') ? "." + l : l).Append(".");
        await WriteLinesAsync(lines, cancellationToken);
        return await ReadReplyAsync(cancellationToken);
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        reader.Dispose();
        await stream.DisposeAsync();
        client.Dispose();
    }

    private async Task WriteLinesAsync(IEnumerable<string> lines, CancellationToken cancellationToken)
    {
        var text = new StringBuilder();
        foreach (string line in lines)
        {
            transcript.Append("C: ").AppendLine(line);
            text.Append(line).Append("\r\n");
        }

        await stream.WriteAsync(Encoding.ASCII.GetBytes(text.ToString()), cancellationToken);
        await stream.FlushAsync(cancellationToken);
    }
}
