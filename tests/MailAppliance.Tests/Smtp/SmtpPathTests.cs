using MailAppliance.Core;
using MailAppliance.Smtp.Protocol;

namespace MailAppliance.Tests.Smtp;

/// <summary>RFC 5321 §4.1.2 paths and ESMTP parameters.</summary>
public class SmtpPathTests
{
    private static (SmtpReply? Error, EmailAddress Address, IReadOnlyList<KeyValuePair<string, string?>> Parameters) Parse(string argument, string keyword = "FROM:", bool allowNull = true)
    {
        var error = SmtpPath.TryParse(argument, keyword, allowNull, out var address, out var parameters);
        return (error, address, parameters);
    }

    [Theory]
    [InlineData("FROM:<a@b.test>", "a", "b.test")]
    [InlineData("from:<a@b.test>", "a", "b.test")]
    [InlineData("FROM: <a@b.test>", "a", "b.test")]
    [InlineData("FROM:   <a@b.test>", "a", "b.test")]
    [InlineData("FROM:<Mixed.Case@B.TEST>", "Mixed.Case", "b.test")]
    [InlineData("FROM:a@b.test", "a", "b.test")]
    [InlineData("FROM:<\"quoted local\"@b.test>", "\"quoted local\"", "b.test")]
    [InlineData("FROM:<\"with > and @\"@b.test>", "\"with > and @\"", "b.test")]
    [InlineData("FROM:<\"esc\\\"aped\"@b.test>", "\"esc\\\"aped\"", "b.test")]
    [InlineData("FROM:<@relay.test:a@b.test>", "a", "b.test")]
    [InlineData("FROM:<@one.test,@two.test:a@b.test>", "a", "b.test")]
    [InlineData("FROM:<!#$%&'*+-/=?^_`{|}~@b.test>", "!#$%&'*+-/=?^_`{|}~", "b.test")]
    [InlineData("FROM:<a.b.c@b.test>", "a.b.c", "b.test")]
    [InlineData("FROM:<a@[192.0.2.1]>", "a", "[192.0.2.1]")]
    [InlineData("FROM:<a@[IPv6:2001:db8::1]>", "a", "[ipv6:2001:db8::1]")]
    [InlineData("FROM:<ñandú@bücher.test>", "ñandú", "bücher.test")]
    [InlineData("FROM:<a@xn--bcher-kva.test>", "a", "xn--bcher-kva.test")]
    [InlineData("FROM:<a@localhost>", "a", "localhost")]
    [InlineData("FROM:<a@1.2.3.4>", "a", "1.2.3.4")]
    public void Valid_paths(string argument, string local, string domain)
    {
        var (error, address, parameters) = Parse(argument);
        Assert.Null(error);
        Assert.Equal(new EmailAddress(local, domain), address);
        Assert.Empty(parameters);
    }

    [Theory]
    [InlineData("FROM:<a@b.test")]
    [InlineData("FROM:<nodomain>")]
    [InlineData("FROM:<@b.test>")]
    [InlineData("FROM:<a@>")]
    [InlineData("FROM:<.a@b.test>")]
    [InlineData("FROM:<a.@b.test>")]
    [InlineData("FROM:<a..b@b.test>")]
    [InlineData("FROM:<a b@b.test>")]
    [InlineData("FROM:<a(comment)@b.test>")]
    [InlineData("FROM:<a,b@b.test>")]
    [InlineData("FROM:<a@b@c.test>")]
    [InlineData("FROM:<a@b..test>")]
    [InlineData("FROM:<a@.b.test>")]
    [InlineData("FROM:<a@b.test.>")]
    [InlineData("FROM:<a@-b.test>")]
    [InlineData("FROM:<a@b-.test>")]
    [InlineData("FROM:<a@b_c.test>")]
    [InlineData("FROM:<a@[]>")]
    [InlineData("FROM:<a@[1.2.3.4>")]
    [InlineData("FROM:<a@[1.2]3.4]>")]
    [InlineData("FROM:<\"unterminated@b.test>")]
    [InlineData("FROM:<\"quoted\"x@b.test>")]
    [InlineData("FROM:<\"ctl\u0001\"@b.test>")]
    [InlineData("FROM:<@relay.test>")]
    [InlineData("FROM:<@relay.test:>")]
    [InlineData("FROM:<a@b.test\u0000>")]
    public void Invalid_paths_are_bad_address(string argument)
    {
        var (error, _, _) = Parse(argument);
        Assert.Same(SmtpReplies.BadAddress, error);
    }

    [Theory]
    [InlineData("TO:<a@b.test>")]
    [InlineData("FRM:<a@b.test>")]
    [InlineData("")]
    [InlineData("<a@b.test>")]
    public void A_missing_keyword_is_a_syntax_error(string argument)
    {
        Assert.Same(SmtpReplies.SyntaxError, Parse(argument).Error);
    }

    [Fact]
    public void Null_path_only_where_allowed()
    {
        var (error, address, _) = Parse("FROM:<>");
        Assert.Null(error);
        Assert.True(address.IsNull);
        Assert.Same(SmtpReplies.BadAddress, Parse("TO:<>", "TO:", allowNull: false).Error);
        Assert.Same(SmtpReplies.BadAddress, Parse("TO:", "TO:", allowNull: false).Error);
    }

    [Fact]
    public void Length_limits_of_rfc_5321_4_5_3_1()
    {
        string local64 = new('l', 64);
        Assert.Null(Parse($"FROM:<{local64}@b.test>").Error);
        Assert.Same(SmtpReplies.BadAddress, Parse($"FROM:<{local64}l@b.test>").Error);

        string label63 = new('d', 63);
        Assert.Null(Parse($"FROM:<a@{label63}.test>").Error);
        Assert.Same(SmtpReplies.BadAddress, Parse($"FROM:<a@{label63}d.test>").Error);

        // The whole path, brackets included, is at most 256 octets.
        string domain = string.Join('.', Enumerable.Repeat(new string('d', 60), 4)); // 243
        string path = $"<{new string('l', 256 - 2 - 1 - domain.Length)}@{domain}>";
        Assert.Equal(256, path.Length);
        Assert.Null(Parse("FROM:" + path).Error);
        Assert.Same(SmtpReplies.BadAddress, Parse("FROM:" + path.Replace("<l", "<ll")).Error);
    }

    [Fact]
    public void Parameters_are_split_and_keys_upper_cased()
    {
        var (error, address, parameters) = Parse("FROM:<a@b.test> size=100 BODY=8BITMIME SMTPUTF8  ENVID=x=y");
        Assert.Null(error);
        Assert.Equal("a@b.test", address.ToString());
        Assert.Equal(
            [new("SIZE", "100"), new("BODY", "8BITMIME"), new("SMTPUTF8", null), new KeyValuePair<string, string?>("ENVID", "x=y")],
            parameters);

        var bare = Parse("FROM:a@b.test SIZE=10");
        Assert.Null(bare.Error);
        Assert.Equal([new KeyValuePair<string, string?>("SIZE", "10")], bare.Parameters);
        Assert.Equal([new KeyValuePair<string, string?>("X-EXT", "")], Parse("FROM:<a@b.test> X-Ext=").Parameters);
    }

    [Theory]
    [InlineData("FROM:<a@b.test> =1")]
    [InlineData("FROM:<a@b.test> SI_ZE=1")]
    [InlineData("FROM:<a@b.test> <c@d.test>")]
    [InlineData("FROM:<a@b.test>>")]
    [InlineData("FROM:<a@b.test> ÑO=1")]
    public void Malformed_parameters_are_a_syntax_error(string argument)
    {
        Assert.Same(SmtpReplies.SyntaxError, Parse(argument).Error);
    }

    [Theory]
    [InlineData("a", true)]
    [InlineData("QQ314159", true)]
    [InlineData("a+2Bb+3D", true)]
    [InlineData("rfc822;user@example.test", true)]
    [InlineData("!~", true)]
    [InlineData("", false)]
    [InlineData("a=b", false)]
    [InlineData("a b", false)]
    [InlineData("a+2b", false)]
    [InlineData("a+2", false)]
    [InlineData("a+", false)]
    [InlineData("a+GG", false)]
    [InlineData("ñ", false)]
    [InlineData("a\u007f", false)]
    public void Xtext_of_rfc_3461_4(string value, bool valid) => Assert.Equal(valid, SmtpPath.IsXtext(value));

    [Theory]
    [InlineData("user", "example.test", false)]
    [InlineData("josé", "example.test", true)]
    [InlineData("user", "bücher.test", true)]
    [InlineData("user", "xn--bcher-kva.test", false)]
    public void Non_ascii_needs_smtputf8(string local, string domain, bool needs) =>
        Assert.Equal(needs, SmtpPath.NeedsUtf8(new EmailAddress(local, domain)));

    [Fact]
    public void Mailbox_parsing_alone()
    {
        Assert.True(SmtpPath.TryParseMailbox("A.B@Example.TEST", out var address));
        Assert.Equal(new EmailAddress("A.B", "example.test"), address);
        Assert.False(SmtpPath.TryParseMailbox("", out _));
        Assert.False(SmtpPath.TryParseMailbox("@", out _));
        Assert.False(SmtpPath.TryParseMailbox("\"\"", out _));
        Assert.True(SmtpPath.TryParseMailbox("\"\"@b.test", out var empty)); // An empty quoted string is a valid local part.
        Assert.Equal("\"\"", empty.LocalPart);
    }
}
