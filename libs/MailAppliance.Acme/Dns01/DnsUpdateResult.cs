namespace MailAppliance.Acme.Dns01;

/// <summary>The server's answer to an UPDATE: its RCODE (RFC 2136 §2.2) and, when signed, whether the TSIG verified.</summary>
/// <param name="ResponseCode">0 NOERROR, 5 REFUSED, 8 NXRRSET, 9 NOTAUTH (bad or unknown TSIG key, RFC 8945 §5.2), 10 NOTZONE, ...</param>
/// <param name="TsigError">The TSIG error field of the response (16 BADSIG, 17 BADKEY, 18 BADTIME), 0 when none.</param>
/// <param name="Signed">True when the response carried a TSIG that verified with our key.</param>
public sealed record DnsUpdateResult(int ResponseCode, int TsigError, bool Signed)
{
    /// <summary>True for NOERROR.</summary>
    public bool Succeeded => ResponseCode == 0 && TsigError == 0;

    /// <summary>The RCODE's name.</summary>
    public string ResponseCodeName => ResponseCode switch
    {
        0 => "NOERROR",
        1 => "FORMERR",
        2 => "SERVFAIL",
        3 => "NXDOMAIN",
        4 => "NOTIMP",
        5 => "REFUSED",
        6 => "YXDOMAIN",
        7 => "YXRRSET",
        8 => "NXRRSET",
        9 => "NOTAUTH",
        10 => "NOTZONE",
        _ => "RCODE " + ResponseCode,
    };

    /// <inheritdoc />
    public override string ToString() => TsigError == 0 ? ResponseCodeName : $"{ResponseCodeName} (TSIG error {TsigError})";
}
