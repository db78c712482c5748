using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using MailAppliance.Srs;

namespace MailAppliance.IntegrationTests.Srs;

/// <summary>
/// Our SRS rewriter against a real postsrsd (Debian's postsrsd, libsrs2's algorithm) sharing the secret: each
/// reverses the other's addresses, and both write the same address for the same sender on the same day. It is run
/// on loopback ports of its own, through Postfix's tcp_table protocol (<c>get KEY</c> → <c>200 VALUE</c>).
/// </summary>
public sealed class PostsrsdInteropTests : IAsyncLifetime
{
    private const string Domain = "forwarder.test";
    private const string Secret = "interop-secret-for-tests";

    private readonly string directory = Directory.CreateTempSubdirectory("mailappliance-postsrsd-").FullName;
    private Process? postsrsd;
    private int forwardPort;
    private int reversePort;

    public async Task InitializeAsync()
    {
        string secretFile = Path.Combine(directory, "secret");
        await File.WriteAllTextAsync(secretFile, Secret + "\n");
        forwardPort = FreePort();
        reversePort = FreePort();
        var info = new ProcessStartInfo("/usr/sbin/postsrsd")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (string argument in (string[])["-s" + secretFile, "-d" + Domain, "-l127.0.0.1", "-4", "-f" + forwardPort, "-r" + reversePort])
        {
            info.ArgumentList.Add(argument);
        }

        postsrsd = Process.Start(info)!;
        for (int i = 0; i < 100; i++)
        {
            try
            {
                using var probe = new TcpClient();
                await probe.ConnectAsync(IPAddress.Loopback, reversePort);
                return;
            }
            catch (SocketException)
            {
                await Task.Delay(50);
            }
        }

        throw new InvalidOperationException("postsrsd did not open its ports: " + await postsrsd.StandardError.ReadToEndAsync());
    }

    public Task DisposeAsync()
    {
        if (postsrsd is { HasExited: false })
        {
            postsrsd.Kill();
            postsrsd.WaitForExit();
        }

        postsrsd?.Dispose();
        Directory.Delete(directory, recursive: true);
        return Task.CompletedTask;
    }

    [Theory]
    [InlineData("alice@origin.test")]
    [InlineData("Mixed.Case+tag@Origin.Test")]
    [InlineData("a=b@origin.test")]
    [InlineData("SRS0=opaque+string@other-forwarder.test")]
    [InlineData("SRS1=X=first.test==opaque+string@other-forwarder.test")]
    public async Task Postsrsd_and_we_write_the_same_address_and_reverse_each_others(string sender)
    {
        var ours = new SrsRewriter(SrsSecrets.FromLines([Secret]));

        var (theirCode, theirs) = await QueryAsync(forwardPort, sender);
        var forwarded = ours.Forward(sender, Domain);

        Assert.Equal(200, theirCode);
        Assert.True(forwarded.Rewritten, forwarded.ToString());
        // The day stamp can differ only if the two calls straddle midnight UTC.
        if (SameDay(theirs, forwarded.Address))
        {
            Assert.Equal(theirs, forwarded.Address);
        }

        var reversed = ours.Reverse(theirs);
        Assert.Equal(SrsReverseStatus.Ok, reversed.Status);
        var (code, original) = await QueryAsync(reversePort, forwarded.Address);
        Assert.Equal(200, code);
        Assert.Equal(reversed.Address, original);
        Assert.Equal(ExpectedOriginal(sender), original, StringComparer.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task Both_refuse_a_forged_hash()
    {
        var ours = new SrsRewriter(SrsSecrets.FromLines([Secret]));
        string address = ours.Forward("alice@origin.test", Domain).Address;
        string forged = "SRS0=AAAA" + address[9..];

        var (code, reply) = await QueryAsync(reversePort, forged);

        Assert.NotEqual(200, code);
        Assert.Equal(SrsReverseStatus.Forged, ours.Reverse(forged).Status);
        Assert.False(string.IsNullOrEmpty(reply));
    }

    private static string ExpectedOriginal(string sender)
    {
        // SRS0 of another forwarder becomes SRS1 at ours; its reverse is the first forwarder's SRS0 address again.
        if (sender.StartsWith("SRS1=X=first.test==", StringComparison.Ordinal))
        {
            return "SRS0=opaque+string@first.test";
        }

        return sender;
    }

    private static bool SameDay(string a, string b) => a.StartsWith("SRS1", StringComparison.Ordinal) || a.Split('=')[2] == b.Split('=')[2];

    /// <summary>One tcp_table lookup (Postfix tcp_table(5)): "get KEY\n", answer "CODE TEXT\n"; %XX encodes odd octets.</summary>
    private static async Task<(int Code, string Text)> QueryAsync(int port, string key)
    {
        using var client = new TcpClient();
        await client.ConnectAsync(IPAddress.Loopback, port);
        using var stream = client.GetStream();
        // Our keys have no whitespace or "%", the only octets tcp_table must encode.
        await stream.WriteAsync(Encoding.ASCII.GetBytes($"get {key}\n"));
        using var reader = new StreamReader(stream, Encoding.ASCII);
        string line = await reader.ReadLineAsync() ?? throw new InvalidOperationException("postsrsd closed the connection");
        return (int.Parse(line[..3], System.Globalization.CultureInfo.InvariantCulture), Uri.UnescapeDataString(line[4..]));
    }

    private static int FreePort()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        int port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }
}
