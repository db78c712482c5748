using System.Security.Cryptography;
using System.Text;
using MailAppliance.Core;

namespace MailAppliance.Srs;

/// <summary>
/// The SRS secrets: the first signs, every one verifies (postsrsd's secrets file). Kept in the state directory,
/// created with a random secret and mode 0600 the first time it is needed.
/// </summary>
public sealed class SrsSecrets
{
    private SrsSecrets(IReadOnlyList<byte[]> keys)
    {
        Keys = keys;
    }

    /// <summary>The secrets in order; the first signs.</summary>
    public IReadOnlyList<byte[]> Keys { get; }

    /// <summary>Secrets from text lines: blank lines and lines starting with '#' are skipped; each line's UTF-8 octets are one key.</summary>
    /// <exception cref="ArgumentException">No secret in the lines.</exception>
    public static SrsSecrets FromLines(IEnumerable<string> lines)
    {
        var keys = lines.Select(l => l.Trim()).Where(l => l.Length > 0 && !l.StartsWith('#')).Select(Encoding.UTF8.GetBytes).ToList();
        return keys.Count > 0 ? new SrsSecrets(keys) : throw new ArgumentException("no SRS secret in the lines", nameof(lines));
    }

    /// <summary>
    /// Reads the secrets file, creating it first (one random 32-octet secret, base64, mode 0600) when it does not exist.
    /// Two processes starting at once agree on one file: the new file is moved into place only if none is there yet.
    /// </summary>
    /// <param name="path">The file, e.g. <c>state/srs/secret</c>.</param>
    /// <exception cref="ConfigurationFileException">The file exists but holds no secret.</exception>
    public static SrsSecrets LoadOrCreate(string path)
    {
        if (!File.Exists(path))
        {
            Create(path);
        }

        string[] lines = File.ReadAllLines(path);
        try
        {
            return FromLines(lines);
        }
        catch (ArgumentException)
        {
            throw new ConfigurationFileException(path, 0, "the SRS secrets file holds no secret (one per line; the first signs)");
        }
    }

    /// <summary>The secrets file of a state directory for the given options.</summary>
    public static string PathIn(string stateDirectory, SrsOptions options) => Path.Combine(stateDirectory, options.SecretFile);

    private static void Create(string path)
    {
        string directory = Path.GetDirectoryName(Path.GetFullPath(path))!;
        Directory.CreateDirectory(directory);
        string secret = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));
        string temp = Path.Combine(directory, $".{Path.GetFileName(path)}.new.{Environment.ProcessId}.{Guid.NewGuid():N}");
        SafeFile.WriteAllText(temp, secret + "\n", SafeFile.Secret);
        try
        {
            // No overwrite: if another process created the file meanwhile, its secret wins and ours is dropped.
            File.Move(temp, path, overwrite: false);
            SafeFile.SyncDirectory(directory);
        }
        catch (IOException) when (File.Exists(path))
        {
            File.Delete(temp);
        }
    }
}
