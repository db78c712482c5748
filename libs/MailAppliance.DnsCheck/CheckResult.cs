using System.Text.Json.Nodes;

namespace MailAppliance.DnsCheck;

/// <summary>
/// The result of one check for one subject: its stable id (<see cref="CheckIds"/>), the status, what was found, and
/// for a warning or an error one sentence saying what to change where.
/// </summary>
/// <param name="Id">The stable check id, e.g. <c>ptr.ipv6</c> or <c>spf.lookups</c>.</param>
/// <param name="Subject">What was checked: a domain, an address, a host name, a DKIM key name.</param>
/// <param name="Status">The outcome.</param>
/// <param name="Detail">What was found, e.g. <c>PTR 198.51.100.3 → other.example.com</c>.</param>
/// <param name="Instruction">What to change where (one sentence); null when there is nothing to do.</param>
public sealed record CheckResult(string Id, string Subject, CheckStatus Status, string Detail, string? Instruction = null)
{
    /// <summary>A passing result.</summary>
    public static CheckResult Ok(string id, string subject, string detail) => new(id, subject, CheckStatus.Ok, detail);

    /// <summary>A warning with its instruction.</summary>
    public static CheckResult Warning(string id, string subject, string detail, string instruction) =>
        new(id, subject, CheckStatus.Warning, detail, instruction);

    /// <summary>An error with its instruction.</summary>
    public static CheckResult Error(string id, string subject, string detail, string instruction) =>
        new(id, subject, CheckStatus.Error, detail, instruction);

    /// <summary>A check that did not run, and why.</summary>
    public static CheckResult NotChecked(string id, string subject, string reason) => new(id, subject, CheckStatus.NotChecked, reason);

    /// <summary>The result as a JSON object: id, subject, status, detail, instruction.</summary>
    public JsonObject ToJson() => new()
    {
        ["id"] = Id,
        ["subject"] = Subject,
        ["status"] = Status.Name(),
        ["detail"] = Detail,
        ["instruction"] = Instruction,
    };

    /// <inheritdoc />
    public override string ToString() => $"{Status.Name()} {Id} {Subject}: {Detail}" + (Instruction is null ? string.Empty : " — " + Instruction);
}
