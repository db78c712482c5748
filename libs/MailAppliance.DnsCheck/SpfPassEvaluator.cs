using System.Net;
using MailAppliance.Dns;
using MailAppliance.Spf;

namespace MailAppliance.DnsCheck;

/// <summary>
/// <see cref="ISpfPassEvaluator"/> over MailAppliance.Spf's <see cref="SpfEvaluator"/>, the evaluator the relay uses for
/// inbound mail, so the check and the receivers' view cannot differ. The sender is <c>postmaster@domain</c>.
/// </summary>
public sealed class SpfPassEvaluator(IDnsResolver dns) : ISpfPassEvaluator
{
    private readonly SpfEvaluator _evaluator = new(dns);

    /// <inheritdoc />
    public async Task<SpfPassEvaluation> EvaluateAsync(IPAddress address, string domain, string helo, CancellationToken cancellationToken = default)
    {
        var check = await _evaluator.CheckHostAsync(address, domain, "postmaster@" + domain, helo, cancellationToken);
        return new SpfPassEvaluation(check.Result.Keyword(), check.Mechanism, check.Problem);
    }
}
