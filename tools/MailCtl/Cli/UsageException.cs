namespace MailAppliance.MailCtl.Cli;

/// <summary>The command line is wrong: mailctl prints the message and exits with <see cref="ExitCode.Usage"/>.</summary>
public sealed class UsageException(string message) : Exception(message);
