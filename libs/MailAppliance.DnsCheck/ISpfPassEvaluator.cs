using System.Net;

namespace MailAppliance.DnsCheck;

/// <summary>The result of an SPF evaluation, as the checks need it.</summary>
/// <param name="Result">The SPF result name (RFC 7208 §2.6): pass, fail, softfail, neutral, none, temperror, permerror.</param>
/// <param name="Mechanism">The mechanism that matched, or null.</param>
/// <param name="Problem">What made it an error, or null.</param>
public sealed record SpfPassEvaluation(string Result, string? Mechanism, string? Problem)
{
    /// <summary>True for pass.</summary>
    public bool Pass => Result == "pass";
}

/// <summary>Evaluates SPF for a public address (check_host, RFC 7208 §4), with the same evaluator the relay uses.</summary>
public interface ISpfPassEvaluator
{
    /// <summary>Evaluates the SPF record of <paramref name="domain"/> for mail from <paramref name="address"/>.</summary>
    /// <exception cref="OperationCanceledException">The token was canceled.</exception>
    Task<SpfPassEvaluation> EvaluateAsync(IPAddress address, string domain, string helo, CancellationToken cancellationToken = default);
}
