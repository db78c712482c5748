using System.Security.Cryptography;
using System.Text;
using MailAppliance.Dkim;

namespace MailAppliance.IntegrationTests.Dkim;

/// <summary>
/// Our signatures checked by independent verifiers (dkimpy, opendkim-testmsg), and theirs by ours: the proof that
/// the DKIM-Signature we prepend is accepted by real receivers (DESIGN.md §5).
/// </summary>
public sealed class DkimInteropTests : IDisposable
{
    private const string Domain = "example.com";

    private static readonly Lazy<DkimPrivateKey> RsaKey = new(() => DkimKeyGenerator.Generate(DkimKeyType.Rsa));
    private static readonly Lazy<DkimPrivateKey> Ed25519Key = new(() => DkimKeyGenerator.Generate(DkimKeyType.Ed25519));

    private readonly string directory = Directory.CreateTempSubdirectory("mailappliance-dkim-interop-").FullName;

    public static TheoryData<string> Messages() => DkimTestMessages.Names();

    public void Dispose() => Directory.Delete(directory, recursive: true);

    [Theory]
    [MemberData(nameof(Messages))]
    public async Task Dkimpy_verifies_our_rsa_and_ed25519_signatures(string name)
    {
        var (message, zone) = SignBoth(name, DkimCanonicalization.RelaxedRelaxed);

        var result = await DkimVerifierTools.DkimpyVerifyAsync(message, zone);
        Assert.True(result.ExitCode == 0 && result.StdOut.Trim() == "pass pass", result.ToString());
    }

    [Theory]
    [MemberData(nameof(Messages))]
    public async Task Dkimpy_verifies_our_simple_simple_signatures(string name)
    {
        var (message, zone) = SignBoth(name + "-simple", DkimCanonicalization.SimpleSimple, DkimTestMessages.Get(name));

        var result = await DkimVerifierTools.DkimpyVerifyAsync(message, zone);
        Assert.True(result.ExitCode == 0 && result.StdOut.Trim() == "pass pass", result.ToString());
    }

    [Theory]
    [MemberData(nameof(Messages))]
    public async Task Opendkim_verifies_our_rsa_and_ed25519_signatures(string name)
    {
        var (message, zone) = SignBoth(name, DkimCanonicalization.RelaxedRelaxed);

        var result = await DkimVerifierTools.OpenDkimVerifyAsync(message, zone);
        Assert.True(result.ExitCode == 0 && result.StdOut.Trim() == "rc=0", result.ToString());
    }

    [Theory]
    [InlineData("plain")]
    [InlineData("utf8-8bit")]
    public async Task Opendkim_verifies_our_simple_simple_rsa_signature(string name)
    {
        var key = new DkimSigningKey(Domain, "simple", RsaKey.Value);
        var signer = new DkimSigner([key], new DkimSignerOptions { Canonicalization = DkimCanonicalization.SimpleSimple });
        byte[] message = DkimTestMessages.Get(name);
        var (path, zone) = DkimVerifierTools.Write(directory, name, [.. signer.SignMessage(message), .. message], Zone(key));

        var result = await DkimVerifierTools.OpenDkimVerifyAsync(path, zone);
        Assert.True(result.ExitCode == 0, result.ToString());
    }

    [Fact]
    public async Task Both_verifiers_reject_a_message_changed_after_signing()
    {
        var (path, zone) = SignBoth("plain", DkimCanonicalization.RelaxedRelaxed);
        File.WriteAllBytes(path, Encoding.UTF8.GetBytes(File.ReadAllText(path).Replace("noon", "one", StringComparison.Ordinal)));

        // dkimpy reports the body hash mismatch as an error (permerror here), not a plain fail.
        var dkimpy = await DkimVerifierTools.DkimpyVerifyAsync(path, zone);
        Assert.NotEqual(0, dkimpy.ExitCode);
        Assert.Equal(2, dkimpy.StdOut.Split(' ', StringSplitOptions.TrimEntries).Count(w => w is "fail" or "permerror"));
        var opendkim = await DkimVerifierTools.OpenDkimVerifyAsync(path, zone);
        Assert.NotEqual(0, opendkim.ExitCode);
    }

    [Theory]
    [InlineData("rsa", "relaxed")]
    [InlineData("rsa", "simple")]
    [InlineData("ed25519", "relaxed")]
    [InlineData("ed25519", "simple")]
    public async Task Our_verifier_accepts_dkimpy_signatures(string algorithm, string canonicalization)
    {
        // dkimpy reads PKCS#1 RSA PEM and, for Ed25519, the base64 seed.
        string keyFile = Path.Combine(directory, "dkimpy.key");
        string record;
        if (algorithm == "rsa")
        {
            using var rsa = RSA.Create(2048);
            File.WriteAllText(keyFile, rsa.ExportRSAPrivateKeyPem());
            record = "v=DKIM1; k=rsa; p=" + Convert.ToBase64String(rsa.ExportSubjectPublicKeyInfo());
        }
        else
        {
            byte[] seed = RandomNumberGenerator.GetBytes(32);
            File.WriteAllText(keyFile, Convert.ToBase64String(seed));
            using var key = DkimPrivateKey.FromEd25519Seed(seed);
            record = DkimKeyRecord.For(key).ToString();
        }

        foreach (string name in DkimTestMessages.NameList)
        {
            string unsigned = Path.Combine(directory, name + ".eml");
            File.WriteAllBytes(unsigned, DkimTestMessages.Get(name));
            byte[] signed = await DkimVerifierTools.DkimpySignAsync(unsigned, "py", Domain, keyFile, algorithm, canonicalization);

            var locator = new StaticDkimKeyLocator().Add("py", Domain, record);
            var result = Assert.Single(await new DkimVerifier(locator).VerifyMessageAsync(signed));
            Assert.True(result.Result == DkimResult.Pass, $"{name}: {result}");
        }
    }

    [Fact]
    public async Task Our_verifier_refuses_the_rsa_sha1_signature_opendkim_testmsg_makes()
    {
        // opendkim-testmsg signs with its library default, rsa-sha1, which RFC 8301 §3.1 forbids verifying with.
        string keyFile = Path.Combine(directory, "opendkim.pem");
        File.WriteAllText(keyFile, RsaKey.Value.ExportPkcs8Pem());
        string unsigned = Path.Combine(directory, "plain.eml");
        File.WriteAllBytes(unsigned, DkimTestMessages.Get("plain"));
        byte[] signed = await DkimVerifierTools.OpenDkimSignAsync(unsigned, "od", Domain, keyFile);

        var locator = new StaticDkimKeyLocator().Add("od", Domain, DkimKeyRecord.For(RsaKey.Value).ToString());
        var result = Assert.Single(await new DkimVerifier(locator).VerifyMessageAsync(signed));
        Assert.Equal("rsa-sha1", result.Signature!.AlgorithmName);
        Assert.Equal(DkimResult.PermError, result.Result);
        Assert.Contains("RFC 8301", result.Reason, StringComparison.Ordinal);
    }

    /// <summary>Signs a message with an Ed25519 and an RSA key; writes it and the key records.</summary>
    private (string Message, string Zone) SignBoth(string name, DkimCanonicalization canonicalization, byte[]? message = null)
    {
        message ??= DkimTestMessages.Get(name);
        var ed = new DkimSigningKey(Domain, "ed", Ed25519Key.Value);
        var rsa = new DkimSigningKey(Domain, "rsa", RsaKey.Value);
        var signer = new DkimSigner([ed, rsa], new DkimSignerOptions { Canonicalization = canonicalization });
        byte[] signed = [.. signer.SignMessage(message), .. message];
        return DkimVerifierTools.Write(directory, name, signed, Zone(ed, rsa));
    }

    private static Dictionary<string, string> Zone(params DkimSigningKey[] keys) =>
        keys.ToDictionary(k => DkimNames.KeyName(k.Selector, k.Domain), k => k.Record().ToString());
}
