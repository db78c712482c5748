using System.Net;
using System.Text.Json;
using MailAppliance.Dns;

namespace MailAppliance.Tests.Spf;

/// <summary>
/// The openspf RFC 7208 test suite (<c>../shared/conformance/spf/rfc7208-tests.json</c>, the JSON copy of
/// rfc7208-tests.yml with its normalized "dns" view, see FORMAT.md there): scenarios with their zone data and tests.
/// </summary>
internal static class SpfSuite
{
    /// <summary>The skip reason when the data is absent.</summary>
    public const string Missing = "SPF conformance data not found: expected ../shared/conformance/spf beside the repository root";

    private static readonly Lazy<string?> SuitePath = new(() =>
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "MailAppliance.sln")))
        {
            directory = directory.Parent;
        }

        string? path = directory is null ? null : Path.GetFullPath(Path.Combine(directory.FullName, "..", "shared", "conformance", "spf", "rfc7208-tests.json"));
        return path is not null && File.Exists(path) ? path : null;
    });

    private static readonly Lazy<IReadOnlyList<SpfSuiteCase>> AllCases = new(Load);

    /// <summary>True when the suite file is there.</summary>
    public static bool Present => SuitePath.Value is not null;

    /// <summary>Every test of the suite.</summary>
    public static IReadOnlyList<SpfSuiteCase> Cases => AllCases.Value;

    /// <summary>A resolver serving one scenario's zone: TIMEOUT entries become temporary failures.</summary>
    public static FakeDnsResolver Resolver(JsonElement zone)
    {
        var dns = new FakeDnsResolver();
        foreach (var name in zone.EnumerateObject())
        {
            if (!DnsNames.IsValid(name.Name))
            {
                // The resolver API takes printable-ASCII names only (DnsNames.IsValid): such a name cannot be
                // asked for, so it cannot be served either (see KnownDeviations).
                continue;
            }

            foreach (var type in name.Value.EnumerateObject())
            {
                if (type.Name == "SPF")
                {
                    // Type 99: never queried by an RFC 7208 evaluator (§3.1); the view already copied it to TXT.
                    continue;
                }

                if (type.Value.ValueKind == JsonValueKind.String)
                {
                    // "TIMEOUT": the query for this type times out (RFC 7208 §2.6.6 temperror path).
                    dns.Fail(name.Name, ParseType(type.Name), "timeout (test zone)");
                    continue;
                }

                foreach (var value in type.Value.EnumerateArray())
                {
                    switch (type.Name)
                    {
                        case "A":
                        case "AAAA":
                            dns.AddAddress(name.Name, IPAddress.Parse(value.GetString()!));
                            break;
                        case "MX":
                            dns.AddMx(name.Name, (ushort)value[0].GetInt32(), value[1].GetString()!);
                            break;
                        case "PTR":
                            // The zone names the reverse name itself; the fake keys PTRs by address.
                            dns.AddPtr(AddressOf(name.Name), value.GetString()!);
                            break;
                        case "CNAME":
                            dns.AddCname(name.Name, value.GetString()!);
                            break;
                        case "TXT":
                            dns.AddTxt(name.Name, value.EnumerateArray().Select(s => s.GetString()!).ToArray());
                            break;
                        default:
                            throw new InvalidDataException($"record type {type.Name} at {name.Name}");
                    }
                }
            }
        }

        return dns;
    }

    private static DnsQueryType ParseType(string type) => type switch
    {
        "A" => DnsQueryType.A,
        "AAAA" => DnsQueryType.Aaaa,
        "MX" => DnsQueryType.Mx,
        "PTR" => DnsQueryType.Ptr,
        "CNAME" => DnsQueryType.Cname,
        "TXT" => DnsQueryType.Txt,
        _ => throw new InvalidDataException($"record type {type}"),
    };

    /// <summary>The address of a reverse name (<c>4.3.2.1.in-addr.arpa</c> or the 32 nibbles under ip6.arpa).</summary>
    private static IPAddress AddressOf(string reverseName)
    {
        string[] labels = reverseName.ToLowerInvariant().Split('.');
        if (reverseName.EndsWith(".in-addr.arpa", StringComparison.OrdinalIgnoreCase))
        {
            return IPAddress.Parse(string.Join('.', labels[..4].Reverse()));
        }

        string hex = string.Concat(labels[..32].Reverse());
        return new IPAddress(Convert.FromHexString(hex));
    }

    private static IReadOnlyList<SpfSuiteCase> Load()
    {
        if (SuitePath.Value is null)
        {
            return [];
        }

        var root = JsonDocument.Parse(File.ReadAllText(SuitePath.Value)).RootElement;
        var cases = new List<SpfSuiteCase>();
        foreach (var scenario in root.GetProperty("scenarios").EnumerateArray())
        {
            int index = scenario.GetProperty("scenario_index").GetInt32();
            var zone = scenario.GetProperty("dns").Clone();
            foreach (var test in scenario.GetProperty("tests").EnumerateObject())
            {
                var t = test.Value;
                var result = t.GetProperty("result");
                string[] results = result.ValueKind == JsonValueKind.Array
                    ? result.EnumerateArray().Select(r => r.GetString()!).ToArray()
                    : [result.GetString()!];
                cases.Add(new SpfSuiteCase(
                    $"{index:00}/{test.Name}",
                    scenario.GetProperty("description").GetString() ?? string.Empty,
                    Text(t, "host")!,
                    Text(t, "mailfrom") ?? string.Empty,
                    Text(t, "helo") ?? string.Empty,
                    results,
                    Text(t, "explanation"),
                    t.TryGetProperty("spec", out var spec) ? spec.ToString() : string.Empty,
                    zone));
            }
        }

        return cases;
    }

    private static string? Text(JsonElement test, string name) =>
        test.TryGetProperty(name, out var value) && value.ValueKind != JsonValueKind.Null ? value.ToString() : null;
}

/// <summary>One test of the suite.</summary>
internal sealed record SpfSuiteCase(string Id, string Scenario, string Host, string MailFrom, string Helo,
                                    IReadOnlyList<string> Results, string? Explanation, string Spec, JsonElement Zone);

/// <summary>A theory over the SPF suite, skipped with a clear message where the data is absent.</summary>
internal sealed class SpfSuiteTheoryAttribute : TheoryAttribute
{
    public SpfSuiteTheoryAttribute()
    {
        if (!SpfSuite.Present)
        {
            Skip = SpfSuite.Missing;
        }
    }
}
