using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using MailAppliance.Acme;
using MailAppliance.Core;

namespace MailAppliance.CertManager;

/// <summary>
/// External mode: another tool (certbot, acme.sh) renews; this copies its fullchain and key into
/// config/certs/&lt;name&gt;/ atomically whenever they change (file watcher, and a poll as a safety net), then
/// signals the relay. A pair that does not load (a tool half-way through writing) is left for the next look.
/// </summary>
public sealed class ExternalCertificateImporter : BackgroundService
{
    private readonly CertManagerOptions _options;
    private readonly CertificateFiles _files;
    private readonly CertificateStatus _status;
    private readonly RelaySignaler _signaler;
    private readonly ILogger<ExternalCertificateImporter> _logger;
    private readonly TimeProvider _clock;
    private readonly string _statePath;
    private readonly SemaphoreSlim _changed = new(0);

    /// <summary>Creates the importer.</summary>
    public ExternalCertificateImporter(CertManagerOptions options, CertificateTarget target, CertificateStatus status, RelaySignaler signaler,
        ApplianceDirectories directories, ILogger<ExternalCertificateImporter> logger, TimeProvider clock)
    {
        _options = options;
        _files = target.Files;
        _status = status;
        _signaler = signaler;
        _logger = logger;
        _clock = clock;
        _statePath = CertificateRenewalState.PathFor(directories.Acme, _files.Name);
    }

    /// <summary>How often the files are looked at even without a change notification.</summary>
    public TimeSpan PollInterval => _options.CheckInterval < TimeSpan.FromMinutes(5) ? _options.CheckInterval : TimeSpan.FromMinutes(5);

    /// <inheritdoc />
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        string chainPath = _options.ExternalCertificateFile ?? throw new InvalidOperationException("CertManager:ExternalCertificateFile is required in External mode");
        string keyPath = _options.ExternalKeyFile ?? throw new InvalidOperationException("CertManager:ExternalKeyFile is required in External mode");
        using var watcher = Watch(Path.GetDirectoryName(Path.GetFullPath(chainPath))!);
        _logger.LogInformation("external mode: importing {Chain} and {Key} into {Directory}", chainPath, keyPath, _files.Directory);
        while (!stoppingToken.IsCancellationRequested)
        {
            await ImportIfChangedAsync(chainPath, keyPath, stoppingToken);
            try
            {
                await _changed.WaitAsync(PollInterval, stoppingToken);
                // A tool writes the chain and key in several steps: let it finish.
                await Task.Delay(TimeSpan.FromMilliseconds(500), stoppingToken);
                while (_changed.CurrentCount > 0)
                {
                    await _changed.WaitAsync(stoppingToken);
                }
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    /// <summary>Copies the external pair in when it differs from what is installed; returns true when it did.</summary>
    public async Task<bool> ImportIfChangedAsync(string chainPath, string keyPath, CancellationToken cancellationToken)
    {
        var installed = _files.Read();
        _status.SetCertificate(installed);
        string chain, key;
        X509Certificate2 leaf;
        try
        {
            chain = await File.ReadAllTextAsync(chainPath, cancellationToken);
            key = await File.ReadAllTextAsync(keyPath, cancellationToken);
            leaf = X509Certificate2.CreateFromPem(chain, key);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or CryptographicException or ArgumentException)
        {
            _logger.LogWarning("external certificate {Chain} / {Key} not usable yet: {Reason}", chainPath, keyPath, e.Message);
            _status.Failed(e.Message);
            return false;
        }

        using (leaf)
        {
            if (installed is not null && string.Equals(installed.Serial, leaf.SerialNumber, StringComparison.OrdinalIgnoreCase))
            {
                _status.Succeeded();
                return false;
            }

            _files.Write(chain, key);
            var written = _files.Read();
            _status.SetCertificate(written);
            _status.Succeeded();
            CertManagerTelemetry.IssuanceAttempts.Add(1, new KeyValuePair<string, object?>("outcome", "imported"));
            _logger.LogInformation("imported external certificate serial {Serial} (valid until {Expiry:u}) into {Directory}",
                leaf.SerialNumber, leaf.NotAfter.ToUniversalTime(), _files.Directory);
            bool confirmed = await _signaler.SignalAsync(leaf.SerialNumber, cancellationToken);
            new CertificateRenewalState
            {
                Name = _files.Name,
                Serial = leaf.SerialNumber,
                NotAfter = new DateTimeOffset(leaf.NotAfter.ToUniversalTime()),
                LastAttempt = _clock.GetUtcNow(),
                LastSuccess = _clock.GetUtcNow(),
                RelayConfirmed = confirmed,
                RenewalSource = "external",
            }.Save(_statePath);
            return true;
        }
    }

    private FileSystemWatcher? Watch(string directory)
    {
        if (!Directory.Exists(directory))
        {
            _logger.LogWarning("{Directory} does not exist; polling every {Interval}", directory, PollInterval);
            return null;
        }

        var watcher = new FileSystemWatcher(directory) { IncludeSubdirectories = false };
        FileSystemEventHandler changed = (_, _) => _changed.Release();
        watcher.Changed += changed;
        watcher.Created += changed;
        watcher.Renamed += (sender, e) => changed(sender, e);
        watcher.EnableRaisingEvents = true;
        return watcher;
    }

    /// <inheritdoc />
    public override void Dispose()
    {
        _changed.Dispose();
        base.Dispose();
    }
}
