using System.Text.Json;

namespace MailAppliance.Tests.Arc;

/// <summary>
/// The ValiMail ARC test suite (shared/conformance/arc: <c>arc-draft-validation-tests.yml</c>,
/// <c>arc-draft-sign-tests.yml</c>; MIT, see Suite/LICENSE.txt), read from the JSON copies in <c>Arc/Suite</c> that
/// <c>Suite/convert_arc_suite.py</c> made from the YAML: scenarios with their tests and the TXT records of their keys.
/// </summary>
internal static class ArcSuite
{
    /// <summary>The skip reason when the data is absent.</summary>
    public const string Missing = "ARC suite not found: expected tests/MailAppliance.Tests/Arc/Suite/*.json in the repository";

    private static readonly Lazy<string?> RootPath = new(() =>
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "MailAppliance.sln")))
        {
            directory = directory.Parent;
        }

        string? path = directory is null ? null : Path.Combine(directory.FullName, "tests", "MailAppliance.Tests", "Arc", "Suite");
        return path is not null && Directory.Exists(path) ? path : null;
    });

    private static readonly Lazy<IReadOnlyList<ArcSuiteScenario>> ValidationScenarios = new(() => Load("arc-draft-validation-tests.json"));

    private static readonly Lazy<IReadOnlyList<ArcSuiteScenario>> SigningScenarios = new(() => Load("arc-draft-sign-tests.json"));

    /// <summary>True when the suite is there.</summary>
    public static bool Present => RootPath.Value is not null;

    /// <summary>The validation scenarios.</summary>
    public static IReadOnlyList<ArcSuiteScenario> Validation => ValidationScenarios.Value;

    /// <summary>The signing scenarios.</summary>
    public static IReadOnlyList<ArcSuiteScenario> Signing => SigningScenarios.Value;

    /// <summary>Test ids of a suite as theory data: "scenario index/test id".</summary>
    public static TheoryData<string> Ids(IReadOnlyList<ArcSuiteScenario> scenarios)
    {
        var data = new TheoryData<string>();
        if (!Present)
        {
            data.Add("absent");
            return data;
        }

        for (int s = 0; s < scenarios.Count; s++)
        {
            foreach (string id in scenarios[s].Tests.Keys)
            {
                data.Add($"{s}/{id}");
            }
        }

        return data;
    }

    /// <summary>Finds a test by its theory id.</summary>
    public static (ArcSuiteScenario Scenario, IReadOnlyDictionary<string, string> Test) Find(IReadOnlyList<ArcSuiteScenario> scenarios, string id)
    {
        string[] parts = id.Split('/', 2);
        var scenario = scenarios[int.Parse(parts[0], System.Globalization.CultureInfo.InvariantCulture)];
        return (scenario, scenario.Tests[parts[1]]);
    }

    /// <summary>The YAML text (LF line ends) with every LF made CRLF, the form ARC works on.</summary>
    public static byte[] Crlf(string text) => System.Text.Encoding.UTF8.GetBytes(text.Replace("\r\n", "\n", StringComparison.Ordinal).Replace("\n", "\r\n", StringComparison.Ordinal));

    private static IReadOnlyList<ArcSuiteScenario> Load(string file)
    {
        if (RootPath.Value is not string root)
        {
            return [];
        }

        using var document = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(root, file)));
        var scenarios = new List<ArcSuiteScenario>();
        foreach (var scenario in document.RootElement.EnumerateArray())
        {
            var tests = new Dictionary<string, IReadOnlyDictionary<string, string>>(StringComparer.Ordinal);
            foreach (var test in scenario.GetProperty("tests").EnumerateObject())
            {
                tests[test.Name] = Strings(test.Value);
            }

            scenarios.Add(new ArcSuiteScenario(
                scenario.GetProperty("description").GetString()!, tests, Strings(scenario.GetProperty("txt-records")), Strings(scenario.GetProperty("fields"))));
        }

        return scenarios;
    }

    private static Dictionary<string, string> Strings(JsonElement map) =>
        map.EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString()!, StringComparer.Ordinal);
}

/// <summary>One scenario: its tests (id to fields), its TXT records, and its other top-level scalars.</summary>
internal sealed record ArcSuiteScenario(
    string Description,
    IReadOnlyDictionary<string, IReadOnlyDictionary<string, string>> Tests,
    IReadOnlyDictionary<string, string> TxtRecords,
    IReadOnlyDictionary<string, string> Fields);

/// <summary>A theory over the ARC suite, skipped with a clear message where the data is absent.</summary>
internal sealed class ArcSuiteTheoryAttribute : TheoryAttribute
{
    public ArcSuiteTheoryAttribute()
    {
        if (!ArcSuite.Present)
        {
            Skip = ArcSuite.Missing;
        }
    }
}
