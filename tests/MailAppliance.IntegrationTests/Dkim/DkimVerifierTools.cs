using System.Text.Json;
using MailAppliance.IntegrationTests.Infrastructure;

namespace MailAppliance.IntegrationTests.Dkim;

/// <summary>
/// The independent DKIM implementations Debian ships, run as real programs: dkimpy (python3-dkim, behind
/// dkimverify/dkimsign) and opendkim-testmsg (opendkim-tools). Keys reach them from a zone file, never from DNS.
/// </summary>
internal static class DkimVerifierTools
{
    // Debian's interpreter: the dkim module is a Debian package, not in any other Python on PATH.
    private const string Python = "/usr/bin/python3";

    private static string Script(string name) => Path.Combine(Repo.Root, "tests", "MailAppliance.IntegrationTests", "Dkim", name);

    /// <summary>Writes a message and its key records ({"sel._domainkey.dom": "TXT"}) into a directory.</summary>
    public static (string Message, string Zone) Write(string directory, string name, byte[] message, IReadOnlyDictionary<string, string> zone)
    {
        string messagePath = Path.Combine(directory, name + ".eml");
        string zonePath = Path.Combine(directory, name + ".zone.json");
        File.WriteAllBytes(messagePath, message);
        File.WriteAllText(zonePath, JsonSerializer.Serialize(zone));
        return (messagePath, zonePath);
    }

    /// <summary>dkimpy: one word per signature (pass, fail, permerror), top down.</summary>
    public static async Task<ToolResult> DkimpyVerifyAsync(string message, string zone)
    {
        var (exitCode, stdout, stderr) = await Repo.RunAsync(Python, [Script("dkimpy_verify.py"), message, zone]);
        return new ToolResult("dkimpy", exitCode, stdout, stderr);
    }

    /// <summary>opendkim-testmsg under a private DNS (namespaces): exit 0 when every signature verifies.</summary>
    public static async Task<ToolResult> OpenDkimVerifyAsync(string message, string zone)
    {
        var (exitCode, stdout, stderr) = await Repo.RunAsync(Python, [Script("opendkim_verify.py"), message, zone], timeout: TimeSpan.FromSeconds(90));
        return new ToolResult("opendkim-testmsg", exitCode, stdout, stderr);
    }

    /// <summary>dkimpy signs: returns the signed message.</summary>
    public static async Task<byte[]> DkimpySignAsync(string message, string selector, string domain, string keyFile, string algorithm, string canonicalization)
    {
        string output = message + ".dkimpy-signed";
        var (exitCode, _, stderr) = await Repo.RunAsync("/bin/sh",
            ["-c", $"\"$0\" \"$1\" \"$2\" \"$3\" \"$4\" \"$5\" \"$6\" \"$7\" > \"$8\"", Python, Script("dkimpy_sign.py"), message, selector, domain, keyFile, algorithm, canonicalization, output]);
        Assert.True(exitCode == 0, "dkimpy_sign.py failed: " + stderr);
        return File.ReadAllBytes(output);
    }

    /// <summary>opendkim-testmsg signs (it signs with rsa-sha1, its library default): returns the signed message.</summary>
    public static async Task<byte[]> OpenDkimSignAsync(string message, string selector, string domain, string keyFile)
    {
        string output = message + ".opendkim-signed";
        var (exitCode, _, stderr) = await Repo.RunAsync("/bin/sh",
            ["-c", "opendkim-testmsg -C -d \"$1\" -s \"$2\" -k \"$3\" < \"$4\" > \"$5\"", "sh", domain, selector, keyFile, message, output]);
        Assert.True(exitCode == 0, "opendkim-testmsg failed: " + stderr);
        return File.ReadAllBytes(output);
    }
}
