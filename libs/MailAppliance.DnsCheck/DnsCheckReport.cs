using System.Text.Json.Nodes;

namespace MailAppliance.DnsCheck;

/// <summary>The results of one run of the checks.</summary>
/// <param name="HostName">The host name checked.</param>
/// <param name="Domains">The domains checked.</param>
/// <param name="StartedAt">When the run started.</param>
/// <param name="Duration">How long it took.</param>
/// <param name="Results">Every result, in the order of <see cref="CheckIds.All"/> per subject.</param>
public sealed record DnsCheckReport(
    string HostName, IReadOnlyList<string> Domains, DateTimeOffset StartedAt, TimeSpan Duration, IReadOnlyList<CheckResult> Results)
{
    /// <summary>
    /// The worst status of any result: <see cref="CheckStatus.Error"/>, <see cref="CheckStatus.Warning"/>, else
    /// <see cref="CheckStatus.Ok"/> (a check that did not run is no problem of its own).
    /// </summary>
    public CheckStatus Worst => Results.Select(r => r.Status).Where(s => s is CheckStatus.Warning or CheckStatus.Error).DefaultIfEmpty(CheckStatus.Ok).Max();

    /// <summary>True when any result is an error.</summary>
    public bool HasErrors => Results.Any(r => r.Status == CheckStatus.Error);

    /// <summary>How many results have this status.</summary>
    public int Count(CheckStatus status) => Results.Count(r => r.Status == status);

    /// <summary>The results that need action (warnings and errors).</summary>
    public IEnumerable<CheckResult> Problems => Results.Where(r => r.Status is CheckStatus.Warning or CheckStatus.Error);

    /// <summary>The report as JSON: host name, domains, times, status, counts and results.</summary>
    public JsonObject ToJson() => new()
    {
        ["hostname"] = HostName,
        ["domains"] = new JsonArray(Domains.Select(d => (JsonNode?)JsonValue.Create(d)).ToArray()),
        ["startedAt"] = StartedAt.ToString("O", System.Globalization.CultureInfo.InvariantCulture),
        ["durationMs"] = Math.Round(Duration.TotalMilliseconds),
        ["status"] = Worst.Name(),
        ["counts"] = new JsonObject(Enum.GetValues<CheckStatus>().Select(s => KeyValuePair.Create(s.Name(), (JsonNode?)Count(s)))),
        ["results"] = new JsonArray(Results.Select(r => (JsonNode?)r.ToJson()).ToArray()),
    };
}
