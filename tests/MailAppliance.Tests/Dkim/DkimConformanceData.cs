using System.Text;

namespace MailAppliance.Tests.Dkim;

/// <summary>
/// The DKIM conformance material in <c>../shared/conformance/dkim</c> beside the repository (found by walking up
/// to MailAppliance.sln). Tests that need it are skipped, with this reason, where it is absent.
/// </summary>
internal static class DkimConformanceData
{
    private static readonly Lazy<string?> RootPath = new(() =>
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

        string path = Path.GetFullPath(Path.Combine(directory.FullName, "..", "shared", "conformance", "dkim"));
        return Directory.Exists(path) ? path : null;
    });

    /// <summary>The skip reason when the data is absent.</summary>
    public const string Missing = "DKIM conformance data not found: expected ../shared/conformance/dkim beside the repository root";

    /// <summary>The directory, or null when absent.</summary>
    public static string? Root => RootPath.Value;

    /// <summary>True when the data is there.</summary>
    public static bool Present => Root is not null;

    /// <summary>A file under the directory.</summary>
    public static string PathOf(params string[] parts) => Path.Combine([Root ?? throw new InvalidOperationException(Missing), .. parts]);

    /// <summary>The file's bytes with every bare LF turned into CRLF (the network form DKIM works on, RFC 6376 §3.4).</summary>
    public static byte[] ReadCrlf(string path) => ToCrlf(File.ReadAllBytes(path));

    /// <summary>Turns bare LFs into CRLF.</summary>
    public static byte[] ToCrlf(byte[] data)
    {
        var output = new List<byte>(data.Length + data.Length / 20);
        for (int i = 0; i < data.Length; i++)
        {
            if (data[i] == (byte)'\n' && (i == 0 || data[i - 1] != (byte)'\r'))
            {
                output.Add((byte)'\r');
            }

            output.Add(data[i]);
        }

        return [.. output];
    }

    /// <summary>ASCII/UTF-8 text to bytes.</summary>
    public static byte[] Bytes(string text) => Encoding.UTF8.GetBytes(text);
}

/// <summary>A theory over the conformance data, skipped with a clear message where the data is absent.</summary>
internal sealed class ConformanceTheoryAttribute : TheoryAttribute
{
    public ConformanceTheoryAttribute()
    {
        if (!DkimConformanceData.Present)
        {
            Skip = DkimConformanceData.Missing;
        }
    }
}

/// <summary>A fact over the conformance data, skipped with a clear message where the data is absent.</summary>
internal sealed class ConformanceFactAttribute : FactAttribute
{
    public ConformanceFactAttribute()
    {
        if (!DkimConformanceData.Present)
        {
            Skip = DkimConformanceData.Missing;
        }
    }
}
