using System.Text.Json;
using System.Text.RegularExpressions;
using MailAppliance.Dkim;

namespace MailAppliance.Tests.Dkim;

/// <summary>
/// Our verifier against other implementations' expectations: the 16 vectors of <c>conformance/dkim/vectors</c>
/// (RFC 8463, RFC 6376, dkimpy, mox, OpenDKIM) and chasquid's DKIM test cases, each case its own test.
/// fail and permerror count as one class, as <c>verify_vectors.py</c> compares them.
/// </summary>
public sealed class DkimConformanceTests
{
    // The vectors carry t= from 2003-2024 and no x=; a fixed clock keeps them independent of today.
    private static readonly DkimVerifierOptions Options = new();

    public static TheoryData<string> Vectors() => Names(() =>
        JsonDocument.Parse(File.ReadAllText(DkimConformanceData.PathOf("vectors", "manifest.json")))
            .RootElement.EnumerateArray().Select(v => v.GetProperty("name").GetString()!));

    public static TheoryData<string> ChasquidCases() => Names(() =>
        Directory.EnumerateFiles(DkimConformanceData.PathOf("chasquid-dkim-testdata"), "*.msg")
            .Select(p => Path.GetFileNameWithoutExtension(p)).Order(StringComparer.Ordinal));

    [ConformanceTheory]
    [MemberData(nameof(Vectors))]
    public async Task Vector(string name)
    {
        var vector = JsonDocument.Parse(File.ReadAllText(DkimConformanceData.PathOf("vectors", "manifest.json")))
            .RootElement.EnumerateArray().Single(v => v.GetProperty("name").GetString() == name);
        byte[] message = File.ReadAllBytes(DkimConformanceData.PathOf("vectors", vector.GetProperty("message").GetString()!));
        var locator = new StaticDkimKeyLocator();
        var zone = JsonDocument.Parse(File.ReadAllText(DkimConformanceData.PathOf("vectors", vector.GetProperty("zone").GetString()!)));
        foreach (var record in zone.RootElement.EnumerateObject())
        {
            locator.AddName(record.Name, record.Value.GetString()!);
        }

        string[] expected = vector.GetProperty("expect").EnumerateArray().Select(e => e.GetString()!).ToArray();
        var results = await new DkimVerifier(locator, Options).VerifyMessageAsync(message);
        string[] ours = results.Count == 0 ? ["none"] : results.Select(r => r.Result.Keyword()).ToArray();

        Assert.True(expected.Select(Class).SequenceEqual(ours.Select(Class)),
            $"{name}: expected {string.Join(',', expected)}, ours {string.Join(',', ours)}: {string.Join("; ", results)}");
    }

    [ConformanceTheory]
    [MemberData(nameof(ChasquidCases))]
    public async Task Chasquid(string name)
    {
        string directory = DkimConformanceData.PathOf("chasquid-dkim-testdata");
        byte[] message = DkimConformanceData.ToCrlf(ReadIndirect(directory, name + ".msg"));
        var locator = ChasquidLocator(directory, name);
        var verifier = new DkimVerifier(locator, Options);

        string error = File.Exists(Path.Combine(directory, name + ".error"))
            ? System.Text.Encoding.UTF8.GetString(ReadIndirect(directory, name + ".error")).Trim()
            : "<nil>";
        if (error != "<nil>")
        {
            // chasquid refuses to parse the message at all (e.g. "invalid header: bad continuation").
            await Assert.ThrowsAsync<DkimFormatException>(() => verifier.VerifyMessageAsync(message));
            return;
        }

        using var result = JsonDocument.Parse(ReadIndirect(directory, name + ".result"));
        string[] expected = result.RootElement.GetProperty("Results").EnumerateArray()
            .Select(r => r.GetProperty("State").GetString() switch
            {
                "SUCCESS" => "pass",
                "TEMPFAIL" => "temperror",
                _ => "fail",
            }).ToArray();
        var ours = await verifier.VerifyMessageAsync(message);

        Assert.True(expected.SequenceEqual(ours.Select(r => Class(r.Result.Keyword()))),
            $"{name}: expected {string.Join(',', expected)}, ours {string.Join("; ", ours)}");
    }

    private static StaticDkimKeyLocator ChasquidLocator(string directory, string name)
    {
        // .dns: "name: TXT" with "\" continuations; TEMPERROR/PERMERROR stand for DNS failures; a name may repeat.
        var locator = new StaticDkimKeyLocator();
        if (!File.Exists(Path.Combine(directory, name + ".dns")))
        {
            return locator;
        }

        string text = System.Text.Encoding.UTF8.GetString(ReadIndirect(directory, name + ".dns")).Replace("\\\n", " ", StringComparison.Ordinal);
        foreach (string line in text.Split('\n').Where(l => l.Contains(':', StringComparison.Ordinal)))
        {
            int colon = line.IndexOf(':', StringComparison.Ordinal);
            string recordName = line[..colon].Trim();
            string value = Regex.Replace(line[(colon + 1)..], @"\s+", " ").Trim();
            _ = value switch
            {
                "TEMPERROR" => locator.Fail(recordName, temporary: true),
                "PERMERROR" => locator.Fail(recordName, temporary: false),
                _ => locator.AddName(recordName, value),
            };
        }

        return locator;
    }

    /// <summary>A chasquid test file whose whole content is another file's name holds that file's data.</summary>
    private static byte[] ReadIndirect(string directory, string file)
    {
        byte[] data = File.ReadAllBytes(Path.Combine(directory, file));
        string token = System.Text.Encoding.UTF8.GetString(data).Trim();
        return Regex.IsMatch(token, @"^[\w.-]+\.(msg|dns|result|error)$") ? ReadIndirect(directory, token) : data;
    }

    private static string Class(string result) => result is "permerror" or "policy" ? "fail" : result;

    private static TheoryData<string> Names(Func<IEnumerable<string>> names)
    {
        // Without the data the theory is skipped; it still needs one row to exist.
        var data = new TheoryData<string>();
        foreach (string name in DkimConformanceData.Present ? names() : ["(conformance data absent)"])
        {
            data.Add(name);
        }

        return data;
    }
}
