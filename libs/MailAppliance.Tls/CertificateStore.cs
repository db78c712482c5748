using System.Net.Security;
using System.Security.Authentication;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Logging;

namespace MailAppliance.Tls;

/// <summary>
/// The certificates the relay serves, from <c>config/certs/&lt;name&gt;/fullchain.pem</c> + <c>privkey.pem</c>
/// (the certbot/acme.sh layout CertManager writes). The certificate is chosen per handshake by SNI; without
/// SNI, or for an unknown name, the one covering the relay's host name is served. A reload swaps the set
/// atomically: handshakes in progress finish with the old certificate, new ones get the new one, and no
/// session is dropped. When no usable certificate exists, a self-signed one (kept in state/tls) is served.
/// </summary>
public sealed class CertificateStore : IDisposable
{
    private readonly string _certsDirectory;
    private readonly string _selfSignedDirectory;
    private readonly string _hostname;
    private readonly ILogger _logger;
    private readonly FileSystemWatcher? _watcher;
    private readonly Timer _debounce;
    private readonly Timer? _poll;
    private string _fingerprint = string.Empty;

    /// <summary>How often the certificates directory is compared with what was last loaded, besides the file events.</summary>
    public static readonly TimeSpan PollInterval = TimeSpan.FromSeconds(5);
    private IReadOnlyList<ServedCertificate> _certificates = [];
    private ServedCertificate? _default;

    public CertificateStore(string certsDirectory, string selfSignedDirectory, string hostname, ILogger logger, bool watch = true)
    {
        _certsDirectory = certsDirectory;
        _selfSignedDirectory = selfSignedDirectory;
        _hostname = hostname.ToLowerInvariant();
        _logger = logger;
        _debounce = new Timer(_ => SafeReload("file change"));
        Reload();
        if (watch)
        {
            Directory.CreateDirectory(certsDirectory);
            _watcher = new FileSystemWatcher(certsDirectory) { IncludeSubdirectories = true, EnableRaisingEvents = true };
            // Any change restarts the debounce: a CA client writes key and chain in several steps.
            FileSystemEventHandler changed = (_, _) => _debounce.Change(TimeSpan.FromMilliseconds(300), Timeout.InfiniteTimeSpan);
            _watcher.Changed += changed;
            _watcher.Created += changed;
            _watcher.Deleted += changed;
            _watcher.Renamed += (sender, e) => changed(sender, e);

            // inotify watches a new certs/<name>/ only once the watcher has seen the folder appear: files written into it
            // right away can go unnoticed. A cheap poll of names, sizes and times closes that gap.
            _poll = new Timer(_ => PollForChanges(), null, PollInterval, PollInterval);
        }

        TlsTelemetry.Track(this);
    }

    /// <summary>Raised after every successful reload.</summary>
    public event Action? Reloaded;

    /// <summary>Every certificate being served.</summary>
    public IReadOnlyList<ServedCertificate> Certificates => Volatile.Read(ref _certificates);

    /// <summary>The certificate served without SNI.</summary>
    public ServedCertificate Default => Volatile.Read(ref _default)!;

    /// <summary>
    /// Re-reads the certificates directory. A broken pair is skipped with a warning and the rest stays served;
    /// never does a half-written file replace a good certificate in memory.
    /// </summary>
    public void Reload()
    {
        _fingerprint = Fingerprint();
        var loaded = new List<ServedCertificate>();
        if (Directory.Exists(_certsDirectory))
        {
            foreach (string directory in Directory.EnumerateDirectories(_certsDirectory).Order(StringComparer.Ordinal))
            {
                string name = Path.GetFileName(directory);
                string cert = Path.Combine(directory, "fullchain.pem");
                string key = Path.Combine(directory, "privkey.pem");
                if (!File.Exists(cert) || !File.Exists(key))
                {
                    continue;
                }

                try
                {
                    loaded.Add(Load(name, cert, key));
                }
                catch (Exception e) when (e is CryptographicException or IOException or UnauthorizedAccessException or ArgumentException)
                {
                    // A renewal half-written, or a key that does not match yet: keep serving what was loaded before.
                    var previous = Certificates.FirstOrDefault(c => !c.SelfSigned && c.Name == name);
                    if (previous is not null)
                    {
                        loaded.Add(previous);
                    }

                    _logger.LogWarning("certificate {Name} in {Directory} cannot be used: {Reason}{Kept}", name, directory, e.Message,
                        previous is null ? string.Empty : $"; still serving serial {previous.Serial}");
                }
            }
        }

        var now = DateTime.UtcNow;
        var usable = loaded.Where(c => c.Leaf.NotAfter.ToUniversalTime() > now).ToList();
        foreach (var expired in loaded.Except(usable))
        {
            _logger.LogWarning("certificate {Name} expired on {Expiry:u}; not served", expired.Name, expired.Leaf.NotAfter.ToUniversalTime());
        }

        var preferred = usable.Where(c => c.Covers(_hostname)).OrderByDescending(c => c.Leaf.NotAfter).FirstOrDefault()
            ?? usable.OrderByDescending(c => c.Leaf.NotAfter).FirstOrDefault();
        if (preferred is null)
        {
            var self = SelfSignedCertificate.LoadOrCreate(_selfSignedDirectory, _hostname);
            preferred = new ServedCertificate("self-signed", self, [], selfSigned: true);
            usable.Add(preferred);
            _logger.LogWarning("no certificate in {Directory}; serving a self-signed certificate for {Host}", _certsDirectory, _hostname);
        }

        Volatile.Write(ref _certificates, usable);
        Volatile.Write(ref _default, preferred);
        _logger.LogInformation("serving certificate {Name} serial {Serial} for {Names}, valid until {Expiry:u}",
            preferred.Name, preferred.Serial, string.Join(", ", preferred.DnsNames), preferred.Leaf.NotAfter.ToUniversalTime());
        Reloaded?.Invoke();
    }

    /// <summary>Picks the certificate for a handshake by SNI name.</summary>
    public ServedCertificate Select(string? serverName)
    {
        if (!string.IsNullOrEmpty(serverName))
        {
            foreach (var certificate in Certificates)
            {
                if (certificate.Covers(serverName))
                {
                    return certificate;
                }
            }
        }

        return Default;
    }

    /// <summary>Server options for a handshake that asked for <paramref name="serverName"/> (SNI).</summary>
    public SslServerAuthenticationOptions OptionsFor(string? serverName) => Select(serverName).ServerOptions;

    private static ServedCertificate Load(string name, string certPath, string keyPath)
    {
        var chain = new X509Certificate2Collection();
        chain.ImportFromPemFile(certPath);
        if (chain.Count == 0)
        {
            throw new CryptographicException("fullchain.pem holds no certificate");
        }

        var leaf = X509Certificate2.CreateFromPemFile(certPath, keyPath);
        var intermediates = new X509Certificate2Collection();
        for (int i = 1; i < chain.Count; i++)
        {
            intermediates.Add(chain[i]);
        }

        return new ServedCertificate(name, leaf, intermediates, selfSigned: false);
    }

    /// <summary>The certificate files as they are on disk: names, sizes and modification times.</summary>
    private string Fingerprint()
    {
        if (!Directory.Exists(_certsDirectory))
        {
            return string.Empty;
        }

        var files = new System.Text.StringBuilder();
        foreach (string directory in Directory.EnumerateDirectories(_certsDirectory).Order(StringComparer.Ordinal))
        {
            foreach (string file in new[] { "fullchain.pem", "privkey.pem" }.Select(f => Path.Combine(directory, f)))
            {
                var info = new FileInfo(file);
                files.Append(file).Append(' ').Append(info.Exists ? $"{info.Length}:{info.LastWriteTimeUtc.Ticks}" : "-").Append('\n');
            }
        }

        return files.ToString();
    }

    private void PollForChanges()
    {
        try
        {
            if (Fingerprint() != _fingerprint)
            {
                SafeReload("poll");
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            _logger.LogWarning("cannot read {Directory}: {Reason}", _certsDirectory, e.Message);
        }
    }

    private void SafeReload(string reason)
    {
        try
        {
            _logger.LogInformation("reloading certificates ({Reason})", reason);
            Reload();
        }
        catch (Exception e)
        {
            _logger.LogError(e, "certificate reload failed; the previous certificates stay in service");
        }
    }

    public void Dispose()
    {
        TlsTelemetry.Untrack(this);
        _watcher?.Dispose();
        _poll?.Dispose();
        _debounce.Dispose();
    }
}
