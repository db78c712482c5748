namespace MailAppliance.Tests.Smtp.Fuzz;

/// <summary>
/// Finds chasquid's fuzz seeds in the shared directory: <c>../shared/conformance/smtp-fuzz-seeds</c> relative to
/// the repository root (the directory holding MailAppliance.sln, found by walking up from the test binaries).
/// </summary>
internal static class FuzzSeeds
{
    public static readonly string? Directory = Locate();

    public static string MissingReason =>
        "chasquid fuzz seeds not found: expected ../shared/conformance/smtp-fuzz-seeds next to the repository root "
        + $"(looked from {AppContext.BaseDirectory})";

    /// <summary>Seed file names of one corpus (e.g. "smtpsrv-FuzzConnection"), sorted; a placeholder when absent so theories can be skipped.</summary>
    public static TheoryData<string> Names(string corpus)
    {
        var data = new TheoryData<string>();
        string? directory = Directory is null ? null : Path.Combine(Directory, corpus);
        if (directory is null || !System.IO.Directory.Exists(directory))
        {
            data.Add("(missing)");
            return data;
        }

        foreach (string file in System.IO.Directory.EnumerateFiles(directory).Select(Path.GetFileName).Order(StringComparer.Ordinal)!)
        {
            data.Add(file!);
        }

        return data;
    }

    public static string PathOf(string corpus, string name) => Path.Combine(Directory!, corpus, name);

    /// <summary>The first string/[]byte value of every seed of a corpus.</summary>
    public static IReadOnlyList<(string Name, byte[] Value)> Load(string corpus) =>
        [.. System.IO.Directory.EnumerateFiles(Path.Combine(Directory!, corpus)).Order(StringComparer.Ordinal)
            .Select(path => (Path.GetFileName(path), GoFuzzCorpus.FirstBytes(path)))];

    private static string? Locate()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "MailAppliance.sln")))
            {
                string seeds = Path.GetFullPath(Path.Combine(directory.FullName, "..", "shared", "conformance", "smtp-fuzz-seeds"));
                return System.IO.Directory.Exists(seeds) ? seeds : null;
            }
        }

        return null;
    }
}

/// <summary>A fact skipped, with the reason, when the seeds are not there.</summary>
public sealed class FuzzSeedsFactAttribute : FactAttribute
{
    public FuzzSeedsFactAttribute()
    {
        if (FuzzSeeds.Directory is null)
        {
            Skip = FuzzSeeds.MissingReason;
        }
    }
}

/// <summary>A theory skipped, with the reason, when the seeds are not there.</summary>
public sealed class FuzzSeedsTheoryAttribute : TheoryAttribute
{
    public FuzzSeedsTheoryAttribute()
    {
        if (FuzzSeeds.Directory is null)
        {
            Skip = FuzzSeeds.MissingReason;
        }
    }
}
