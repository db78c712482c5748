using System.Text.Json;
using MailAppliance.Dkim;
using MailAppliance.Dmarc;
using MailAppliance.Dns;
using MailAppliance.Spf;

namespace MailAppliance.Tests.Dmarc;

/// <summary>
/// The DMARC evaluation and lookup cases of <c>../shared/conformance/dmarc/dmarc-eval-cases.json</c> (transcribed
/// from mox's tests), each its own row, against the real Public Suffix List from Debian's publicsuffix package.
/// </summary>
public sealed class DmarcConformanceTests
{
    private static readonly Lazy<JsonElement?> Cases = new(() =>
    {
        string? path = ConformancePath("dmarc", "dmarc-eval-cases.json");
        return path is null ? null : JsonDocument.Parse(File.ReadAllText(path)).RootElement.Clone();
    });

    public static TheoryData<string> EvaluationIds()
    {
        var data = new TheoryData<string>();
        foreach (string id in Cases.Value is { } root ? root.GetProperty("cases").EnumerateArray().Select(c => c.GetProperty("id").GetString()!) : ["(absent)"])
        {
            data.Add(id);
        }

        return data;
    }

    public static TheoryData<string> LookupDomains()
    {
        var data = new TheoryData<string>();
        foreach (string id in Cases.Value is { } root ? root.GetProperty("lookup_cases").EnumerateArray().Select(c => c.GetProperty("from_domain").GetString()!) : ["(absent)"])
        {
            data.Add(id);
        }

        return data;
    }

    [DmarcDataTheory]
    [MemberData(nameof(EvaluationIds))]
    public async Task EvaluationCase(string id)
    {
        var root = Cases.Value!.Value;
        var test = root.GetProperty("cases").EnumerateArray().Single(c => c.GetProperty("id").GetString() == id);
        var dns = new FakeDnsResolver();
        foreach (var txt in root.GetProperty("dns_txt").EnumerateObject())
        {
            dns.AddTxt(txt.Name, txt.Value.GetString()!);
        }

        foreach (var failure in root.GetProperty("dns_tempfail").EnumerateArray())
        {
            dns.Fail(failure.GetString()!.Split(' ')[1], DnsQueryType.Txt);
        }

        var spfCase = test.GetProperty("spf");
        var spf = new DmarcSpfIdentifier(spfCase.GetProperty("domain").GetString(), ParseSpf(spfCase.GetProperty("status").GetString()!));
        var dkim = test.GetProperty("dkim").EnumerateArray()
            .Select(d => new DmarcDkimIdentifier(d.GetProperty("d").GetString()!, ParseDkim(d.GetProperty("status").GetString()!)))
            .ToList();
        // pct=0 must sample every message out, whatever the draw; the highest draw proves it.
        var evaluator = new DmarcEvaluator(dns, TestPublicSuffixList.Debian, () => 99);

        var check = await evaluator.EvaluateAsync(test.GetProperty("from_domain").GetString()!, spf, dkim);

        var expect = test.GetProperty("expect");
        Assert.Equal(expect.GetProperty("dmarc").GetString(), check.Result.Keyword());
        Assert.Equal(expect.GetProperty("spf_aligned").GetBoolean(), check.SpfAligned);
        Assert.Equal(expect.GetProperty("dkim_aligned").GetBoolean(), check.DkimAligned);
        Assert.Equal(expect.GetProperty("policy_domain").GetString(), check.PolicyDomain);
        // mox's "reject": the message failed and the published policy is not none (sampling aside).
        Assert.Equal(expect.GetProperty("reject").GetBoolean(), check.Result == DmarcResult.Fail && check.Policy != MailAppliance.DnsRecords.DmarcPolicy.None);
        // mox's "use_result": a usable record was found and the message is inside the pct= sample.
        bool useResult = check.Record is not null && !check.SampledOut;
        Assert.Equal(expect.GetProperty("use_result").GetBoolean(), useResult);
    }

    [DmarcDataTheory]
    [MemberData(nameof(LookupDomains))]
    public async Task LookupCase(string fromDomain)
    {
        var test = Cases.Value!.Value.GetProperty("lookup_cases").EnumerateArray().Single(c => c.GetProperty("from_domain").GetString() == fromDomain);
        var dns = new FakeDnsResolver();
        var at = test.GetProperty("txt_at__dmarc");
        if (at.ValueKind == JsonValueKind.String)
        {
            dns.Fail("_dmarc." + fromDomain, DnsQueryType.Txt);
        }
        else
        {
            foreach (var txt in at.EnumerateArray())
            {
                dns.AddTxt("_dmarc." + fromDomain, txt.GetString()!);
            }
        }

        if (test.TryGetProperty("txt_at_org", out var org))
        {
            foreach (var name in org.EnumerateObject())
            {
                foreach (var txt in name.Value.EnumerateArray())
                {
                    dns.AddTxt(name.Name, txt.GetString()!);
                }
            }
        }

        var lookup = await new DmarcEvaluator(dns, TestPublicSuffixList.Debian).FindRecordAsync(fromDomain);

        string expect = test.GetProperty("expect").GetString()!;
        var status = expect switch
        {
            _ when expect.StartsWith("record found", StringComparison.Ordinal) => DmarcRecordStatus.Found,
            _ when expect.StartsWith("permerror", StringComparison.Ordinal) => DmarcRecordStatus.PermError,
            _ when expect.StartsWith("temperror", StringComparison.Ordinal) => DmarcRecordStatus.TempError,
            _ => DmarcRecordStatus.None,
        };
        Assert.True(status == lookup.Status, $"{fromDomain}: expected {expect}, got {lookup}");
        if (expect.Contains("organizational domain example.com", StringComparison.Ordinal))
        {
            Assert.Equal("example.com", lookup.Domain);
        }
    }

    private static SpfResult ParseSpf(string status) =>
        SpfResults.TryParse(status, out var result) ? result : throw new InvalidDataException(status);

    private static DkimResult ParseDkim(string status) => status switch
    {
        "pass" => DkimResult.Pass,
        "fail" => DkimResult.Fail,
        "neutral" => DkimResult.Neutral,
        "temperror" => DkimResult.TempError,
        "permerror" => DkimResult.PermError,
        _ => throw new InvalidDataException(status),
    };

    internal static string? ConformancePath(params string[] parts)
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "MailAppliance.sln")))
        {
            directory = directory.Parent;
        }

        if (directory is null)
        {
            return null;
        }

        string path = Path.GetFullPath(Path.Combine([directory.FullName, "..", "shared", "conformance", .. parts]));
        return File.Exists(path) ? path : null;
    }
}

/// <summary>Debian's Public Suffix List, loaded once.</summary>
internal static class TestPublicSuffixList
{
    private static readonly Lazy<PublicSuffixList> List = new(() => PublicSuffixList.Load(PublicSuffixList.DebianPath));

    public static PublicSuffixList Debian => List.Value;

    public static bool Present => File.Exists(PublicSuffixList.DebianPath);
}

/// <summary>A theory over the DMARC conformance data and Debian's PSL, skipped with the reason where either is absent.</summary>
internal sealed class DmarcDataTheoryAttribute : TheoryAttribute
{
    public DmarcDataTheoryAttribute()
    {
        if (DmarcConformanceTests.ConformancePath("dmarc", "dmarc-eval-cases.json") is null)
        {
            Skip = "DMARC conformance data not found: expected ../shared/conformance/dmarc beside the repository root";
        }
        else if (!TestPublicSuffixList.Present)
        {
            Skip = $"{PublicSuffixList.DebianPath} is missing (Debian package publicsuffix; tests/run.sh installs it)";
        }
    }
}
