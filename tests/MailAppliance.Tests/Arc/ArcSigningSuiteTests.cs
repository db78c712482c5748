using MailAppliance.Arc;
using MailAppliance.Dkim;

namespace MailAppliance.Tests.Arc;

/// <summary>
/// Every test of the ARC signing suite (17, shared/conformance/arc/arc-draft-sign-tests.yml): seal the message at
/// the given time with the scenario's key, signing the given header fields, copying the Authentication-Results of the
/// given authserv-id, and compare the three fields with the expected ones as the suite does (tag=value pairs with all
/// whitespace removed). RSA PKCS#1 v1.5 is deterministic, so b= must match to the octet.
/// </summary>
public sealed class ArcSigningSuiteTests
{
    public static TheoryData<string> Tests => ArcSuite.Ids(ArcSuite.Signing);

    [ArcSuiteTheory]
    [MemberData(nameof(Tests))]
    public async Task Seals_as_the_suite_expects(string id)
    {
        var (scenario, test) = ArcSuite.Find(ArcSuite.Signing, id);
        using var key = new DkimSigningKey(scenario.Fields["domain"], scenario.Fields["sel"], DkimPrivateKey.FromPem(scenario.Fields["privatekey"]));
        var locator = new StaticDkimKeyLocator();
        foreach (var (name, txt) in scenario.TxtRecords)
        {
            locator.AddName(name, txt);
        }

        byte[] message = ArcSuite.Crlf(test["message"]);
        var chain = await new ArcVerifier(locator).VerifyMessageAsync(message);
        var options = new ArcSealerOptions { SignedHeaders = test["sig-headers"].Split(':'), LineLength = 0 };
        var time = DateTimeOffset.FromUnixTimeSeconds(long.Parse(test["t"], System.Globalization.CultureInfo.InvariantCulture));
        var sealer = new ArcSealer(key, options, new FixedTime(time));
        var headers = DkimHeaderSection.Parse(DkimMessageReader.Split(message).HeaderSection);
        string results = string.Join("; ", ArcAuthenticationResults.Consolidate(headers, test["srv-id"]));

        var sealed_ = sealer.SealMessage(message, test["srv-id"], results, chain);

        if (test["AS"].Length == 0)
        {
            // no_additional_sig: a chain whose newest seal says cv=fail gets no further set (RFC 8617 §5.1 step 1).
            Assert.False(sealed_.Sealed, sealed_.ToString());
            Assert.Empty(sealed_.Fields);
            return;
        }

        Assert.True(sealed_.Sealed, sealed_.ToString());
        var fields = DkimHeaderSection.Parse(sealed_.Fields);
        Assert.Equal(Tags(test["AS"]), Tags(Value(fields, ArcHeaderNames.Seal)));
        Assert.Equal(Tags(test["AMS"]), Tags(Value(fields, ArcHeaderNames.MessageSignature)));
        Assert.Equal(NoWhitespace(test["AAR"]), NoWhitespace(Value(fields, ArcHeaderNames.AuthenticationResults)));

        // And what we made validates.
        var again = await new ArcVerifier(locator).VerifyMessageAsync((byte[])[.. sealed_.Fields, .. message]);
        Assert.Equal(chain.Status == ArcChainStatus.Fail ? ArcChainStatus.Fail : ArcChainStatus.Pass, again.Status);
    }

    private static string Value(IReadOnlyList<DkimHeaderField> fields, string name) => fields.Single(f => f.Is(name)).RawValueText;

    private static string NoWhitespace(string text) => string.Concat(text.Where(c => !char.IsWhiteSpace(c)));

    private static SortedDictionary<string, string> Tags(string value)
    {
        var tags = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (string pair in NoWhitespace(value).Split(';', StringSplitOptions.RemoveEmptyEntries))
        {
            int equals = pair.IndexOf('=', StringComparison.Ordinal);
            tags[pair[..equals]] = pair[(equals + 1)..];
        }

        return tags;
    }

    private sealed class FixedTime(DateTimeOffset now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => now;
    }
}
