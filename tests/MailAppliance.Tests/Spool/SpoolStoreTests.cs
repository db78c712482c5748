using System.Text;
using System.Text.Json;
using MailAppliance.Spool;

namespace MailAppliance.Tests.Spool;

/// <summary>The durable spool: commit, abandon, recovery after a crash, and the file format.</summary>
public sealed class SpoolStoreTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("mailappliance-spool-").FullName;

    private string QueueDirectory => Path.Combine(_root, "queue");

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private SpoolStore Open(SyncMode sync = SyncMode.Fsync) => new(QueueDirectory, new SpoolOptions { Sync = sync });

    private static Envelope SampleEnvelope(string id = "ignored") => new()
    {
        Id = id,
        MailFrom = "sender@outside.test",
        Recipients =
        [
            new EnvelopeRecipient { Address = "user@example.test", Notify = "SUCCESS,FAILURE", OriginalRecipient = "rfc822;user@example.test" },
            new EnvelopeRecipient { Address = "ñandú@example.test" },
        ],
        ReceivedAt = new DateTimeOffset(2026, 11, 27, 20, 19, 0, TimeSpan.Zero),
        Body = "8BITMIME",
        SmtpUtf8 = true,
        Ret = "HDRS",
        EnvId = "QQ314159",
        ClientAddress = "192.0.2.1",
        Helo = "client.test",
        AuthenticatedAs = "user@example.test",
        Listener = "submission",
        Tls = "TLSv1.3 TLS_AES_256_GCM_SHA384",
        TraceParent = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
    };

    private static async Task<string> CommitAsync(SpoolStore store, string content, string prefix = "Received: x\r\n")
    {
        await using var writer = store.Create();
        writer.Write(Encoding.UTF8.GetBytes(content));
        await writer.CommitAsync(Encoding.UTF8.GetBytes(prefix), SampleEnvelope());
        return writer.Id;
    }

    private static string ReadMessage(SpooledMessage message, int bufferSize = 4096)
    {
        using var stream = message.OpenMessage();
        using var copy = new MemoryStream();
        byte[] buffer = new byte[bufferSize];
        int read;
        while ((read = stream.Read(buffer, 0, buffer.Length)) > 0)
        {
            copy.Write(buffer, 0, read);
        }

        Assert.Equal(stream.Length, copy.Length);
        return Encoding.UTF8.GetString(copy.ToArray());
    }

    [Theory]
    [InlineData(SyncMode.Fsync)]
    [InlineData(SyncMode.Syncfs)]
    [InlineData(SyncMode.None)]
    public async Task Commit_makes_the_queue_file_and_leaves_no_temporary_file(SyncMode sync)
    {
        using var store = Open(sync);
        string id = await CommitAsync(store, "Subject: hi\r\n\r\nbody\r\n");

        Assert.True(File.Exists(Path.Combine(QueueDirectory, id + ".msg")));
        Assert.Equal(store.PathOf(id), Path.Combine(QueueDirectory, id + ".msg"));
        Assert.Empty(Directory.EnumerateFiles(Path.Combine(QueueDirectory, "tmp")));
        var message = Assert.Single(store.List());
        Assert.Equal(id, message.Id);
        Assert.Equal("Received: x\r\nSubject: hi\r\n\r\nbody\r\n", ReadMessage(message));
        Assert.Equal(sync == SyncMode.None ? 0 : 1, store.Syncs);
    }

    [Fact]
    public async Task The_envelope_round_trips_with_the_id_and_size_of_the_writer()
    {
        using var store = Open();
        string id = await CommitAsync(store, "12345");
        var envelope = store.Find(id)!.Envelope;

        Assert.Equal(SampleEnvelope(id) with { Size = 5, Recipients = envelope.Recipients }, envelope);
        Assert.Equal(SampleEnvelope().Recipients, envelope.Recipients);
        Assert.Equal(5, store.Find(id)!.ContentLength);
        Assert.Equal(13, store.Find(id)!.PrefixLength);
    }

    [Fact]
    public async Task An_uncommitted_writer_leaves_nothing()
    {
        using var store = Open();
        string id;
        await using (var writer = store.Create())
        {
            id = writer.Id;
            writer.Write("partial"u8);
            Assert.Single(Directory.EnumerateFiles(Path.Combine(QueueDirectory, "tmp")));
        }

        Assert.Empty(Directory.EnumerateFiles(Path.Combine(QueueDirectory, "tmp")));
        Assert.Empty(Directory.EnumerateFiles(QueueDirectory));
        Assert.Empty(store.List());
        Assert.Null(store.Find(id));
    }

    [Fact]
    public async Task A_committed_writer_cannot_be_written_again()
    {
        using var store = Open();
        await using var writer = store.Create();
        writer.Write("a"u8);
        await writer.CommitAsync(ReadOnlyMemory<byte>.Empty, SampleEnvelope());
        Assert.Throws<ObjectDisposedException>(() => writer.Write("b"u8));
        await Assert.ThrowsAsync<ObjectDisposedException>(() => writer.CommitAsync(ReadOnlyMemory<byte>.Empty, SampleEnvelope()));
        await writer.DisposeAsync();
        Assert.NotNull(store.Find(writer.Id)); // Disposing after the commit keeps the message.
    }

    [Fact]
    public async Task Recover_deletes_partial_writes_and_sets_truncated_files_aside()
    {
        string good;
        string truncated;
        string badMagic;
        using (var store = Open())
        {
            good = await CommitAsync(store, "good\r\n");
            truncated = await CommitAsync(store, "will be cut\r\n");
            badMagic = await CommitAsync(store, "bad magic\r\n");
            var crashed = store.Create(); // A session killed mid-message: never disposed, never committed.
            crashed.Write("half a message"u8);
        }

        // A crash between rename and sync can leave a file cut short; a stray file with the right name, garbage.
        string path = Path.Combine(QueueDirectory, truncated + ".msg");
        byte[] bytes = File.ReadAllBytes(path);
        File.WriteAllBytes(path, bytes[..^10]);
        string magicPath = Path.Combine(QueueDirectory, badMagic + ".msg");
        byte[] magic = File.ReadAllBytes(magicPath);
        magic[0] = (byte)'X';
        File.WriteAllBytes(magicPath, magic);
        File.WriteAllText(Path.Combine(QueueDirectory, "tmp", "leftover"), "x");
        File.WriteAllText(Path.Combine(QueueDirectory, "0000000000000000zz.msg"), "not a spool file");

        using var reopened = Open();
        Assert.Equal([good], reopened.List().Select(m => m.Id)); // Unreadable files are never listed as messages.
        var report = reopened.Recover();

        Assert.Equal(new RecoveryReport(Messages: 1, PartialWritesRemoved: 2, InvalidFilesSetAside: 3), report);
        Assert.Empty(Directory.EnumerateFiles(Path.Combine(QueueDirectory, "tmp")));
        Assert.Equal(
            new[] { badMagic + ".msg", "0000000000000000zz.msg", truncated + ".msg" }.Order(StringComparer.Ordinal),
            Directory.EnumerateFiles(Path.Combine(QueueDirectory, "invalid")).Select(Path.GetFileName).Order(StringComparer.Ordinal));
        Assert.Equal([good], reopened.List().Select(m => m.Id));
        Assert.Equal("Received: x\r\ngood\r\n", ReadMessage(reopened.List().Single()));

        // Recovery is idempotent.
        Assert.Equal(new RecoveryReport(1, 0, 0), reopened.Recover());
    }

    [Fact]
    public async Task A_file_whose_footer_does_not_add_up_is_invalid()
    {
        using var store = Open();
        string id = await CommitAsync(store, "content\r\n");
        string path = store.PathOf(id);
        byte[] bytes = File.ReadAllBytes(path);

        // One octet more content than the footer says.
        byte[] longer = [.. bytes[..SpoolFileFormat.MagicLength], (byte)'!', .. bytes[SpoolFileFormat.MagicLength..]];
        File.WriteAllBytes(path, longer);
        Assert.False(SpoolStore.TryRead(path, out _));

        // A footer with a damaged length field.
        byte[] damaged = (byte[])bytes.Clone();
        damaged[^2] = (byte)'g';
        File.WriteAllBytes(path, damaged);
        Assert.False(SpoolStore.TryRead(path, out _));

        File.WriteAllBytes(path, bytes);
        Assert.True(SpoolStore.TryRead(path, out var message));
        Assert.Equal(id, message.Id);
        Assert.False(SpoolStore.TryRead(Path.Combine(QueueDirectory, "missing.msg"), out _));
    }

    [Fact]
    public async Task The_file_layout_is_magic_content_prefix_envelope_footer()
    {
        using var store = Open();
        string id = await CommitAsync(store, "C0NTENT", "PREFIX");
        byte[] file = File.ReadAllBytes(store.PathOf(id));

        Assert.Equal(SpoolFileFormat.Magic.ToArray(), file[..SpoolFileFormat.MagicLength]);
        Assert.Equal(SpoolFileFormat.MagicLength, SpoolFileFormat.Magic.Length);
        Assert.Equal("C0NTENTPREFIX", Encoding.ASCII.GetString(file, SpoolFileFormat.MagicLength, 13));
        byte[] footer = file[^SpoolFileFormat.FooterLength..];
        Assert.True(SpoolFileFormat.TryParseFooter(footer, out long content, out long prefix, out long envelope));
        Assert.Equal((7L, 6L), (content, prefix));
        var json = file.AsSpan(SpoolFileFormat.MagicLength + 13, (int)envelope);
        var parsed = JsonSerializer.Deserialize(json, SpoolJsonContext.Default.Envelope)!;
        Assert.Equal(id, parsed.Id);
        Assert.Equal(7, parsed.Size);
        Assert.Equal(file.Length, SpoolFileFormat.MagicLength + content + prefix + envelope + SpoolFileFormat.FooterLength);
    }

    [Theory]
    [InlineData(0L, 0L, 0L)]
    [InlineData(1L, 2L, 3L)]
    [InlineData(52_428_800L, 4096L, 65_535L)]
    [InlineData(long.MaxValue, 0x0123456789abcdefL, 0x7edcba9876543210L)]
    public void Footers_round_trip(long content, long prefix, long envelope)
    {
        byte[] footer = SpoolFileFormat.Footer(content, prefix, envelope);
        Assert.Equal(SpoolFileFormat.FooterLength, footer.Length);
        Assert.True(SpoolFileFormat.TryParseFooter(footer, out long c, out long p, out long e));
        Assert.Equal((content, prefix, envelope), (c, p, e));
    }

    [Fact]
    public void Malformed_footers_are_refused()
    {
        byte[] good = SpoolFileFormat.Footer(1, 2, 3);
        Assert.False(SpoolFileFormat.TryParseFooter(good.AsSpan(1), out _, out _, out _));
        Assert.False(SpoolFileFormat.TryParseFooter([.. good, (byte)'\n'], out _, out _, out _));
        foreach (int position in new[] { 0, 1, 6, 10, 23, 30, 40, 50, 57 })
        {
            byte[] bad = (byte[])good.Clone();
            bad[position] = (byte)'z';
            Assert.False(SpoolFileFormat.TryParseFooter(bad, out _, out _, out _), $"octet {position} damaged");
        }
    }

    [Fact]
    public async Task Large_content_streams_through_and_reads_back_in_small_pieces()
    {
        using var store = Open();
        var random = new Random(7);
        byte[] content = new byte[1_000_003];
        random.NextBytes(content);
        string prefix = "Received: from a\r\n\tby b; now\r\n";
        await using var writer = store.Create();
        for (int offset = 0; offset < content.Length; offset += 8191)
        {
            writer.Write(content.AsSpan(offset, Math.Min(8191, content.Length - offset)));
        }

        Assert.Equal(content.Length, writer.ContentLength);
        await writer.CommitAsync(Encoding.ASCII.GetBytes(prefix), SampleEnvelope());
        var message = store.Find(writer.Id)!;

        using var stream = message.OpenMessage();
        // Seekable: verifiers read a message more than once (inbound DKIM, ARC).
        Assert.True(stream.CanSeek);
        Assert.False(stream.CanWrite);
        stream.Position = prefix.Length + 1;
        Assert.Equal(content[1], (byte)stream.ReadByte());
        Assert.Equal(prefix.Length - 1, stream.Seek(-(content.Length + 1), SeekOrigin.End));
        Assert.Equal((byte)prefix[^1], (byte)stream.ReadByte());
        stream.Seek(0, SeekOrigin.Begin);
        Assert.Equal(prefix.Length + content.Length, stream.Length);
        using var copy = new MemoryStream();
        byte[] buffer = new byte[7];
        int read;
        while ((read = stream.Read(buffer)) > 0)
        {
            copy.Write(buffer, 0, read);
        }

        byte[] all = copy.ToArray();
        Assert.Equal(Encoding.ASCII.GetBytes(prefix), all[..prefix.Length]);
        Assert.True(content.AsSpan().SequenceEqual(all.AsSpan(prefix.Length)));
    }

    [Fact]
    public async Task Concurrent_commits_share_syncs_and_all_arrive()
    {
        using var store = Open(SyncMode.Syncfs);
        string[] ids = await Task.WhenAll(Enumerable.Range(0, 32).Select(i => Task.Run(() => CommitAsync(store, $"message {i}\r\n"))));

        Assert.Equal(ids.Order(StringComparer.Ordinal), store.List().Select(m => m.Id));
        Assert.InRange(store.Syncs, 1, 32);
        Assert.Equal(ids.Length, ids.Distinct().Count());
    }

    [Theory]
    [InlineData("")]
    [InlineData("../../etc/passwd")]
    [InlineData("0000000000000000ZZ")]
    [InlineData("00000000000000000")]
    public void Find_refuses_what_is_not_a_queue_id(string id)
    {
        using var store = Open();
        Assert.Null(store.Find(id));
    }

    [Fact]
    public void Opening_creates_the_directories()
    {
        using var store = Open();
        Assert.True(Directory.Exists(Path.Combine(QueueDirectory, "tmp")));
        Assert.Equal(Path.GetFullPath(QueueDirectory), store.Directory);
        Assert.Empty(store.List());
        Assert.Equal(new RecoveryReport(0, 0, 0), store.Recover());
    }

    [Fact]
    public async Task Spool_files_are_private()
    {
        using var store = Open();
        string id = await CommitAsync(store, "secret\r\n");
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(store.PathOf(id)));
    }
}
