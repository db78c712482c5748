namespace MailAppliance.Dkim;

/// <summary>
/// A parsed tag=value list (RFC 6376 §3.2), the syntax of DKIM-Signature fields and key records. Tag names are
/// case-sensitive, duplicates make the whole list invalid, and unknown tags are kept (callers ignore them).
/// </summary>
public sealed class DkimTagList
{
    private readonly Dictionary<string, DkimTag> byName;

    private DkimTagList(IReadOnlyList<DkimTag> tags)
    {
        Tags = tags;
        byName = tags.ToDictionary(t => t.Name, StringComparer.Ordinal);
    }

    /// <summary>The tags in the order they appear.</summary>
    public IReadOnlyList<DkimTag> Tags { get; }

    /// <summary>A tag's value (whitespace around it removed), or null when the tag is absent.</summary>
    public string? this[string name] => byName.TryGetValue(name, out var tag) ? tag.Value : null;

    /// <summary>A tag, or null when it is absent.</summary>
    public DkimTag? Find(string name) => byName.GetValueOrDefault(name);

    /// <summary>Parses a tag-list.</summary>
    /// <param name="text">The list; for a header field, its value (everything after the colon) as Latin-1 text, so
    /// that character positions are octet positions.</param>
    /// <exception cref="DkimFormatException">The list breaks RFC 6376 §3.2.</exception>
    public static DkimTagList Parse(string text)
    {
        // tag-list = tag-spec *( ";" tag-spec ) [ ";" ]     (RFC 6376 §3.2)
        // tag-spec = [FWS] tag-name [FWS] "=" [FWS] tag-value [FWS]
        var tags = new List<DkimTag>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        int start = 0;
        while (start <= text.Length)
        {
            int end = text.IndexOf(';', start);
            bool last = end < 0;
            if (last)
            {
                end = text.Length;
            }

            if (IsBlank(text, start, end))
            {
                // Only the optional ";" after the last tag may leave an empty tag-spec behind.
                if (!last || tags.Count == 0)
                {
                    throw new DkimFormatException(tags.Count == 0 ? "the tag list is empty" : "an empty tag between two ';'");
                }

                break;
            }

            int equals = text.IndexOf('=', start, end - start);
            if (equals < 0)
            {
                throw new DkimFormatException($"'{Trim(text, start, end)}' is not a tag=value pair");
            }

            string name = Trim(text, start, equals);
            if (!IsTagName(name))
            {
                throw new DkimFormatException($"'{name}' is not a valid tag name");
            }

            if (!seen.Add(name))
            {
                // RFC 6376 §3.2: "if a tag name does occur more than once, the entire tag-list is invalid".
                throw new DkimFormatException($"the tag '{name}' occurs twice");
            }

            tags.Add(new DkimTag(name, Trim(text, equals + 1, end), equals + 1, end));
            if (last)
            {
                break;
            }

            start = end + 1;
        }

        return new DkimTagList(tags);
    }

    /// <summary>True for folding whitespace: SP, HTAB, CR, LF (RFC 5322 §3.2.2 FWS, as found in raw fields).</summary>
    internal static bool IsFws(char c) => c is ' ' or '\t' or '\r' or '\n';

    /// <summary>Removes all folding whitespace (for base64 values: RFC 6376 §3.5 b=, bh=; §3.6.1 p=).</summary>
    internal static string RemoveFws(string value) => string.Concat(value.Where(c => !IsFws(c)));

    /// <summary>Splits a colon-separated list (h=, s=, t=, key h=), trimming whitespace around each item.</summary>
    internal static string[] SplitList(string value) =>
        value.Split(':').Select(item => item.Trim(' ', '\t', '\r', '\n')).ToArray();

    private static bool IsBlank(string text, int start, int end)
    {
        for (int i = start; i < end; i++)
        {
            if (!IsFws(text[i]))
            {
                return false;
            }
        }

        return true;
    }

    private static string Trim(string text, int start, int end)
    {
        while (start < end && IsFws(text[start]))
        {
            start++;
        }

        while (end > start && IsFws(text[end - 1]))
        {
            end--;
        }

        return text[start..end];
    }

    private static bool IsTagName(string name)
    {
        // tag-name = ALPHA *ALNUMPUNC ; ALNUMPUNC = ALPHA / DIGIT / "_"   (RFC 6376 §3.2)
        if (name.Length == 0 || !char.IsAsciiLetter(name[0]))
        {
            return false;
        }

        return name.All(c => char.IsAsciiLetterOrDigit(c) || c == '_');
    }
}

/// <summary>One tag of a <see cref="DkimTagList"/>.</summary>
/// <param name="Name">The tag name (case-sensitive).</param>
/// <param name="Value">The value without the whitespace around it.</param>
/// <param name="ValueStart">Where the value's span starts: just after the <c>=</c>.</param>
/// <param name="ValueEnd">Where it ends: at the <c>;</c> or the end of the list. The span includes the whitespace
/// around the value, which is what RFC 6376 §3.7 deletes with the <c>b=</c> value.</param>
public sealed record DkimTag(string Name, string Value, int ValueStart, int ValueEnd);
