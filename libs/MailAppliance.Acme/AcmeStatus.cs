namespace MailAppliance.Acme;

/// <summary>Status values of ACME objects (RFC 8555 §7.1.6).</summary>
public static class AcmeStatus
{
    /// <summary>Waiting for the client (authorization, challenge, order).</summary>
    public const string Pending = "pending";

    /// <summary>The server is validating a challenge or issuing a certificate.</summary>
    public const string Processing = "processing";

    /// <summary>Every authorization of an order is valid: it can be finalized.</summary>
    public const string Ready = "ready";

    /// <summary>Done successfully.</summary>
    public const string Valid = "valid";

    /// <summary>Failed; the object's <c>error</c> says why.</summary>
    public const string Invalid = "invalid";

    /// <summary>An authorization that expired.</summary>
    public const string Expired = "expired";

    /// <summary>An authorization the client deactivated.</summary>
    public const string Deactivated = "deactivated";

    /// <summary>An authorization the server revoked.</summary>
    public const string Revoked = "revoked";
}
