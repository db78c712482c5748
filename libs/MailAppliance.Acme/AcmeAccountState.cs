using System.Text.Json;
using MailAppliance.Core;

namespace MailAppliance.Acme;

/// <summary>
/// The registered account per directory (<c>state/acme/account.json</c>) next to its key
/// (<c>state/acme/account-key.pem</c>, 0600), so that the account is reused rather than created per run.
/// </summary>
public sealed record AcmeAccountState(string DirectoryUrl, string AccountUrl)
{
    /// <summary>The key file name in state/acme.</summary>
    public const string KeyFileName = "account-key.pem";

    /// <summary>The account file name in state/acme.</summary>
    public const string FileName = "account.json";

    /// <summary>Reads the saved account for <paramref name="directoryUrl"/>, if any.</summary>
    public static AcmeAccountState? Load(string acmeDirectory, Uri directoryUrl)
    {
        string path = Path.Combine(acmeDirectory, FileName);
        try
        {
            var state = File.Exists(path) ? JsonSerializer.Deserialize<AcmeAccountState>(File.ReadAllText(path)) : null;
            return state?.DirectoryUrl == directoryUrl.AbsoluteUri ? state : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>Writes the account atomically.</summary>
    public void Save(string acmeDirectory) =>
        SafeFile.WriteAllText(Path.Combine(acmeDirectory, FileName), JsonSerializer.Serialize(this) + "\n");
}
