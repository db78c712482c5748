using System.Net;
using System.Net.Sockets;
using MailAppliance.Core;
using MailAppliance.Smtp.Protocol;
using MailAppliance.Smtp.Session;
using MailAppliance.Smtp.Telemetry;
using Microsoft.Extensions.Logging;

namespace MailAppliance.Smtp.Server;

/// <summary>
/// Binds the configured listeners (IPv4 and IPv6, each socket its own family) and runs a session per
/// connection. The relay binds its ports itself, not behind a proxy, so it sees real client addresses
/// (needed for SPF and per-IP limits).
/// </summary>
public sealed class SmtpServer : IAsyncDisposable
{
    private readonly SmtpEngine _engine;
    private readonly ConnectionLimiter _limiter;
    private readonly CancellationTokenSource _shutdown = new();
    private readonly CancellationTokenSource _stopAccepting = new();
    private readonly List<Socket> _sockets = [];
    private readonly List<Task> _acceptLoops = [];
    private readonly HashSet<Task> _sessions = [];
    private readonly object _sessionsGate = new();

    public SmtpServer(SmtpEngine engine)
    {
        _engine = engine;
        _limiter = new ConnectionLimiter(engine.Options.MaxConnections, engine.Options.MaxConnectionsPerIp);
    }

    /// <summary>The endpoints actually bound, by listener name (port 0 in the settings becomes a real port).</summary>
    public IReadOnlyList<(string Listener, IPEndPoint Endpoint)> Endpoints { get; private set; } = [];

    /// <summary>Binds every enabled listener; throws with a clear message when one cannot be bound.</summary>
    public void Start()
    {
        var bound = new List<(string, IPEndPoint)>();
        foreach (var (name, listener) in _engine.Options.Listeners)
        {
            if (!listener.Enabled)
            {
                continue;
            }

            foreach (var address in ParseAddresses(name, listener.Addresses))
            {
                var socket = Bind(name, listener, new IPEndPoint(address, listener.Port));
                _sockets.Add(socket);
                var endpoint = (IPEndPoint)socket.LocalEndPoint!;
                bound.Add((name, endpoint));
                _acceptLoops.Add(AcceptLoopAsync(socket, name, listener.Mode));
                _engine.Logger.LogInformation("listening for SMTP ({Mode}) on {Endpoint} as {Listener}", listener.Mode, endpoint, name);
            }
        }

        Endpoints = bound;
    }

    private Socket Bind(string name, ListenerOptions listener, IPEndPoint endpoint)
    {
        var socket = new Socket(endpoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            if (endpoint.AddressFamily == AddressFamily.InterNetworkV6)
            {
                // IPv6-only, so "::" and "0.0.0.0" can both be bound on the same port.
                socket.DualMode = false;
            }

            socket.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
            socket.NoDelay = true;
            socket.Bind(endpoint);
            socket.Listen(_engine.Options.ListenBacklog);
            return socket;
        }
        catch (SocketException e)
        {
            socket.Dispose();
            string hint = e.SocketErrorCode switch
            {
                SocketError.AccessDenied => listener.Port < 1024
                    ? " (ports below 1024 need root or CAP_NET_BIND_SERVICE; or set Smtp:Listeners:" + name + ":Port)"
                    : string.Empty,
                SocketError.AddressAlreadyInUse => " (another program listens there)",
                SocketError.AddressNotAvailable => " (no interface has that address; see Smtp:Listeners:" + name + ":Addresses)",
                _ => string.Empty,
            };
            throw new StartupException($"cannot listen on {endpoint} for {name}: {e.Message}{hint}", e);
        }
    }

    private static IEnumerable<IPAddress> ParseAddresses(string name, string addresses)
    {
        foreach (string text in addresses.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            yield return IPAddress.TryParse(text.Trim('[', ']'), out var address)
                ? address
                : throw new StartupException($"Smtp:Listeners:{name}:Addresses: '{text}' is not an IP address");
        }
    }

    private async Task AcceptLoopAsync(Socket listener, string name, ListenerMode mode)
    {
        while (!_stopAccepting.IsCancellationRequested)
        {
            Socket client;
            try
            {
                client = await listener.AcceptAsync(_stopAccepting.Token);
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException || _stopAccepting.IsCancellationRequested)
            {
                return;
            }
            catch (SocketException e)
            {
                // EMFILE and friends: do not spin; try again shortly.
                _engine.Logger.LogWarning("accept on {Listener} failed: {Reason}", name, e.Message);
                await Task.Delay(100);
                continue;
            }

            Track(HandleAsync(client, name, mode));
        }
    }

    private void Track(Task session)
    {
        lock (_sessionsGate)
        {
            _sessions.Add(session);
        }

        session.ContinueWith(t =>
        {
            lock (_sessionsGate)
            {
                _sessions.Remove(t);
            }
        }, TaskScheduler.Default);
    }

    private async Task HandleAsync(Socket client, string name, ListenerMode mode)
    {
        await Task.Yield();
        var remote = (IPEndPoint)client.RemoteEndPoint!;
        var address = remote.Address.IsIPv4MappedToIPv6 ? remote.Address.MapToIPv4() : remote.Address;
        remote = new IPEndPoint(address, remote.Port);
        SmtpTelemetry.Connections.Add(1, new KeyValuePair<string, object?>("listener", name));
        var stream = new NetworkStream(client, ownsSocket: true);
        if (!_limiter.TryAcquire(address, out bool perIp))
        {
            SmtpTelemetry.Reject(perIp ? "connections_per_ip" : "connections_total", name);
            await RefuseAsync(stream, perIp ? SmtpReplies.TooManyConnectionsFromIp : SmtpReplies.TooManyConnections);
            return;
        }

        try
        {
            await _engine.RunSessionAsync(stream, new SessionInfo(remote, name, mode), _shutdown.Token);
        }
        catch (Exception e)
        {
            _engine.Logger.LogError(e, "session from {Client} on {Listener} failed", remote, name);
        }
        finally
        {
            _limiter.Release(address);
        }
    }

    private static async Task RefuseAsync(NetworkStream stream, SmtpReply reply)
    {
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            await stream.WriteAsync(reply.Bytes.ToArray(), timeout.Token);
        }
        catch (Exception e) when (e is IOException or OperationCanceledException or SocketException)
        {
        }
        finally
        {
            await stream.DisposeAsync();
        }
    }

    /// <summary>Stops accepting, tells sessions in progress (421) and waits for them up to <paramref name="grace"/>.</summary>
    public async Task StopAsync(TimeSpan grace)
    {
        await _stopAccepting.CancelAsync();
        foreach (var socket in _sockets)
        {
            socket.Dispose();
        }

        await Task.WhenAll(_acceptLoops);
        Task[] sessions;
        lock (_sessionsGate)
        {
            sessions = [.. _sessions];
        }

        // Sessions in a mail transaction finish their commit first: a spool write is never interrupted mid-fsync.
        await _shutdown.CancelAsync();
        await Task.WhenAny(Task.WhenAll(sessions), Task.Delay(grace));
    }

    public async ValueTask DisposeAsync()
    {
        if (!_shutdown.IsCancellationRequested)
        {
            await StopAsync(TimeSpan.FromSeconds(5));
        }

        _shutdown.Dispose();
        _stopAccepting.Dispose();
    }
}
