using System.Text;

namespace MailAppliance.Arc;

/// <summary>What <see cref="ArcSealer"/> produced: the three fields to prepend, or why nothing is added.</summary>
public sealed class ArcSealResult
{
    private ArcSealResult(byte[] fields, int instance, ArcChainStatus chainStatus, string? skipped)
    {
        Fields = fields;
        Instance = instance;
        ChainStatus = chainStatus;
        SkippedReason = skipped;
    }

    /// <summary>True when an ARC Set was made.</summary>
    public bool Sealed => SkippedReason is null;

    /// <summary>
    /// The ARC-Seal, ARC-Message-Signature and ARC-Authentication-Results fields, in that order, each ending with CRLF:
    /// prepend them to the message unchanged. Empty when not sealed.
    /// </summary>
    public byte[] Fields { get; }

    /// <summary>The instance of the new set (N+1); 0 when not sealed.</summary>
    public int Instance { get; }

    /// <summary>The <c>cv=</c> written in the new seal.</summary>
    public ArcChainStatus ChainStatus { get; }

    /// <summary>Why no set was added (the chain already ended in cv=fail, or it has 50 sets), or null.</summary>
    public string? SkippedReason { get; }

    /// <summary>The fields as text (UTF-8).</summary>
    public string FieldsText => Encoding.UTF8.GetString(Fields);

    internal static ArcSealResult Made(string fields, int instance, ArcChainStatus status) =>
        new(Encoding.UTF8.GetBytes(fields), instance, status, null);

    internal static ArcSealResult Skipped(string reason, ArcChainStatus status) => new([], 0, status, reason);

    /// <inheritdoc />
    public override string ToString() => Sealed ? $"sealed i={Instance} cv={ChainStatus.Keyword()}" : $"not sealed: {SkippedReason}";
}
