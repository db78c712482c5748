using System.Text;
using MailAppliance.AuthResults;

namespace MailAppliance.Tests.AuthResults;

/// <summary>Finding and removing Authentication-Results fields that claim our authserv-id (RFC 8601 §5).</summary>
public sealed class ForgedAuthenticationResultsTests
{
    private const string Ours = "mx.example.net";

    [Fact]
    public void FindsEveryFieldClaimingUsAndRemovesOnlyThem()
    {
        string forgedPlain = "Authentication-Results: mx.example.net; spf=pass smtp.mailfrom=a@b.example\r\n";
        string forgedFolded = "authentication-results:  (comment (nested)) MX.Example.Net.\r\n\t1; dkim=pass\r\n header.d=evil.example\r\n";
        string forgedQuoted = "Authentication-Results: \"mx.example.net\"; none\r\n";
        string keep =
            "Received: from x by y; Thu, 1 Jan 2026 00:00:00 +0000\r\n" +
            "Authentication-Results: mx.example.net.evil.example; spf=pass\r\n" +
            "Authentication-Results: other.example; dkim=pass header.d=mx.example.net\r\n" +
            "ARC-Authentication-Results: i=1; mx.example.net; spf=pass\r\n" +
            "X-Authentication-Results: mx.example.net; spf=pass\r\n" +
            "From: a@b.example\r\n";
        string body = "\r\nAuthentication-Results: mx.example.net; in the body, not a field\r\n";
        int afterReceived = keep.IndexOf('\n', StringComparison.Ordinal) + 1;
        string message = forgedPlain + keep[..afterReceived] + forgedFolded + keep[afterReceived..] + forgedQuoted + body;
        byte[] bytes = Encoding.UTF8.GetBytes(message);

        var found = ForgedAuthenticationResults.Find(bytes, Ours);

        Assert.Equal(3, found.Count);
        Assert.Equal([forgedPlain, forgedFolded, forgedQuoted], found.Select(f => Encoding.UTF8.GetString(bytes, f.Start, f.Length)));
        Assert.Equal(keep + body, Encoding.UTF8.GetString(ForgedAuthenticationResults.Remove(bytes, found)));
    }

    [Fact]
    public void NothingToRemoveLeavesTheMessageByteExact()
    {
        byte[] bytes = Encoding.ASCII.GetBytes("Subject: x\r\nAuthentication-Results: other.example; none\r\n\r\nbody\r\n");

        var found = ForgedAuthenticationResults.Find(bytes, Ours);

        Assert.Empty(found);
        Assert.Equal(bytes, ForgedAuthenticationResults.Remove(bytes, found));
    }

    [Theory]
    [InlineData(" mx.example.net; none", "mx.example.net")]
    [InlineData("(c) mx.example.net 1; spf=pass", "mx.example.net")]
    [InlineData("\r\n\tmx.example.net(comment); none", "mx.example.net")]
    [InlineData(" \"quoted.example\" ; none", "quoted.example")]
    [InlineData(" (only a comment)", null)]
    public void ReadsTheAuthservId(string value, string? id) => Assert.Equal(id, ForgedAuthenticationResults.AuthservIdOf(value));
}
