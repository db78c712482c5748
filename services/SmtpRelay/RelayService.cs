using MailAppliance.Queue;
using MailAppliance.Smtp.Server;
using MailAppliance.Smtp.Session;
using MailAppliance.Spool;

namespace MailAppliance.SmtpRelay;

/// <summary>Recovers the spool, binds the SMTP listeners, and stops them gracefully.</summary>
public sealed class RelayService : IHostedService, IAsyncDisposable
{
    private readonly SmtpEngine _engine;
    private readonly SpoolStore _spool;
    private readonly DeliveryQueue _queue;
    private readonly RelayOptions _options;
    private readonly ILogger<RelayService> _logger;
    private SmtpServer? _server;

    public RelayService(SmtpEngine engine, SpoolStore spool, DeliveryQueue queue, RelayOptions options, ILogger<RelayService> logger)
    {
        _queue = queue;
        _engine = engine;
        _spool = spool;
        _options = options;
        _logger = logger;
    }

    /// <summary>The bound endpoints, for status and health.</summary>
    public IReadOnlyList<(string Listener, System.Net.IPEndPoint Endpoint)> Endpoints => _server?.Endpoints ?? [];

    public Task StartAsync(CancellationToken cancellationToken)
    {
        var report = _spool.Recover();
        _logger.LogInformation("spool {Directory}: {Messages} message(s) queued, {Partial} partial write(s) removed, {Invalid} invalid file(s) set aside",
            _spool.Directory, report.Messages, report.PartialWritesRemoved, report.InvalidFilesSetAside);
        _queue.Start();
        _server = new SmtpServer(_engine);
        _server.Start();
        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_server is not null)
        {
            await _server.StopAsync(TimeSpan.FromSeconds(_options.ShutdownGraceSeconds));
        }

        // After the listeners: nothing new arrives, and attempts in progress get the same grace to finish.
        await _queue.StopAsync(TimeSpan.FromSeconds(_options.ShutdownGraceSeconds));
    }

    public async ValueTask DisposeAsync()
    {
        await _queue.DisposeAsync();
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
    }
}
