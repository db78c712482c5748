using MailAppliance.Accounts;

namespace MailAppliance.Tests.Accounts;

public class PasswordHasherTests
{
    [Fact]
    public void A_hash_verifies_its_password_and_no_other()
    {
        string hash = PasswordHasher.Hash("s3cret password");

        Assert.True(PasswordHasher.Verify("s3cret password", hash));
        Assert.False(PasswordHasher.Verify("s3cret passworD", hash));
        Assert.False(PasswordHasher.Verify(string.Empty, hash));
    }

    [Fact]
    public void A_new_hash_has_the_documented_shape()
    {
        string[] parts = PasswordHasher.Hash("x-password").Split('$');

        Assert.Equal(["pbkdf2-sha512", "210000"], parts[..2]);
        Assert.Equal(PasswordHasher.SaltSize, Convert.FromBase64String(parts[2]).Length);
        Assert.Equal(PasswordHasher.HashSize, Convert.FromBase64String(parts[3]).Length);
    }

    [Fact]
    public void Two_hashes_of_one_password_differ_by_their_salt()
    {
        Assert.NotEqual(PasswordHasher.Hash("same password", 1000), PasswordHasher.Hash("same password", 1000));
    }

    [Fact]
    public void Hashes_made_elsewhere_verify_and_their_iteration_count_is_read_from_the_hash()
    {
        // Made with Python's hashlib.pbkdf2_hmac, as docs/accounts.md shows, to prove the format is the documented one.
        Assert.True(PasswordHasher.Verify(AccountsTestDirectory.KnownPassword, AccountsTestDirectory.KnownHash));
        Assert.True(PasswordHasher.Verify("pässwörd", "pbkdf2-sha512$210000$AAECAwQFBgcICQoLDA0ODw==$i86sggKQEqh5IGVVRaPfW2qUSjckKUpbkHT5cwhcDvs="));
        Assert.True(PasswordHasher.NeedsRehash(AccountsTestDirectory.KnownHash));
        Assert.False(PasswordHasher.NeedsRehash(PasswordHasher.Hash("x-password")));
    }

    [Theory]
    [InlineData("bcrypt$2y$10$abc", "unknown password hash scheme 'bcrypt'")]
    [InlineData("pbkdf2-sha512$1000$AAECAwQFBgcICQoLDA0ODw==", "four '$'-separated parts")]
    [InlineData("pbkdf2-sha512$many$AAECAwQFBgcICQoLDA0ODw==$Xpx07WjVx4vCIvrmBRj8uOoVVtGqJqtUv2J5bhizSQs=", "iteration count")]
    [InlineData("pbkdf2-sha512$1000$!!$Xpx07WjVx4vCIvrmBRj8uOoVVtGqJqtUv2J5bhizSQs=", "salt")]
    [InlineData("pbkdf2-sha512$1000$AAECAwQFBgcICQoLDA0ODw==$AAEC", "hash")]
    public void Malformed_hashes_are_named_and_never_verify(string hash, string expectedProblem)
    {
        Assert.False(PasswordHasher.IsWellFormed(hash, out string? problem));
        Assert.Contains(expectedProblem, problem, StringComparison.Ordinal);
        Assert.False(PasswordHasher.Verify("anything", hash));
    }

    [Fact]
    public void An_unknown_account_never_verifies()
    {
        Assert.False(PasswordHasher.VerifyUnknownAccount("whatever"));
    }

    [Fact]
    public void An_empty_password_is_never_hashed()
    {
        Assert.Throws<ArgumentException>(() => PasswordHasher.Hash(string.Empty));
    }
}
