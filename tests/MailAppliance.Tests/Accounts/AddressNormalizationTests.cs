using MailAppliance.Accounts;
using Microsoft.Extensions.Configuration;

namespace MailAppliance.Tests.Accounts;

public class AddressNormalizationTests
{
    [Theory]
    [InlineData("john.doe+news", "johndoe+news", "johndoe")]
    [InlineData("John.Doe", "johndoe", "johndoe")]
    [InlineData("j.o.h.n", "john", "john")]
    [InlineData("john+a.b+c", "john+a.b+c", "john")] // Drop characters are removed only before the suffix.
    [InlineData("plain", "plain", "plain")]
    public void Drop_characters_and_suffixes_are_removed_chasquid_style(string localPart, string withSuffix, string withoutSuffix)
    {
        var normalization = AddressNormalization.Default;

        Assert.Equal(withSuffix, normalization.RemoveDropCharacters(localPart));
        Assert.Equal(withoutSuffix, normalization.RemoveDropCharactersAndSuffix(localPart));
    }

    [Fact]
    public void Lookup_keys_go_from_the_most_specific_to_the_base_name()
    {
        Assert.Equal(["johndoe+news", "johndoe"], AddressNormalization.Default.LookupKeys("john.doe+news"));
        Assert.Equal(["johndoe"], AddressNormalization.Default.LookupKeys("john.doe"));
        Assert.Equal(["+news"], AddressNormalization.Default.LookupKeys("+news"));
    }

    [Fact]
    public void The_characters_are_configurable_and_may_be_none()
    {
        var custom = new AddressNormalization { DropCharacters = "_", SuffixSeparators = "-+" };
        var none = new AddressNormalization { DropCharacters = "", SuffixSeparators = "" };

        Assert.Equal("johndoe", custom.RemoveDropCharactersAndSuffix("john_doe-list"));
        Assert.Equal("john.doe", custom.RemoveDropCharactersAndSuffix("John.Doe+x"[..8]));
        Assert.Equal("john.doe+news", none.RemoveDropCharactersAndSuffix("John.Doe+news"));
    }

    [Fact]
    public void Options_are_read_from_the_accounts_section_with_defaults_for_missing_keys()
    {
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?> { ["Accounts:SuffixSeparators"] = "-" })
            .Build();

        var normalization = AddressNormalization.FromConfiguration(configuration);

        Assert.Equal(".", normalization.DropCharacters);
        Assert.Equal("-", normalization.SuffixSeparators);
    }
}
