namespace MailAppliance.CertManager;

/// <summary>Logs, at start, that CertManager manages no certificate and why (mode None).</summary>
public sealed class ModeNoneNotice : IHostedService
{
    private readonly CertManagerOptions _options;
    private readonly string _hostname;
    private readonly ILogger<ModeNoneNotice> _logger;

    /// <summary>Creates the notice.</summary>
    public ModeNoneNotice(CertManagerOptions options, string hostname, ILogger<ModeNoneNotice> logger)
    {
        _options = options;
        _hostname = hostname;
        _logger = logger;
    }

    /// <inheritdoc />
    public Task StartAsync(CancellationToken cancellationToken)
    {
        string names = string.Join(", ", _options.EffectiveNames(_hostname));
        if (_options.Mode == CertManagerMode.None)
        {
            _logger.LogInformation("CertManager:Mode is None: no certificate is managed for {Names}; the relay serves its self-signed fallback", names);
        }
        else
        {
            _logger.LogWarning("no certificate is requested for {Names}: special-use names (RFC 6761) that no public CA issues for; " +
                "the relay serves its self-signed fallback. Set CertManager:Mode to Acme (and DirectoryUrl) or External to change this", names);
        }

        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
