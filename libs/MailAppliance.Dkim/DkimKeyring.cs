using MailAppliance.Core;

namespace MailAppliance.Dkim;

/// <summary>
/// The signing keys of every local domain: <c>config/domains/&lt;domain&gt;/dkim/&lt;selector&gt;.pem</c>. Every key
/// present signs, so a rotation is "add a selector, publish it, later remove the old one". Loaded whole and
/// swapped atomically on reload; a broken key file stops start-up (and a reload) with the file named.
/// </summary>
public sealed class DkimKeyring : IDisposable
{
    private readonly string _domainsDirectory;
    private IReadOnlyDictionary<string, IReadOnlyList<DkimSigningKey>> _keys;
    private string _fingerprint;

    /// <summary>Loads the keys of every domain under <paramref name="domainsDirectory"/>.</summary>
    /// <exception cref="ConfigurationFileException">A key file is broken.</exception>
    public DkimKeyring(string domainsDirectory)
    {
        _domainsDirectory = domainsDirectory;
        _fingerprint = Fingerprint(domainsDirectory);
        _keys = Load(domainsDirectory);
    }

    /// <summary>Domains that have at least one key.</summary>
    public IReadOnlyCollection<string> Domains => [.. Volatile.Read(ref _keys).Keys];

    /// <summary>The keys of a domain; empty when it does not sign.</summary>
    public IReadOnlyList<DkimSigningKey> For(string domain) =>
        Volatile.Read(ref _keys).TryGetValue(domain.ToLowerInvariant(), out var keys) ? keys : [];

    /// <summary>Reads the key files again; on a broken file the previous keys stay in force and the error is thrown.</summary>
    /// <exception cref="ConfigurationFileException">A key file is broken.</exception>
    public void Reload()
    {
        // The domains are reloaded every 30 s as a safety net; the keys only when a key file changed.
        string fingerprint = Fingerprint(_domainsDirectory);
        if (fingerprint == _fingerprint)
        {
            return;
        }

        var fresh = Load(_domainsDirectory);
        _fingerprint = fingerprint;
        var old = Interlocked.Exchange(ref _keys, fresh);

        // Sessions signing right now may still hold the old keys; let the GC finalize them rather than dispose here.
        _ = old;
    }

    private static string Fingerprint(string domainsDirectory)
    {
        if (!Directory.Exists(domainsDirectory))
        {
            return string.Empty;
        }

        var files = Directory.EnumerateFiles(domainsDirectory, "*" + DkimKeyDirectory.Extension, SearchOption.AllDirectories)
            .Order(StringComparer.Ordinal)
            .Select(f => new FileInfo(f))
            .Select(f => $"{f.FullName}|{f.Length}|{f.LastWriteTimeUtc.Ticks}");
        return string.Join('\n', files);
    }

    private static Dictionary<string, IReadOnlyList<DkimSigningKey>> Load(string domainsDirectory)
    {
        var keys = new Dictionary<string, IReadOnlyList<DkimSigningKey>>(StringComparer.Ordinal);
        if (!Directory.Exists(domainsDirectory))
        {
            return keys;
        }

        foreach (string directory in Directory.EnumerateDirectories(domainsDirectory).Order(StringComparer.Ordinal))
        {
            string domain = Path.GetFileName(directory);
            if (domain.StartsWith('.'))
            {
                continue;
            }

            var domainKeys = DkimKeyDirectory.Load(Path.Combine(directory, DkimKeyDirectory.DirectoryName), domain);
            if (domainKeys.Count > 0)
            {
                keys[domain] = domainKeys;
            }
        }

        return keys;
    }

    /// <inheritdoc />
    public void Dispose()
    {
        foreach (var key in Volatile.Read(ref _keys).Values.SelectMany(k => k))
        {
            key.Dispose();
        }
    }
}
