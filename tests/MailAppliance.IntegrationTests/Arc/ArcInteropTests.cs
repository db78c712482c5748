using System.Text;
using System.Text.Json;
using MailAppliance.Arc;
using MailAppliance.Dkim;
using MailAppliance.IntegrationTests.Infrastructure;

namespace MailAppliance.IntegrationTests.Arc;

/// <summary>
/// Our ARC sets checked by dkimpy (python3-dkim's arc_verify), and dkimpy's (arc_sign) by our verifier, mixed
/// chains included: the proof that a receiver running dkimpy's ARC code accepts what the forwarder seals.
/// </summary>
public sealed class ArcInteropTests : IDisposable
{
    private const string Python = "/usr/bin/python3";

    private const string Message =
        "Received: from mail.origin.test by mx.origin.test; Fri, 27 Nov 2026 12:00:00 +0000\r\n" +
        "From: Alice <alice@origin.test>\r\n" +
        "To: bob@forwarder.test\r\n" +
        "Subject: ARC interop\r\n" +
        "Date: Fri, 27 Nov 2026 12:00:00 +0000\r\n" +
        "Message-ID: <arc-interop@origin.test>\r\n" +
        "MIME-Version: 1.0\r\n" +
        "Content-Type: text/plain; charset=utf-8\r\n" +
        "\r\n" +
        "Hello Bob,\r\n\r\nthis message goes through  two forwarders.   \r\n\r\n\r\n";

    private static readonly Lazy<DkimPrivateKey> RsaKey = new(() => DkimKeyGenerator.Generate(DkimKeyType.Rsa));

    private readonly string directory = Directory.CreateTempSubdirectory("mailappliance-arc-interop-").FullName;

    public void Dispose() => Directory.Delete(directory, recursive: true);

    [Fact]
    public async Task Dkimpy_validates_our_first_seal()
    {
        // RSA: dkimpy's ARC code knows no ed25519-sha256 (ArcSealer.PreferredKey picks RSA for that reason).
        var key = Key("arc", "forwarder.test");
        var sealer = new ArcSealer(key);
        var verifier = new ArcVerifier(Locator(key));
        byte[] message = Encoding.UTF8.GetBytes(Message);

        var result = await sealer.SealMessageAsync(message, "mx.forwarder.test", "spf=pass smtp.mailfrom=origin.test; dkim=none", verifier);

        var dkimpy = await VerifyAsync("sealed", [.. result.Fields, .. message], key);
        Assert.True(dkimpy.ExitCode == 0 && dkimpy.StdOut.StartsWith("pass", StringComparison.Ordinal), dkimpy.ToString());
    }

    [Fact]
    public async Task Dkimpy_fails_our_seal_once_the_body_changes()
    {
        var key = Key("arc", "forwarder.test");
        byte[] message = Encoding.UTF8.GetBytes(Message);
        var result = await new ArcSealer(key).SealMessageAsync(message, "mx.forwarder.test", "spf=pass", new ArcVerifier(Locator(key)));
        byte[] changed = Encoding.UTF8.GetBytes(Message.Replace("Hello Bob", "Hello Eve", StringComparison.Ordinal));

        var dkimpy = await VerifyAsync("changed", [.. result.Fields, .. changed], key);

        Assert.True(dkimpy.ExitCode != 0 && dkimpy.StdOut.StartsWith("fail", StringComparison.Ordinal), dkimpy.ToString());
    }

    [Fact]
    public async Task We_validate_a_chain_dkimpy_sealed_twice()
    {
        var first = Key("hop1", "first.test");
        var second = Key("hop2", "second.test");
        byte[] hop1 = await DkimpySignAsync("dk1", WithResults("mx.first.test", "arc=none; spf=pass smtp.mailfrom=origin.test", Encoding.UTF8.GetBytes(Message)), first, "mx.first.test");
        byte[] hop2 = await DkimpySignAsync("dk2", WithResults("mx.second.test", "arc=pass", hop1), second, "mx.second.test");

        var result = await new ArcVerifier(Locator(first, second)).VerifyMessageAsync(hop2);

        Assert.True(result.Status == ArcChainStatus.Pass, result.ToString());
        Assert.Equal(2, result.Instance);
        Assert.Equal(0, result.OldestPass);
        Assert.Equal(["first.test", "second.test"], result.Chain.Sets.Select(s => s.Seal.Domain));
    }

    [Fact]
    public async Task A_mixed_chain_validates_on_both_sides()
    {
        // dkimpy seals i=1, we validate and seal i=2 (cv=pass), dkimpy validates and seals i=3, we validate it all.
        var first = Key("hop1", "first.test");
        var ours = Key("arc", "forwarder.test");
        var third = Key("hop3", "third.test");
        var verifier = new ArcVerifier(Locator(first, ours, third));
        byte[] hop1 = await DkimpySignAsync("mx1", WithResults("mx.first.test", "arc=none; spf=pass smtp.mailfrom=origin.test", Encoding.UTF8.GetBytes(Message)), first, "mx.first.test");

        var arrival = await verifier.VerifyMessageAsync(hop1);
        Assert.True(arrival.Status == ArcChainStatus.Pass, arrival.ToString());
        var sealed_ = new ArcSealer(ours).SealMessage(hop1, "mx.forwarder.test", "spf=pass smtp.mailfrom=first.test", arrival);
        Assert.Equal((2, ArcChainStatus.Pass), (sealed_.Instance, sealed_.ChainStatus));
        byte[] hop2 = [.. sealed_.Fields, .. hop1];

        var dkimpy = await VerifyAsync("mx2", hop2, first, ours);
        Assert.True(dkimpy.ExitCode == 0 && dkimpy.StdOut.StartsWith("pass", StringComparison.Ordinal), dkimpy.ToString());

        byte[] hop3 = await DkimpySignAsync("mx3", WithResults("mx.third.test", "arc=pass", hop2), third, "mx.third.test");
        var final = await verifier.VerifyMessageAsync(hop3);
        Assert.True(final.Status == ArcChainStatus.Pass, final.ToString());
        Assert.Equal(3, final.Instance);
    }

    private static DkimSigningKey Key(string selector, string domain) => new(domain, selector, RsaKey.Value);

    private static StaticDkimKeyLocator Locator(params DkimSigningKey[] keys)
    {
        var locator = new StaticDkimKeyLocator();
        foreach (var key in keys)
        {
            locator.Add(key.Selector, key.Domain, key.Record().ToString());
        }

        return locator;
    }

    private static byte[] WithResults(string authServId, string results, byte[] message) =>
        [.. Encoding.ASCII.GetBytes($"Authentication-Results: {authServId}; {results}\r\n"), .. message];

    private static string Script => Path.Combine(Repo.Root, "tests", "MailAppliance.IntegrationTests", "Arc", "dkimpy_arc.py");

    private async Task<(int ExitCode, string StdOut, string StdErr)> VerifyAsync(string name, byte[] message, params DkimSigningKey[] keys)
    {
        string messagePath = Path.Combine(directory, name + ".eml");
        string zonePath = Path.Combine(directory, name + ".zone.json");
        await File.WriteAllBytesAsync(messagePath, message);
        await File.WriteAllTextAsync(zonePath, JsonSerializer.Serialize(keys.ToDictionary(k => DkimNames.KeyName(k.Selector, k.Domain), k => k.Record().ToString())));
        return await Repo.RunAsync(Python, [Script, "verify", messagePath, zonePath]);
    }

    private async Task<byte[]> DkimpySignAsync(string name, byte[] message, DkimSigningKey key, string authServId)
    {
        string messagePath = Path.Combine(directory, name + ".eml");
        string keyPath = Path.Combine(directory, name + ".pem");
        string output = messagePath + ".sealed";
        await File.WriteAllBytesAsync(messagePath, message);
        await File.WriteAllTextAsync(keyPath, key.PrivateKey.ExportPkcs8Pem());
        var (exitCode, _, stderr) = await Repo.RunAsync("/bin/sh",
            ["-c", "\"$0\" \"$1\" sign \"$2\" \"$3\" \"$4\" \"$5\" \"$6\" \"$7\" > \"$8\"", Python, Script, messagePath, key.Selector, key.Domain, keyPath, authServId, key.Algorithm.TagValue(), output]);
        Assert.True(exitCode == 0, "dkimpy arc_sign failed: " + stderr);
        return await File.ReadAllBytesAsync(output);
    }
}
