using System.Net;

namespace MailAppliance.Inbound;

/// <summary>The session facts inbound authentication needs.</summary>
/// <param name="ClientAddress">The SMTP client's IP address.</param>
/// <param name="Helo">The HELO/EHLO name the client gave.</param>
/// <param name="MailFrom">The reverse-path without angle brackets; empty for the null sender <c>&lt;&gt;</c>.</param>
public sealed record InboundEnvelope(IPAddress ClientAddress, string Helo, string MailFrom);
