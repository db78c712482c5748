using System.Diagnostics;
using System.Globalization;
using System.Net.Sockets;
using System.Text;

namespace MailAppliance.ContainerTests.Infrastructure;

/// <summary>
/// The peer's mail server: aiosmtpd (<c>/usr/bin/python3 -m aiosmtpd</c>, Debian's python3-aiosmtpd) on a free
/// 127.0.0.1 port, storing what it receives in a Maildir with its Mailbox handler, which adds the envelope as
/// <c>X-MailFrom</c> and <c>X-RcptTo</c> fields.
/// </summary>
public sealed class PeerMx : IAsyncDisposable
{
    private readonly StringBuilder _output = new();
    private Process? _server;

    private PeerMx(string maildir)
    {
        Maildir = maildir;
        Port = LoopbackPorts.Free();
    }

    /// <summary>The Maildir the messages land in.</summary>
    public string Maildir { get; }

    /// <summary>The SMTP port on 127.0.0.1.</summary>
    public int Port { get; }

    /// <summary>What aiosmtpd printed.</summary>
    public string Log
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    /// <summary>Starts aiosmtpd; returns once it accepts connections.</summary>
    public static async Task<PeerMx> StartAsync(string maildir)
    {
        var mx = new PeerMx(maildir);
        try
        {
            await mx.StartCoreAsync();
            return mx;
        }
        catch
        {
            await mx.DisposeAsync();
            throw;
        }
    }

    /// <summary>The messages received so far (full text, with the X-MailFrom/X-RcptTo fields aiosmtpd adds).</summary>
    public IReadOnlyList<string> Messages()
    {
        string received = Path.Combine(Maildir, "new");
        return Directory.Exists(received)
            ? Directory.EnumerateFiles(received).Order(StringComparer.Ordinal).Select(File.ReadAllText).ToList()
            : [];
    }

    /// <summary>Waits until a received message satisfies <paramref name="match"/>; fails with the peer's log.</summary>
    public async Task<string> WaitForMessageAsync(Func<string, bool> match, TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < timeout)
        {
            if (Messages().FirstOrDefault(match) is { } message)
            {
                return message;
            }

            await Task.Delay(250);
        }

        throw new TimeoutException($"no matching message reached the peer MX within {timeout.TotalSeconds} s; it has {Messages().Count}. aiosmtpd:\n{Log}");
    }

    private async Task StartCoreAsync()
    {
        var info = new ProcessStartInfo("/usr/bin/python3") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (string argument in (string[])["-m", "aiosmtpd", "-n", "-l", $"127.0.0.1:{Port}", "-c", "aiosmtpd.handlers.Mailbox", Maildir])
        {
            info.ArgumentList.Add(argument);
        }

        _server = new Process { StartInfo = info };
        _server.OutputDataReceived += (_, e) => Append(e.Data);
        _server.ErrorDataReceived += (_, e) => Append(e.Data);
        _server.Start();
        _server.BeginOutputReadLine();
        _server.BeginErrorReadLine();
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < TimeSpan.FromSeconds(20))
        {
            if (_server.HasExited)
            {
                throw new InvalidOperationException($"aiosmtpd exited with {_server.ExitCode}:\n{Log}");
            }

            try
            {
                using var client = new TcpClient();
                await client.ConnectAsync("127.0.0.1", Port);
                return;
            }
            catch (SocketException)
            {
                await Task.Delay(100);
            }
        }

        throw new TimeoutException($"aiosmtpd did not listen on 127.0.0.1:{Port.ToString(CultureInfo.InvariantCulture)}:\n{Log}");
    }

    private void Append(string? line)
    {
        if (line is not null)
        {
            lock (_output)
            {
                _output.Append(line).Append('\n');
            }
        }
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        if (_server is { HasExited: false } server)
        {
            server.Kill();
            await server.WaitForExitAsync();
        }

        _server?.Dispose();
    }
}
