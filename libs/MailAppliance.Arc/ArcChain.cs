using MailAppliance.Dkim;

namespace MailAppliance.Arc;

/// <summary>
/// The ARC Sets of a message, checked for structure (RFC 8617 §5.2 step 1, §4.2.1): instances 1..N without gaps,
/// exactly one AAR, AMS and AS each, N at most 50, every field well formed, <c>cv=none</c> on the first seal and
/// <c>cv=pass</c> on the others.
/// </summary>
public sealed class ArcChain
{
    private ArcChain(IReadOnlyList<ArcSet> sets, int fieldCount, string? problem)
    {
        Sets = sets;
        FieldCount = fieldCount;
        Problem = problem;
    }

    /// <summary>The sets, instance 1 first; empty when there are none or the structure is broken.</summary>
    public IReadOnlyList<ArcSet> Sets { get; }

    /// <summary>How many ARC header fields the message has.</summary>
    public int FieldCount { get; }

    /// <summary>Why the chain is structurally invalid, or null.</summary>
    public string? Problem { get; }

    /// <summary>True when the message carries no ARC field at all (cv=none).</summary>
    public bool IsEmpty => FieldCount == 0;

    /// <summary>True when the structure is valid (or there is no chain).</summary>
    public bool IsValid => Problem is null;

    /// <summary>The highest instance present (N), also for a broken chain when it can be told; 0 without a chain.</summary>
    public int HighestInstance { get; private init; }

    /// <summary>True when the newest ARC-Seal says <c>cv=fail</c>: a previous hop already found the chain broken.</summary>
    public bool EndsInFailure { get; private init; }

    /// <summary>Collects and checks the ARC Sets of a header section.</summary>
    public static ArcChain Parse(IReadOnlyList<DkimHeaderField> fields)
    {
        var aars = new List<ArcAuthenticationResults>();
        var amss = new List<ArcMessageSignature>();
        var seals = new List<ArcSeal>();
        int count = 0;
        int highest = 0;
        bool endsInFailure = false;
        string? problem = null;
        foreach (var field in fields)
        {
            try
            {
                if (field.Is(ArcHeaderNames.AuthenticationResults))
                {
                    count++;
                    aars.Add(ArcAuthenticationResults.Parse(field));
                }
                else if (field.Is(ArcHeaderNames.MessageSignature))
                {
                    count++;
                    amss.Add(ArcMessageSignature.Parse(field));
                }
                else if (field.Is(ArcHeaderNames.Seal))
                {
                    count++;
                    seals.Add(ArcSeal.Parse(field));
                }
            }
            catch (ArcFormatException e)
            {
                problem ??= e.Message;
            }
        }

        if (count == 0)
        {
            return new ArcChain([], 0, null);
        }

        highest = Math.Max(aars.Select(a => a.Instance).DefaultIfEmpty().Max(),
            Math.Max(amss.Select(a => a.Instance).DefaultIfEmpty().Max(), seals.Select(s => s.Instance).DefaultIfEmpty().Max()));
        var newestSeals = seals.Where(s => s.Instance == highest).ToList();
        endsInFailure = newestSeals.Count == 1 && newestSeals[0].ChainStatus == ArcChainStatus.Fail;
        problem ??= Structure(aars, amss, seals, highest);

        IReadOnlyList<ArcSet> sets = problem is null
            ? [.. Enumerable.Range(1, highest).Select(i => new ArcSet(
                i, aars.Single(a => a.Instance == i), amss.Single(a => a.Instance == i), seals.Single(s => s.Instance == i)))]
            : [];
        return new ArcChain(sets, count, problem) { HighestInstance = highest, EndsInFailure = endsInFailure };
    }

    private static string? Structure(List<ArcAuthenticationResults> aars, List<ArcMessageSignature> amss, List<ArcSeal> seals, int highest)
    {
        for (int i = 1; i <= highest; i++)
        {
            // RFC 8617 §4.2.1: each instance has exactly one field of each kind; gaps mean a set was removed.
            foreach (var (kind, found) in new[]
            {
                (ArcHeaderNames.AuthenticationResults, aars.Count(a => a.Instance == i)),
                (ArcHeaderNames.MessageSignature, amss.Count(a => a.Instance == i)),
                (ArcHeaderNames.Seal, seals.Count(s => s.Instance == i)),
            })
            {
                if (found != 1)
                {
                    return found == 0 ? $"instance {i} has no {kind}" : $"instance {i} has {found} {kind} fields";
                }
            }

            // RFC 8617 §5.2 step 1 (and §4.1.3 cv): the first seal says none, every later one pass.
            var seal = seals.Single(s => s.Instance == i);
            var expected = i == 1 ? ArcChainStatus.None : ArcChainStatus.Pass;
            if (seal.ChainStatus != expected)
            {
                return $"ARC-Seal i={i} has cv={seal.ChainStatus.Keyword()}, expected cv={expected.Keyword()}";
            }
        }

        return null;
    }
}
