using MailAppliance.Srs;

namespace MailAppliance.Tests.Srs;

/// <summary>
/// SRS0/SRS1 rewriting. The postsrsd vectors (its blackbox socketmap tests: secret "tops3cr3t", clock 2020-01-01
/// 00:01:00 UTC) prove the hash and stamp are computed as libsrs2 does, so a postsrsd-era address still reverses.
/// </summary>
public sealed class SrsRewriterTests
{
    private static readonly DateTimeOffset PostsrsdTime = DateTimeOffset.FromUnixTimeSeconds(1577836860);

    [Fact]
    public void Forward_matches_postsrsd_for_an_ordinary_sender()
    {
        var result = Rewriter().Forward("test@otherdomain.com", "example.com");

        Assert.Equal(SrsForwardStatus.Rewritten, result.Status);
        Assert.Equal("SRS0=vmyz=2W=otherdomain.com=test@example.com", result.Address);
    }

    [Fact]
    public void Forward_matches_postsrsd_for_another_forwarders_srs0_and_srs1()
    {
        Assert.Equal("SRS1=chaI=otherdomain.com==opaque+string@example.com", Rewriter().Forward("SRS0=opaque+string@otherdomain.com", "example.com").Address);
        Assert.Equal("SRS1=JIBX=thirddomain.com==opaque+string@example.com", Rewriter().Forward("SRS1=X=thirddomain.com==opaque+string@otherdomain.com", "example.com").Address);
    }

    [Theory]
    [InlineData("SRS0=XjO9=2V=otherdomain.com=test@example.com", "test@otherdomain.com")]
    [InlineData("srs0=xjo9=2v=otherdomain.com=test@example.com", "test@otherdomain.com")]
    [InlineData("SRS0=XJO9=2V=OTHERDOMAIN.COM=TEST@EXAMPLE.COM", "TEST@OTHERDOMAIN.COM")]
    [InlineData("SRS1=JIBX=thirddomain.com==opaque+string@example.com", "SRS0=opaque+string@thirddomain.com")]
    public void Reverse_matches_postsrsd(string address, string original)
    {
        var result = Rewriter().Reverse(address);

        Assert.Equal(SrsReverseStatus.Ok, result.Status);
        Assert.Equal(original, result.Address);
    }

    [Theory]
    [InlineData("SRS0=te87=T7=otherdomain.com=test@example.com")] // six months old
    [InlineData("SRS0=VcIb=7N=otherdomain.com=test@example.com")] // six months in the future
    public void Reverse_refuses_postsrsd_stamps_out_of_date(string address) =>
        Assert.Equal(SrsReverseStatus.Expired, Rewriter().Reverse(address).Status);

    [Theory]
    [InlineData("SRS0=FAKE=2V=otherdomain.com=test@example.com")]
    [InlineData("SRS0=@example.com")]
    [InlineData("SRS0=XjO9@example.com")]
    [InlineData("SRS0=XjO9=2V@example.com")]
    [InlineData("SRS0=XjO9=2V=otherdomain.com@example.com")]
    [InlineData("SRS0=XjO9=!!=otherdomain.com=test@example.com")]
    [InlineData("SRS1=@example.com")]
    [InlineData("SRS1=FAKE=thirddomain.com==opaque+string@example.com")]
    public void Reverse_refuses_forged_and_malformed_addresses(string address)
    {
        var result = Rewriter().Reverse(address);

        Assert.Equal(SrsReverseStatus.Forged, result.Status);
        Assert.NotNull(result.Problem);
        Assert.Null(result.Address);
    }

    [Theory]
    [InlineData("test@example.com")]
    [InlineData("srs2=abc@example.com")]
    [InlineData("SRS0@example.com")]
    [InlineData("postmaster")]
    public void Reverse_says_not_srs_for_ordinary_recipients(string address) =>
        Assert.Equal(SrsReverseStatus.NotSrs, Rewriter().Reverse(address).Status);

    [Theory]
    [InlineData("", SrsForwardStatus.NotNeeded)]
    [InlineData("someone@Example.COM", SrsForwardStatus.NotNeeded)]
    [InlineData("SRS0=XjO9=2V=otherdomain.com=test@example.com", SrsForwardStatus.NotNeeded)]
    [InlineData("foo", SrsForwardStatus.NoDomain)]
    [InlineData("foo@", SrsForwardStatus.NoDomain)]
    public void Forward_leaves_senders_it_need_not_or_cannot_rewrite(string sender, SrsForwardStatus status)
    {
        var result = Rewriter().Forward(sender, "example.com");

        Assert.Equal(status, result.Status);
        Assert.Equal(sender, result.Address);
    }

    [Theory]
    [InlineData("alice@origin.test")]
    [InlineData("a=b=c@origin.test")]
    [InlineData("user+tag@origin.test")]
    [InlineData("first.last+x=y@sub.origin.test")]
    [InlineData("\"quoted name\"@origin.test")]
    public void Round_trips_local_parts_with_separators(string sender)
    {
        var rewriter = Rewriter(DateTimeOffset.UtcNow);
        var forwarded = rewriter.Forward(sender, "relay.test");

        Assert.True(forwarded.Rewritten);
        Assert.StartsWith("SRS0=", forwarded.Address, StringComparison.Ordinal);
        Assert.EndsWith("@relay.test", forwarded.Address, StringComparison.Ordinal);
        var reversed = rewriter.Reverse(forwarded.Address);
        Assert.Equal(SrsReverseStatus.Ok, reversed.Status);
        Assert.Equal(sender, reversed.Address);
    }

    [Fact]
    public void A_case_folded_address_still_reverses()
    {
        var rewriter = Rewriter(DateTimeOffset.UtcNow);
        string address = rewriter.Forward("Alice@Origin.test", "relay.test").Address;

        Assert.Equal("alice@origin.test", rewriter.Reverse(address.ToLowerInvariant()).Address);
        Assert.Equal("ALICE@ORIGIN.TEST", rewriter.Reverse(address.ToUpperInvariant()).Address);
    }

    [Fact]
    public void A_changed_original_address_is_forged()
    {
        var rewriter = Rewriter(DateTimeOffset.UtcNow);
        string address = rewriter.Forward("alice@origin.test", "relay.test").Address;

        Assert.Equal(SrsReverseStatus.Forged, rewriter.Reverse(address.Replace("alice", "mallory", StringComparison.Ordinal)).Status);
        Assert.Equal(SrsReverseStatus.Forged, rewriter.Reverse(address.Replace("origin.test", "evil.test", StringComparison.Ordinal)).Status);
    }

    [Fact]
    public void Expires_after_max_age_days()
    {
        var start = new DateTimeOffset(2026, 11, 1, 12, 0, 0, TimeSpan.Zero);
        var clock = new MovableTime(start);
        var rewriter = new SrsRewriter(SrsSecrets.FromLines(["s3cret"]), new SrsOptions { MaxAge = TimeSpan.FromDays(21) }, clock);
        string address = rewriter.Forward("alice@origin.test", "relay.test").Address;

        clock.Now = start.AddDays(21);
        Assert.Equal(SrsReverseStatus.Ok, rewriter.Reverse(address).Status);
        clock.Now = start.AddDays(22);
        var expired = rewriter.Reverse(address);
        Assert.Equal(SrsReverseStatus.Expired, expired.Status);
        Assert.Contains("22 days", expired.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public void The_stamp_wraps_after_1024_days_without_false_expiry()
    {
        // Day 1023 then day 1024 (slot 0): one day old, not 1023.
        var dayBefore = DateTimeOffset.FromUnixTimeSeconds(1023L * 86400 + 3600);
        var clock = new MovableTime(dayBefore);
        var rewriter = new SrsRewriter(SrsSecrets.FromLines(["s3cret"]), timeProvider: clock);
        string address = rewriter.Forward("alice@origin.test", "relay.test").Address;

        clock.Now = dayBefore.AddDays(1);
        Assert.Equal(SrsReverseStatus.Ok, rewriter.Reverse(address).Status);
    }

    [Fact]
    public void Srs1_chain_through_two_forwarders_returns_to_the_first()
    {
        var now = DateTimeOffset.UtcNow;
        var first = new SrsRewriter(SrsSecrets.FromLines(["first-secret"]), timeProvider: new MovableTime(now));
        var second = new SrsRewriter(SrsSecrets.FromLines(["second-secret"]), timeProvider: new MovableTime(now));
        var third = new SrsRewriter(SrsSecrets.FromLines(["third-secret"]), timeProvider: new MovableTime(now));

        string viaFirst = first.Forward("alice@origin.test", "first.test").Address;
        string viaSecond = second.Forward(viaFirst, "second.test").Address;
        string viaThird = third.Forward(viaSecond, "third.test").Address;

        Assert.StartsWith("SRS1=", viaSecond, StringComparison.Ordinal);
        Assert.StartsWith("SRS1=", viaThird, StringComparison.Ordinal);
        Assert.Contains("=first.test==", viaThird, StringComparison.Ordinal);

        // A bounce at the last forwarder goes straight back to the first one's SRS0 address...
        var back = third.Reverse(viaThird);
        Assert.Equal(SrsReverseStatus.Ok, back.Status);
        Assert.Equal(viaFirst, back.Address);
        Assert.Equal(SrsReverseStatus.Ok, second.Reverse(viaSecond).Status);
        // ...which only the first can open; the others' secrets do not fit.
        Assert.Equal("alice@origin.test", first.Reverse(back.Address!).Address);
        Assert.Equal(SrsReverseStatus.Forged, second.Reverse(viaThird).Status);
        Assert.Equal(SrsReverseStatus.Forged, third.Reverse(back.Address!.Replace("@first.test", "@third.test", StringComparison.Ordinal)).Status);
    }

    [Fact]
    public void Every_secret_verifies_and_the_first_signs()
    {
        var now = DateTimeOffset.UtcNow;
        var old = new SrsRewriter(SrsSecrets.FromLines(["old"]), timeProvider: new MovableTime(now));
        var rotated = new SrsRewriter(SrsSecrets.FromLines(["# rotated", "new", "", "old"]), timeProvider: new MovableTime(now));
        var newOnly = new SrsRewriter(SrsSecrets.FromLines(["new"]), timeProvider: new MovableTime(now));

        string oldAddress = old.Forward("alice@origin.test", "relay.test").Address;
        string newAddress = rotated.Forward("alice@origin.test", "relay.test").Address;

        Assert.Equal(SrsReverseStatus.Ok, rotated.Reverse(oldAddress).Status);
        Assert.Equal(SrsReverseStatus.Ok, newOnly.Reverse(newAddress).Status);
        Assert.Equal(SrsReverseStatus.Forged, old.Reverse(newAddress).Status);
    }

    [Fact]
    public void Options_change_the_prefix_separator_and_hash_length()
    {
        var rewriter = new SrsRewriter(SrsSecrets.FromLines(["s"]), new SrsOptions { Separator = '+', HashLength = 8 }, new MovableTime(DateTimeOffset.UtcNow));
        string address = rewriter.Forward("alice@origin.test", "relay.test").Address;

        Assert.Matches("^SRS0\\+[A-Za-z0-9+/]{8}=[A-Z2-7]{2}=origin\\.test=alice@relay\\.test$", address);
        Assert.Equal("alice@origin.test", rewriter.Reverse(address).Address);
        // A hash shorter than the configured length is refused.
        Assert.Equal(SrsReverseStatus.Forged, rewriter.Reverse(address.Remove(5 + 4, 4)).Status);
    }

    [Fact]
    public void An_address_over_512_octets_is_left_alone()
    {
        string sender = "test@" + new string('a', 504) + ".net";

        var result = Rewriter().Forward(sender, "example.com");

        Assert.Equal(SrsForwardStatus.TooLong, result.Status);
        Assert.Equal(sender, result.Address);
    }

    [Theory]
    [InlineData(0, 4, '=')]
    [InlineData(1024, 4, '=')]
    [InlineData(21, 0, '=')]
    [InlineData(21, 28, '=')]
    [InlineData(21, 4, '#')]
    public void Invalid_options_are_refused(int days, int hashLength, char separator) =>
        Assert.Throws<ArgumentException>(() => new SrsRewriter(
            SrsSecrets.FromLines(["s"]), new SrsOptions { MaxAge = TimeSpan.FromDays(days), HashLength = hashLength, Separator = separator }));

    private static SrsRewriter Rewriter(DateTimeOffset? now = null) =>
        new(SrsSecrets.FromLines(["tops3cr3t"]), new SrsOptions { MaxAge = TimeSpan.FromDays(31) }, new MovableTime(now ?? PostsrsdTime));

    private sealed class MovableTime(DateTimeOffset now) : TimeProvider
    {
        public DateTimeOffset Now { get; set; } = now;

        public override DateTimeOffset GetUtcNow() => Now;
    }
}
