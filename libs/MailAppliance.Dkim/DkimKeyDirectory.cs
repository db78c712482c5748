using MailAppliance.Core;

namespace MailAppliance.Dkim;

/// <summary>
/// A domain's DKIM keys on disk: <c>config/domains/&lt;domain&gt;/dkim/&lt;selector&gt;.pem</c> (DESIGN.md §2).
/// Every key present signs; rotating is adding a selector, publishing it, then removing the old one.
/// </summary>
public static class DkimKeyDirectory
{
    /// <summary>The name of the keys' directory inside a domain's directory.</summary>
    public const string DirectoryName = "dkim";

    /// <summary>The extension of a key file.</summary>
    public const string Extension = ".pem";

    /// <summary>The keys' directory of a domain.</summary>
    public static string For(ApplianceDirectories directories, string domain) =>
        Path.Combine(directories.Domain(domain), DirectoryName);

    /// <summary>The file of one selector's key.</summary>
    public static string KeyFile(string keyDirectory, string selector) => Path.Combine(keyDirectory, selector + Extension);

    /// <summary>
    /// Loads every key of a domain, sorted by selector. A missing directory means no keys (the domain does not sign).
    /// </summary>
    /// <exception cref="ConfigurationFileException">A key file is broken; the message names it.</exception>
    public static IReadOnlyList<DkimSigningKey> Load(string keyDirectory, string domain)
    {
        if (!Directory.Exists(keyDirectory))
        {
            return [];
        }

        var keys = new List<DkimSigningKey>();
        try
        {
            foreach (string file in Directory.EnumerateFiles(keyDirectory, "*" + Extension).Order(StringComparer.Ordinal))
            {
                keys.Add(LoadFile(file, domain));
            }
        }
        catch
        {
            keys.ForEach(k => k.Dispose());
            throw;
        }

        return keys;
    }

    /// <summary>Loads one key file; the selector is the file name without <c>.pem</c>.</summary>
    /// <exception cref="ConfigurationFileException">The file cannot be read or is not a usable key; the message names it.</exception>
    public static DkimSigningKey LoadFile(string path, string domain)
    {
        string selector = Path.GetFileNameWithoutExtension(path);
        if (!DkimNames.IsSelector(selector))
        {
            throw new ConfigurationFileException(path, 0,
                $"'{selector}' is not a valid DKIM selector (letters, digits, '-', '_', dot-separated labels)");
        }

        string pem;
        try
        {
            pem = File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ConfigurationFileException(path, 0, $"cannot read the DKIM key: {e.Message}", e);
        }

        try
        {
            return new DkimSigningKey(domain, selector, DkimPrivateKey.FromPem(pem));
        }
        catch (DkimFormatException e)
        {
            throw new ConfigurationFileException(path, 0, $"not a usable DKIM private key: {e.Message}", e);
        }
    }
}
