using System.Diagnostics;
using System.IO.Compression;
using System.Net;
using System.Net.Sockets;

namespace MailAppliance.IntegrationTests.Deploy;

/// <summary>
/// A tiny OTLP/HTTP collector on 127.0.0.1 (OTLP specification, "OTLP/HTTP"): accepts <c>POST /v1/traces</c>,
/// <c>/v1/metrics</c> and <c>/v1/logs</c> with <c>application/x-protobuf</c> bodies, answers 200 with an empty
/// (all-default) protobuf response, and keeps every decoded export. Anything else gets 404 or 415, and is counted
/// in <see cref="Refused"/>, so an exporter speaking the wrong protocol shows up in the test's message.
/// </summary>
public sealed class OtlpReceiver : IAsyncDisposable
{
    private readonly HttpListener _listener = new();
    private readonly List<(OtlpSignal Signal, OtlpResource Resource)> _received = [];
    private readonly List<string> _refused = [];
    private readonly Task _loop;

    private OtlpReceiver(int port)
    {
        Endpoint = new Uri($"http://127.0.0.1:{port}");
        _listener.Prefixes.Add(Endpoint.AbsoluteUri);
        _listener.Start();
        _loop = Task.Run(AcceptLoopAsync);
    }

    /// <summary>The value for <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> (the exporter appends <c>/v1/&lt;signal&gt;</c>).</summary>
    public Uri Endpoint { get; }

    /// <summary>Requests that were not OTLP/HTTP protobuf exports (method, path, content type).</summary>
    public IReadOnlyList<string> Refused
    {
        get
        {
            lock (_refused)
            {
                return [.. _refused];
            }
        }
    }

    /// <summary>Starts a receiver on a free loopback port.</summary>
    public static OtlpReceiver Start()
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        int port = ((IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        return new OtlpReceiver(port);
    }

    /// <summary>The resources received so far for one signal and service name.</summary>
    public IReadOnlyList<OtlpResource> Received(OtlpSignal signal, string serviceName)
    {
        lock (_received)
        {
            return [.. _received.Where(r => r.Signal == signal && r.Resource.ServiceName == serviceName).Select(r => r.Resource)];
        }
    }

    /// <summary>Every service name seen, for failure messages.</summary>
    public string Summary()
    {
        lock (_received)
        {
            var names = _received.GroupBy(r => (r.Signal, r.Resource.ServiceName))
                .Select(g => $"{g.Key.Signal} from '{g.Key.ServiceName}': {g.Sum(r => r.Resource.Items.Count)} items");
            return string.Join("; ", names) + (Refused.Count > 0 ? "; refused: " + string.Join(", ", Refused) : string.Empty);
        }
    }

    /// <summary>
    /// Waits until an export of <paramref name="signal"/> from <paramref name="serviceName"/> holds an item matching
    /// <paramref name="match"/> (scope name, item name); fails with what did arrive.
    /// </summary>
    public async Task<(string Scope, string Item)> WaitForAsync(OtlpSignal signal, string serviceName,
        Func<(string Scope, string Item), bool> match, TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < timeout)
        {
            foreach (var resource in Received(signal, serviceName))
            {
                foreach (var item in resource.Items.Where(match))
                {
                    return item;
                }
            }

            await Task.Delay(100);
        }

        throw new TimeoutException($"no matching {signal} from service '{serviceName}' within {timeout.TotalSeconds} s. Received: {Summary()}");
    }

    private async Task AcceptLoopAsync()
    {
        while (_listener.IsListening)
        {
            HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync();
            }
            catch (Exception e) when (e is HttpListenerException or ObjectDisposedException or InvalidOperationException)
            {
                return; // Stopped.
            }

            await HandleAsync(context);
        }
    }

    private async Task HandleAsync(HttpListenerContext context)
    {
        var request = context.Request;
        var response = context.Response;
        try
        {
            OtlpSignal? signal = request.Url?.AbsolutePath switch
            {
                "/v1/traces" => OtlpSignal.Traces,
                "/v1/metrics" => OtlpSignal.Metrics,
                "/v1/logs" => OtlpSignal.Logs,
                _ => null,
            };
            if (request.HttpMethod != "POST" || signal is null || request.ContentType != "application/x-protobuf")
            {
                lock (_refused)
                {
                    _refused.Add($"{request.HttpMethod} {request.Url?.AbsolutePath} {request.ContentType}");
                }

                response.StatusCode = signal is null ? 404 : 415;
                return;
            }

            using var body = new MemoryStream();
            Stream input = request.Headers["Content-Encoding"] == "gzip"
                ? new GZipStream(request.InputStream, CompressionMode.Decompress)
                : request.InputStream;
            await input.CopyToAsync(body);
            var resources = OtlpExport.Parse(signal.Value, body.ToArray());
            lock (_received)
            {
                _received.AddRange(resources.Select(r => (signal.Value, r)));
            }

            // An all-default Export*ServiceResponse encodes as zero bytes.
            response.StatusCode = 200;
            response.ContentType = "application/x-protobuf";
            response.ContentLength64 = 0;
        }
        finally
        {
            response.Close();
        }
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        _listener.Stop();
        _listener.Close();
        await _loop;
    }
}
