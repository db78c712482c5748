using System.Text;
using System.Text.RegularExpressions;
using MailAppliance.Spool;

namespace MailAppliance.IntegrationTests.Infrastructure;

/// <summary>
/// Reads a relay's spool from the outside, with the spool library's own validation (<see cref="SpoolStore.TryRead"/>),
/// without opening a <see cref="SpoolStore"/> (that would start a committer on the live directory).
/// </summary>
public static partial class SpoolFiles
{
    /// <summary>Matches the queue id in "250 2.0.0 OK queued as &lt;id&gt;".</summary>
    [GeneratedRegex("queued as ([0-9a-v]{18})")]
    public static partial Regex QueuedAs();

    /// <summary>The queue id in a client's output or a reply text, or a failure naming the text.</summary>
    public static string QueueIdIn(string text)
    {
        var match = QueuedAs().Match(text);
        Assert.True(match.Success, "no 'queued as <id>' in:\n" + text);
        return match.Groups[1].Value;
    }

    /// <summary>Paths of every committed spool file (*.msg directly in the queue directory).</summary>
    public static string[] Paths(string queue) =>
        Directory.Exists(queue) ? Directory.GetFiles(queue, "*.msg").Order(StringComparer.Ordinal).ToArray() : [];

    /// <summary>Every committed message; fails when any spool file does not validate.</summary>
    public static IReadOnlyList<SpooledMessage> ReadAll(string queue)
    {
        var messages = new List<SpooledMessage>();
        foreach (string path in Paths(queue))
        {
            Assert.True(SpoolStore.TryRead(path, out var message), $"spool file {path} does not validate (incomplete or corrupt)");
            messages.Add(message);
        }

        return messages;
    }

    /// <summary>The committed message with this id; fails when it is missing or does not validate.</summary>
    public static SpooledMessage Read(string queue, string id)
    {
        string path = Path.Combine(queue, id + SpoolFileFormat.Extension);
        Assert.True(File.Exists(path), $"{id} is not in the spool {queue}; there are: {string.Join(", ", Paths(queue).Select(Path.GetFileNameWithoutExtension))}");
        Assert.True(SpoolStore.TryRead(path, out var message), $"spool file {path} does not validate");
        Assert.Equal(id, message.Id);
        return message;
    }

    /// <summary>The content as received (without the prepended headers): the bytes the client sent.</summary>
    public static byte[] Content(SpooledMessage message)
    {
        using var file = File.OpenHandle(message.Path);
        byte[] content = new byte[message.ContentLength];
        int read = RandomAccess.Read(file, content, SpoolFileFormat.MagicLength);
        Assert.Equal(content.Length, read);
        return content;
    }

    /// <summary>The message as it would leave: prepended headers, then the content.</summary>
    public static string Text(SpooledMessage message)
    {
        using var stream = message.OpenMessage();
        using var reader = new StreamReader(stream, Encoding.UTF8);
        return reader.ReadToEnd();
    }

    /// <summary>The committed messages whose content contains <paramref name="marker"/>.</summary>
    public static IReadOnlyList<SpooledMessage> WithMarker(string queue, string marker) =>
        ReadAll(queue).Where(m => Encoding.UTF8.GetString(Content(m)).Contains(marker, StringComparison.Ordinal)).ToList();
}
