namespace MailAppliance.Spool;

/// <summary>A committed spool file: its envelope and where its parts are.</summary>
public sealed record SpooledMessage(Envelope Envelope, string Path, long ContentLength, long PrefixLength)
{
    /// <summary>The queue id.</summary>
    public string Id => Envelope.Id;

    /// <summary>The message as it leaves this hop: prepended header fields, then the content as received.</summary>
    public Stream OpenMessage()
    {
        var file = new FileStream(Path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, 16 * 1024);
        return new SpoolMessageStream(file, SpoolFileFormat.MagicLength, ContentLength, PrefixLength);
    }
}
