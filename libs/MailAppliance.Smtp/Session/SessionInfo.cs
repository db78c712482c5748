using System.Net;
using MailAppliance.Smtp.Server;

namespace MailAppliance.Smtp.Session;

/// <summary>What a policy may know about the session asking: who, where, how secured, as whom.</summary>
public sealed class SessionInfo
{
    public SessionInfo(IPEndPoint remote, string listener, ListenerMode mode)
    {
        Remote = remote;
        Listener = listener;
        Mode = mode;
    }

    /// <summary>The client's address and port.</summary>
    public IPEndPoint Remote { get; }

    /// <summary>The listener's name (mx, submission, submissions).</summary>
    public string Listener { get; }

    /// <summary>The listener's purpose.</summary>
    public ListenerMode Mode { get; }

    /// <summary>The EHLO/HELO name, once given.</summary>
    public string? Helo { get; internal set; }

    /// <summary>True after EHLO (ESMTP), false after HELO.</summary>
    public bool Esmtp { get; internal set; }

    /// <summary>The TLS protocol and cipher, when TLS is active (e.g. "TLSv1.3 TLS_AES_256_GCM_SHA384").</summary>
    public string? Tls { get; internal set; }

    /// <summary>The authenticated account (an address), once AUTH succeeded.</summary>
    public string? AuthenticatedAs { get; internal set; }
}
