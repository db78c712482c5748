using System.Globalization;
using System.Text;

namespace MailAppliance.Tests.Smtp.Fuzz;

/// <summary>
/// Reads Go fuzz corpus files (<c>go test fuzz v1</c>, then one value per line: <c>int(0)</c>,
/// <c>[]byte("...")</c>, <c>string("...")</c>), as chasquid's <c>testdata/fuzz</c> seeds are stored. Strings and
/// byte slices become octets (Go escapes decoded, other text kept as its UTF-8); integers become <see cref="long"/>.
/// </summary>
internal static class GoFuzzCorpus
{
    private const string Header = "go test fuzz v1";

    public static IReadOnlyList<object> Parse(byte[] file)
    {
        string text = Encoding.Latin1.GetString(file); // One char per octet: escapes are ASCII, the rest is copied back as is.
        string[] lines = text.Split('\n');
        if (lines[0].TrimEnd('\r') != Header)
        {
            throw new FormatException($"not a Go fuzz corpus file (first line '{lines[0]}')");
        }

        var values = new List<object>();
        foreach (string raw in lines.Skip(1))
        {
            string line = raw.TrimEnd('\r');
            if (line.Length == 0)
            {
                continue;
            }

            int open = line.IndexOf('(');
            if (open < 0 || line[^1] != ')')
            {
                throw new FormatException($"not a corpus value: '{line}'");
            }

            string type = line[..open];
            string literal = line[(open + 1)..^1];
            values.Add(type switch
            {
                "[]byte" or "string" => Unquote(literal),
                "int" or "int8" or "int16" or "int32" or "int64" or "uint" or "uint8" or "uint16" or "uint32" or "uint64" or "rune" or "byte"
                    => long.Parse(literal, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture),
                "bool" => literal == "true",
                _ => throw new FormatException($"unsupported corpus type '{type}'"),
            });
        }

        return values;
    }

    /// <summary>The octets of the first string or byte-slice value of a file.</summary>
    public static byte[] FirstBytes(string path) =>
        Parse(File.ReadAllBytes(path)).OfType<byte[]>().First();

    /// <summary>Decodes a Go interpreted ("...") or raw (`...`) string literal into octets.</summary>
    public static byte[] Unquote(string literal)
    {
        if (literal.Length >= 2 && literal[0] == '`' && literal[^1] == '`')
        {
            return Encoding.Latin1.GetBytes(literal[1..^1].Replace("\r", string.Empty));
        }

        if (literal.Length < 2 || literal[0] != '"' || literal[^1] != '"')
        {
            throw new FormatException($"not a Go string literal: {literal}");
        }

        var bytes = new List<byte>();
        for (int i = 1; i < literal.Length - 1; i++)
        {
            char c = literal[i];
            if (c != '\\')
            {
                bytes.Add((byte)c);
                continue;
            }

            char e = literal[++i];
            switch (e)
            {
                case 'a': bytes.Add(7); break;
                case 'b': bytes.Add(8); break;
                case 'f': bytes.Add(12); break;
                case 'n': bytes.Add(10); break;
                case 'r': bytes.Add(13); break;
                case 't': bytes.Add(9); break;
                case 'v': bytes.Add(11); break;
                case '\\': bytes.Add((byte)'\\'); break;
                case '"': bytes.Add((byte)'"'); break;
                case '\'': bytes.Add((byte)'\''); break;
                case 'x':
                    bytes.Add(byte.Parse(literal.AsSpan(i + 1, 2), NumberStyles.HexNumber, CultureInfo.InvariantCulture));
                    i += 2;
                    break;
                case 'u' or 'U':
                {
                    int digits = e == 'u' ? 4 : 8;
                    int code = int.Parse(literal.AsSpan(i + 1, digits), NumberStyles.HexNumber, CultureInfo.InvariantCulture);
                    bytes.AddRange(Encoding.UTF8.GetBytes(char.ConvertFromUtf32(code)));
                    i += digits;
                    break;
                }

                case >= '0' and <= '7':
                    bytes.Add(Convert.ToByte(literal.Substring(i, 3), 8));
                    i += 2;
                    break;
                default:
                    throw new FormatException($"unknown escape \\{e} in {literal}");
            }
        }

        return [.. bytes];
    }
}
