namespace MailAppliance.MailCtl.Cli;

/// <summary>mailctl's exit codes, the same for every command so that scripts can rely on them.</summary>
public static class ExitCode
{
    /// <summary>The command did what was asked.</summary>
    public const int Ok = 0;

    /// <summary>The command failed (a wrong password, an unknown user, a broken file).</summary>
    public const int Failure = 1;

    /// <summary>The command line was wrong.</summary>
    public const int Usage = 2;
}
