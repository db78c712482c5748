namespace MailAppliance.MailLog;

/// <summary>The <c>MailLog</c> section.</summary>
public sealed class MailLogOptions
{
    /// <summary>The configuration section.</summary>
    public const string Section = "MailLog";

    /// <summary>False to write no mail log. Default true.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>Size at which <c>mail.log</c> is rotated to <c>mail.log.1</c>, in MiB. Default 50.</summary>
    public int MaxSizeMiB { get; set; } = 50;

    /// <summary>Rotated files kept (<c>mail.log.1</c> … <c>mail.log.N</c>). Default 10.</summary>
    public int Keep { get; set; } = 10;
}
