using System.Net.Http.Json;
using System.Text.Json;
using Docker.DotNet;
using Docker.DotNet.Models;

namespace MailAppliance.CertManager;

/// <summary>
/// Tells the relay a certificate changed (DESIGN.md §3): POST /admin/reload on its loopback admin endpoint, then
/// GET /admin/tls until it reports the new serial; and, when the relay runs in a container, SIGHUP through the
/// Docker Engine API. The relay also watches the files, so either signal alone is enough; a failure is logged
/// and reported, never fatal.
/// </summary>
public sealed class RelaySignaler
{
    private readonly CertManagerOptions _options;
    private readonly HttpClient _http;
    private readonly ILogger<RelaySignaler> _logger;

    /// <summary>Creates the signaler.</summary>
    public RelaySignaler(CertManagerOptions options, HttpClient http, ILogger<RelaySignaler> logger)
    {
        _options = options;
        _http = http;
        _logger = logger;
    }

    /// <summary>Signals the relay and returns true once it reports serving <paramref name="serial"/>.</summary>
    public async Task<bool> SignalAsync(string serial, CancellationToken cancellationToken)
    {
        await SendHangupAsync(cancellationToken);
        if (string.IsNullOrEmpty(_options.RelayAdminUrl))
        {
            return false;
        }

        var baseUri = new Uri(_options.RelayAdminUrl.TrimEnd('/') + "/");
        try
        {
            using var reload = await _http.PostAsync(new Uri(baseUri, "admin/reload"), content: null, cancellationToken);
            if (!reload.IsSuccessStatusCode)
            {
                // 422 means the relay's domain files are broken; certificates were still reloaded. Read back below.
                _logger.LogWarning("relay reload answered HTTP {Status}", (int)reload.StatusCode);
            }

            // The relay's own file watcher may reload a moment later than our call; read back a few times.
            for (int attempt = 0; attempt < 10; attempt++)
            {
                var served = await ServedSerialsAsync(new Uri(baseUri, "admin/tls"), cancellationToken);
                if (served.Contains(serial, StringComparer.OrdinalIgnoreCase))
                {
                    _logger.LogInformation("relay confirms it serves serial {Serial}", serial);
                    return true;
                }

                await Task.Delay(TimeSpan.FromMilliseconds(500), cancellationToken);
            }

            _logger.LogWarning("relay at {Url} does not report serial {Serial} after reload", baseUri, serial);
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException or JsonException && !cancellationToken.IsCancellationRequested)
        {
            _logger.LogWarning("relay admin endpoint {Url} not reachable ({Reason}); the relay's file watcher will pick the certificate up", baseUri, e.Message);
        }

        return false;
    }

    /// <summary>Every serial the relay reports in GET /admin/tls.</summary>
    public async Task<IReadOnlyList<string>> ServedSerialsAsync(Uri tlsUri, CancellationToken cancellationToken)
    {
        using var document = await _http.GetFromJsonAsync<JsonDocument>(tlsUri, cancellationToken)
            ?? throw new JsonException("empty /admin/tls answer");
        var serials = new List<string>();
        var root = document.RootElement;
        if (root.TryGetProperty("default", out var current) && current.TryGetProperty("serial", out var s) && s.GetString() is { } serial)
        {
            serials.Add(serial);
        }

        if (root.TryGetProperty("certificates", out var all) && all.ValueKind == JsonValueKind.Array)
        {
            foreach (var certificate in all.EnumerateArray())
            {
                if (certificate.TryGetProperty("serial", out var cs) && cs.GetString() is { } other)
                {
                    serials.Add(other);
                }
            }
        }

        return serials;
    }

    private async Task SendHangupAsync(CancellationToken cancellationToken)
    {
        if (string.IsNullOrEmpty(_options.RelayContainer))
        {
            return;
        }

        try
        {
            using var configuration = new DockerClientConfiguration(new Uri(_options.DockerEndpoint));
            using var docker = configuration.CreateClient();
            await docker.Containers.KillContainerAsync(_options.RelayContainer, new ContainerKillParameters { Signal = "SIGHUP" }, cancellationToken);
            _logger.LogInformation("sent SIGHUP to container {Container}", _options.RelayContainer);
        }
        catch (Exception e) when (e is DockerApiException or HttpRequestException or IOException or TimeoutException or System.Net.Sockets.SocketException)
        {
            _logger.LogWarning("SIGHUP to container {Container} through {Endpoint} failed: {Reason}", _options.RelayContainer, _options.DockerEndpoint, e.Message);
        }
    }
}
