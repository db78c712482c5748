using System.Globalization;
using System.Text;

namespace MailAppliance.DnsRecords;

/// <summary>An MTA-STS policy mode (RFC 8461 §5).</summary>
public enum MtaStsMode
{
    /// <summary><c>enforce</c>: senders must not deliver without a valid TLS connection to a listed MX.</summary>
    Enforce,

    /// <summary><c>testing</c>: senders report failures (TLS-RPT) but deliver anyway.</summary>
    Testing,

    /// <summary><c>none</c>: no policy (used to withdraw one).</summary>
    None,
}

/// <summary>
/// The MTA-STS policy file served at <c>https://mta-sts.domain/.well-known/mta-sts.txt</c> (RFC 8461 §3.2):
/// version, mode, mx patterns and max_age, one <c>key: value</c> per line.
/// </summary>
public sealed class MtaStsPolicy
{
    /// <summary>The largest max_age (RFC 8461 §3.2: 31557600, about a year).</summary>
    public const int MaxMaxAge = 31557600;

    /// <summary>The path the policy is served at under <c>https://mta-sts.domain</c> (RFC 8461 §3.3).</summary>
    public const string WellKnownPath = "/.well-known/mta-sts.txt";

    /// <summary>The mode.</summary>
    public MtaStsMode Mode { get; init; } = MtaStsMode.Testing;

    /// <summary>The MX host patterns (a name or <c>*.</c> followed by a name, RFC 8461 §4.1).</summary>
    public IReadOnlyList<string> Mx { get; init; } = [];

    /// <summary>How long senders cache the policy, in seconds.</summary>
    public int MaxAge { get; init; } = 604800;

    /// <summary>The URL the policy for <paramref name="domain"/> is served at (RFC 8461 §3.3).</summary>
    public static string Url(string domain) => $"https://mta-sts.{domain}{WellKnownPath}";

    /// <summary>Parses a policy file; lines may end in CRLF or LF (RFC 8461 §3.2).</summary>
    /// <exception cref="DnsRecordFormatException">The policy breaks RFC 8461 §3.2.</exception>
    public static MtaStsPolicy Parse(string text)
    {
        string? version = null;
        MtaStsMode? mode = null;
        int? maxAge = null;
        var mx = new List<string>();
        int number = 0;
        foreach (string raw in text.Split('\n'))
        {
            number++;
            string line = raw.TrimEnd('\r');
            if (line.Trim().Length == 0)
            {
                continue;
            }

            int colon = line.IndexOf(':', StringComparison.Ordinal);
            if (colon <= 0)
            {
                throw new DnsRecordFormatException($"line {number} of the MTA-STS policy is not 'key: value' (RFC 8461 §3.2)");
            }

            string key = line[..colon];
            string value = line[(colon + 1)..].Trim(' ', '\t');
            switch (key)
            {
                case "version":
                    version = value == MtaStsRecord.Version1 ? value
                        : throw new DnsRecordFormatException($"line {number}: version is '{value}', not STSv1 (RFC 8461 §3.2)");
                    break;
                case "mode":
                    mode = value switch
                    {
                        "enforce" => MtaStsMode.Enforce,
                        "testing" => MtaStsMode.Testing,
                        "none" => MtaStsMode.None,
                        _ => throw new DnsRecordFormatException($"line {number}: mode '{value}' is not enforce, testing or none (RFC 8461 §3.2)"),
                    };
                    break;
                case "max_age":
                    maxAge = int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out int age) && age <= MaxMaxAge && value.Length <= 10
                        ? age
                        : throw new DnsRecordFormatException($"line {number}: max_age '{value}' is not seconds from 0 to {MaxMaxAge} (RFC 8461 §3.2)");
                    break;
                case "mx":
                    mx.Add(IsMxPattern(value) ? value
                        : throw new DnsRecordFormatException($"line {number}: mx '{value}' is not a host name or *.name (RFC 8461 §3.2)"));
                    break;
                default:
                    // RFC 8461 §3.2: unknown fields are ignored (extension fields).
                    break;
            }
        }

        if (version is null)
        {
            throw new DnsRecordFormatException("the MTA-STS policy has no 'version: STSv1' line (RFC 8461 §3.2)");
        }

        if (mode is null)
        {
            throw new DnsRecordFormatException("the MTA-STS policy has no 'mode:' line (RFC 8461 §3.2)");
        }

        if (maxAge is null)
        {
            throw new DnsRecordFormatException("the MTA-STS policy has no 'max_age:' line (RFC 8461 §3.2)");
        }

        if (mx.Count == 0 && mode != MtaStsMode.None)
        {
            throw new DnsRecordFormatException("the MTA-STS policy has no 'mx:' line; one is needed unless mode is none (RFC 8461 §3.2)");
        }

        return new MtaStsPolicy { Mode = mode.Value, Mx = mx, MaxAge = maxAge.Value };
    }

    /// <summary>The policy lines, without line ends.</summary>
    public IReadOnlyList<string> Lines()
    {
        var lines = new List<string> { $"version: {MtaStsRecord.Version1}", $"mode: {Mode.ToString().ToLowerInvariant()}" };
        lines.AddRange(Mx.Select(m => $"mx: {m}"));
        lines.Add($"max_age: {MaxAge.ToString(CultureInfo.InvariantCulture)}");
        return lines;
    }

    /// <summary>The policy file text, lines ending in CRLF as RFC 8461 §3.2 writes them.</summary>
    public override string ToString()
    {
        var text = new StringBuilder();
        foreach (string line in Lines())
        {
            text.Append(line).Append("\r\n");
        }

        return text.ToString();
    }

    private static bool IsMxPattern(string value)
    {
        string name = value.StartsWith("*.", StringComparison.Ordinal) ? value[2..] : value;
        return DnsNames.IsHostName(name);
    }
}
