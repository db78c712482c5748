namespace MailAppliance.Core;

/// <summary>
/// The service cannot start for a reason the operator must fix (a port that cannot be bound, an address that
/// does not exist). The message says what and where; services print it as one line and exit with 78
/// (EX_CONFIG) instead of crashing with a stack trace.
/// </summary>
public sealed class StartupException(string message, Exception? inner = null) : Exception(message, inner);
