using System.Text;
using MailAppliance.Dkim;

namespace MailAppliance.Tests.Dkim;

/// <summary>Canonicalization (RFC 6376 §3.4), with the RFC's own examples (§3.4.5) and empty-body hashes.</summary>
public sealed class DkimCanonicalizationTests
{
    // RFC 6376 §3.4.5 Example 1's message.
    private const string ExampleHeader = "A: X\r\nB : Y\t\r\n\tZ  \r\n";
    private const string ExampleBody = " C \r\nD \t E\r\n\r\n\r\n";

    [Fact]
    public void Relaxed_header_and_body_give_the_rfc_6376_example_1_result()
    {
        var fields = DkimHeaderSection.Parse(Encoding.ASCII.GetBytes(ExampleHeader));

        Assert.Equal("a:X\r\nb:Y Z\r\n", Headers(fields, DkimCanonicalizationAlgorithm.Relaxed));
        Assert.Equal(" C\r\nD E\r\n", Body(ExampleBody, DkimCanonicalizationAlgorithm.Relaxed));
    }

    [Fact]
    public void Simple_header_and_body_give_the_rfc_6376_example_2_result()
    {
        var fields = DkimHeaderSection.Parse(Encoding.ASCII.GetBytes(ExampleHeader));

        Assert.Equal("A: X\r\nB : Y\t\r\n\tZ  \r\n", Headers(fields, DkimCanonicalizationAlgorithm.Simple));
        Assert.Equal(" C \r\nD \t E\r\n", Body(ExampleBody, DkimCanonicalizationAlgorithm.Simple));
    }

    [Fact]
    public void Relaxed_header_with_simple_body_gives_the_rfc_6376_example_3_result()
    {
        var fields = DkimHeaderSection.Parse(Encoding.ASCII.GetBytes(ExampleHeader));

        Assert.Equal("a:X\r\nb:Y Z\r\n", Headers(fields, DkimCanonicalizationAlgorithm.Relaxed));
        Assert.Equal(" C \r\nD \t E\r\n", Body(ExampleBody, DkimCanonicalizationAlgorithm.Simple));
    }

    [Theory]
    // RFC 6376 §3.4.3: an empty body is "CRLF" in simple; §3.4.4: the null input in relaxed.
    [InlineData("", DkimCanonicalizationAlgorithm.Simple, "frcCV1k9oG9oKj3dpUqdJg1PxRT2RSN/XKdLCPjaYaY=")]
    [InlineData("\r\n\r\n", DkimCanonicalizationAlgorithm.Simple, "frcCV1k9oG9oKj3dpUqdJg1PxRT2RSN/XKdLCPjaYaY=")]
    [InlineData("", DkimCanonicalizationAlgorithm.Relaxed, "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=")]
    [InlineData(" \t\r\n\r\n  \r\n", DkimCanonicalizationAlgorithm.Relaxed, "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=")]
    public void Empty_bodies_hash_to_the_values_rfc_6376_gives(string body, DkimCanonicalizationAlgorithm algorithm, string hash)
    {
        Assert.Equal(hash, Convert.ToBase64String(DkimBodyHasher.Compute(Encoding.ASCII.GetBytes(body), algorithm)));
    }

    [Theory]
    [InlineData("abc", DkimCanonicalizationAlgorithm.Simple, "abc\r\n")]
    [InlineData("abc", DkimCanonicalizationAlgorithm.Relaxed, "abc\r\n")]
    [InlineData("a\rb\r\n", DkimCanonicalizationAlgorithm.Simple, "a\rb\r\n")]
    [InlineData("a \r\n\r\nb  \r\n \r\n", DkimCanonicalizationAlgorithm.Relaxed, "a\r\n\r\nb\r\n")]
    [InlineData(" \r\n x", DkimCanonicalizationAlgorithm.Simple, " \r\n x\r\n")]
    [InlineData("x\r", DkimCanonicalizationAlgorithm.Simple, "x\r\r\n")]
    public void Body_edge_cases(string body, DkimCanonicalizationAlgorithm algorithm, string expected)
    {
        Assert.Equal(expected, Body(body, algorithm));
    }

    [Theory]
    [InlineData(DkimCanonicalizationAlgorithm.Simple)]
    [InlineData(DkimCanonicalizationAlgorithm.Relaxed)]
    public void Feeding_the_body_in_any_pieces_gives_the_same_octets(DkimCanonicalizationAlgorithm algorithm)
    {
        // Every split point, including between CR and LF and inside whitespace runs.
        string body = "Hi \t there  \r\n\r\n \r\nline\rwith bare CR \r\n\r\n\r\n";
        string whole = Body(body, algorithm);
        byte[] bytes = Encoding.ASCII.GetBytes(body);
        for (int split = 0; split <= bytes.Length; split++)
        {
            var output = new List<byte>();
            var canonicalizer = new DkimBodyCanonicalizer(algorithm, chunk => output.AddRange(chunk.ToArray()));
            canonicalizer.Append(bytes.AsSpan(0, split));
            canonicalizer.Append(bytes.AsSpan(split));
            canonicalizer.Complete();
            Assert.Equal(whole, Encoding.ASCII.GetString([.. output]));
        }

        var byteByByte = new List<byte>();
        var single = new DkimBodyCanonicalizer(algorithm, chunk => byteByByte.AddRange(chunk.ToArray()));
        foreach (byte b in bytes)
        {
            single.Append([b]);
        }

        single.Complete();
        Assert.Equal(whole, Encoding.ASCII.GetString([.. byteByByte]));
    }

    [Fact]
    public async Task A_large_body_is_hashed_from_a_stream_in_constant_memory_with_the_same_result()
    {
        byte[] line = Encoding.ASCII.GetBytes("The quick brown fox  jumps over the lazy dog. \r\n");
        using var stream = new MemoryStream();
        for (int i = 0; i < 100_000; i++)
        {
            stream.Write(line);
        }

        stream.Write("\r\n\r\n"u8);
        byte[] body = stream.ToArray();
        stream.Position = 0;
        using var hasher = new DkimBodyHasher(DkimCanonicalizationAlgorithm.Relaxed);
        await hasher.AppendAsync(stream);

        Assert.Equal(DkimBodyHasher.Compute(body, DkimCanonicalizationAlgorithm.Relaxed), hasher.Complete());
        Assert.Equal(100_000L * (line.Length - 2), hasher.CanonicalLength);
    }

    [Fact]
    public void The_body_length_limit_hashes_only_the_first_l_canonical_octets()
    {
        byte[] body = Encoding.ASCII.GetBytes("first  line\r\nappended later\r\n");
        using var hasher = new DkimBodyHasher(DkimCanonicalizationAlgorithm.Relaxed, lengthLimit: 12);
        hasher.Append(body);

        // "first line\r\n" is 12 canonical octets.
        Assert.Equal(System.Security.Cryptography.SHA256.HashData("first line\r\n"u8), hasher.Complete());
        Assert.Equal(28, hasher.CanonicalLength);
    }

    [Fact]
    public void A_continuation_line_before_any_field_is_not_a_header_section()
    {
        Assert.Throws<DkimFormatException>(() => DkimHeaderSection.Parse("  not a field\r\n"u8.ToArray()));
        Assert.Throws<DkimFormatException>(() => DkimHeaderSection.Parse("no colon here\r\n"u8.ToArray()));
    }

    private static string Headers(IReadOnlyList<DkimHeaderField> fields, DkimCanonicalizationAlgorithm algorithm) =>
        string.Concat(fields.Select(f => Encoding.ASCII.GetString(DkimHeaderCanonicalizer.Canonicalize(f, algorithm))));

    private static string Body(string body, DkimCanonicalizationAlgorithm algorithm) =>
        Encoding.ASCII.GetString(DkimBodyCanonicalizer.Canonicalize(Encoding.ASCII.GetBytes(body), algorithm));
}
