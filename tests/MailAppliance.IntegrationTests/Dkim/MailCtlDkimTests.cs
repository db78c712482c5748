using System.Text.RegularExpressions;
using MailAppliance.Core;
using MailAppliance.Dkim;
using MailAppliance.IntegrationTests.MailCtl;

namespace MailAppliance.IntegrationTests.Dkim;

/// <summary>
/// <c>mailctl dkim ...</c> run as the real program; the record it prints is checked by dkimpy against mail signed
/// with the key it wrote, so what the operator publishes is what verifiers need.
/// </summary>
public sealed class MailCtlDkimTests : IDisposable
{
    private readonly MailCtlFixture mailctl = new();

    public void Dispose() => mailctl.Dispose();

    private string KeyDirectory => Path.Combine(mailctl.Config, "domains", "example.com", "dkim");

    [Theory]
    [InlineData("rsa", "k=rsa")]
    [InlineData("ed25519", "k=ed25519")]
    public async Task Keygen_writes_a_private_key_and_prints_the_record_that_verifies_its_signatures(string algorithm, string keyTag)
    {
        var result = await Succeeds("dkim", "keygen", "Example.COM", "--selector", "s1", "--algorithm", algorithm);

        string path = Path.Combine(KeyDirectory, "s1.pem");
        Assert.Equal($"; wrote {path} ({(algorithm == "rsa" ? "rsa-sha256, 2048" : "ed25519-sha256, 256")} bits); publish this record in the example.com zone:", result.Lines[0]);
        Assert.StartsWith($"s1._domainkey.example.com. IN TXT ( \"v=DKIM1; {keyTag}; \" \"p=", result.Lines[1], StringComparison.Ordinal);
        Assert.Equal(SafeFile.Secret, File.GetUnixFileMode(path));

        // Sign with the key file as the relay will load it; verify with dkimpy given the printed record.
        var key = Assert.Single(DkimKeyDirectory.Load(KeyDirectory, "example.com"));
        byte[] message = DkimTestMessages.Get("utf8-8bit");
        byte[] signed = [.. new DkimSigner([key]).SignMessage(message), .. message];
        var (messagePath, zone) = DkimVerifierTools.Write(mailctl.Root, "mailctl", signed,
            new Dictionary<string, string> { ["s1._domainkey.example.com"] = RecordFromZoneLine(result.Lines[1]) });
        var dkimpy = await DkimVerifierTools.DkimpyVerifyAsync(messagePath, zone);
        Assert.True(dkimpy.StdOut.Trim() == "pass", dkimpy.ToString());
        key.Dispose();
    }

    [Fact]
    public async Task The_default_selector_is_the_date_and_the_key_type()
    {
        string today = DateTime.UtcNow.ToString("yyyyMMdd", System.Globalization.CultureInfo.InvariantCulture);
        var rsa = await Succeeds("dkim", "keygen", "example.com");
        var ed = await Succeeds("dkim", "keygen", "example.com", "--algorithm", "ed25519");

        Assert.StartsWith($"{today}r._domainkey.example.com. IN TXT", rsa.Lines[1], StringComparison.Ordinal);
        Assert.StartsWith($"{today}e._domainkey.example.com. IN TXT", ed.Lines[1], StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_existing_selector_is_refused_and_left_alone()
    {
        await Succeeds("dkim", "keygen", "example.com", "--selector", "s1", "--algorithm", "ed25519");
        string before = File.ReadAllText(Path.Combine(KeyDirectory, "s1.pem"));

        var again = await mailctl.RunAsync(["dkim", "keygen", "example.com", "--selector", "s1"]);

        Assert.Equal(1, again.ExitCode);
        Assert.Contains("already has a key", again.StdErr, StringComparison.Ordinal);
        Assert.Equal(before, File.ReadAllText(Path.Combine(KeyDirectory, "s1.pem")));
    }

    [Fact]
    public async Task List_shows_every_selector_with_its_algorithm_and_record()
    {
        var rsa = await Succeeds("dkim", "keygen", "example.com", "--selector", "a", "--bits", "3072");
        var ed = await Succeeds("dkim", "keygen", "example.com", "--selector", "b", "--algorithm", "ed25519");

        var list = await Succeeds("dkim", "list", "example.com");

        Assert.Equal(
            [
                $"; a: rsa-sha256, 3072 bits, {Path.Combine(KeyDirectory, "a.pem")}", rsa.Lines[1],
                $"; b: ed25519-sha256, 256 bits, {Path.Combine(KeyDirectory, "b.pem")}", ed.Lines[1],
            ],
            list.Lines);
        // A 3072-bit key's p= needs two TXT strings of at most 255 octets.
        Assert.All(Regex.Matches(rsa.Lines[1], "\"([^\"]*)\"").Select(m => m.Groups[1].Value), s => Assert.InRange(s.Length, 1, 255));
        Assert.StartsWith("; no DKIM keys for other.example", (await Succeeds("dkim", "list", "other.example")).StdOut, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_broken_key_file_is_an_error_naming_the_file()
    {
        await Succeeds("dkim", "keygen", "example.com", "--selector", "good", "--algorithm", "ed25519");
        string broken = Path.Combine(KeyDirectory, "broken.pem");
        File.WriteAllText(broken, "-----BEGIN PRIVATE KEY-----\nnot a key\n-----END PRIVATE KEY-----\n");

        var list = await mailctl.RunAsync(["dkim", "list", "example.com"]);

        Assert.Equal(1, list.ExitCode);
        Assert.StartsWith($"mailctl: {broken}: ", list.StdErr, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("dkim", "keygen", "example.com", "--algorithm", "dsa")]
    [InlineData("dkim", "keygen", "example.com", "--bits", "512")]
    [InlineData("dkim", "keygen", "example.com", "--algorithm", "ed25519", "--bits", "2048")]
    [InlineData("dkim", "keygen", "example.com", "--selector", "no/slash")]
    [InlineData("dkim", "keygen", "not a domain")]
    [InlineData("dkim", "list")]
    public async Task Wrong_command_lines_exit_2(params string[] arguments)
    {
        var result = await mailctl.RunAsync(arguments);

        Assert.True(result.ExitCode == 2, result.ToString());
        Assert.False(Directory.Exists(KeyDirectory) && Directory.EnumerateFiles(KeyDirectory).Any());
    }

    /// <summary>The TXT value a zone-file line publishes: its quoted strings joined (RFC 6376 §3.6.2.2).</summary>
    private static string RecordFromZoneLine(string line) =>
        string.Concat(Regex.Matches(line, "\"([^\"]*)\"").Select(m => m.Groups[1].Value));

    private async Task<MailCtlResult> Succeeds(params string[] arguments)
    {
        var result = await mailctl.RunAsync(arguments);
        Assert.True(result.ExitCode == 0, result.ToString());
        return result;
    }
}
