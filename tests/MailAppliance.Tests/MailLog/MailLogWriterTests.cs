using MailAppliance.MailLog;

namespace MailAppliance.Tests.MailLog;

public sealed class MailLogWriterTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("maillog-").FullName;

    [Fact]
    public async Task WritesOneKeyValueLinePerEventAndQuotesWhatNeedsIt()
    {
        await using (var log = new MailLogWriter(_dir))
        {
            log.Write("accepted", ("id", "0001abc"), ("from", "<a@b.test>"), ("size", 42), ("skipped", null));
            log.Write("rejected", ("reply", "554 5.7.1 Relay access denied"), ("to", "x=\"y\"\nz"));
        }

        string[] lines = await File.ReadAllLinesAsync(Path.Combine(_dir, "mail.log"));
        Assert.Equal(2, lines.Length);
        Assert.Matches(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z accepted id=0001abc from=<a@b.test> size=42$", lines[0]);
        Assert.EndsWith("rejected reply=\"554 5.7.1 Relay access denied\" to=\"x=\\\"y\\\"\\nz\"", lines[1]);
    }

    [Fact]
    public async Task RotatesBySizeAndKeepsTheConfiguredNumberOfFiles()
    {
        var options = new MailLogOptions { MaxSizeMiB = 1, Keep = 2 };
        string big = new('x', 100_000);
        for (int round = 0; round < 4; round++)
        {
            await using var log = new MailLogWriter(_dir, options);
            for (int i = 0; i < 11; i++)
            {
                log.Write("accepted", ("pad", big));
            }
        }

        Assert.True(File.Exists(Path.Combine(_dir, "mail.log.1")));
        Assert.True(File.Exists(Path.Combine(_dir, "mail.log.2")));
        Assert.False(File.Exists(Path.Combine(_dir, "mail.log.3")));
    }

    [Fact]
    public async Task DisabledWritesNothing()
    {
        await using (var log = new MailLogWriter(_dir, new MailLogOptions { Enabled = false }))
        {
            log.Write("accepted", ("id", "x"));
        }

        Assert.False(File.Exists(Path.Combine(_dir, "mail.log")));
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);
}
