using MailAppliance.Core;

namespace MailAppliance.Accounts;

/// <summary>Reading and writing the line-based users and aliases files.</summary>
internal static class LineFile
{
    /// <summary>
    /// The lines of a file without their line endings, or null when the file does not exist (a missing users or
    /// aliases file is an empty one). Any other failure to read becomes a <see cref="ConfigurationFileException"/>,
    /// so that every problem with these files is reported the same way, naming the file.
    /// </summary>
    public static IReadOnlyList<string>? Read(string path)
    {
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ConfigurationFileException(path, 0, "cannot be read: " + e.Message, e);
        }

        return Split(text);
    }

    /// <summary>Splits text into lines, accepting LF and CRLF; a final line ending does not start another line.</summary>
    public static IReadOnlyList<string> Split(string text)
    {
        string[] lines = text.ReplaceLineEndings("\n").Split('\n');
        return lines[^1].Length == 0 ? lines[..^1] : lines;
    }

    /// <summary>Joins lines with LF and a final LF, the form every file is written in.</summary>
    public static string Join(IEnumerable<string> lines)
    {
        string text = string.Join('\n', lines);
        return text.Length == 0 ? text : text + "\n";
    }

    /// <summary>True for a line that carries nothing: blank, or a <c>#</c> comment.</summary>
    public static bool IsBlankOrComment(string line)
    {
        string trimmed = line.Trim();
        return trimmed.Length == 0 || trimmed[0] == '#';
    }
}
