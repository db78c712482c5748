namespace MailAppliance.MailCtl.Cli;

/// <summary>A command could not do its job: mailctl prints the message and exits with <see cref="ExitCode.Failure"/>.</summary>
public sealed class CommandFailedException(string message) : Exception(message);
