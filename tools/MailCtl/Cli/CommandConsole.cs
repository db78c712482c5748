namespace MailAppliance.MailCtl.Cli;

/// <summary>Where a command reads and writes: the real console, or captured streams in a test.</summary>
/// <param name="Output">Results (standard output).</param>
/// <param name="Error">Errors and prompts (standard error), so that results can be piped.</param>
/// <param name="Input">Standard input.</param>
/// <param name="InputIsTerminal">True when input is a terminal: secrets are then prompted for without echo.</param>
/// <param name="ReadSecretFromTerminal">Reads one line from the terminal without echoing it.</param>
public sealed record CommandConsole(
    TextWriter Output, TextWriter Error, TextReader Input, bool InputIsTerminal, Func<string> ReadSecretFromTerminal)
{
    /// <summary>The process's console.</summary>
    public static CommandConsole System { get; } = new(
        Console.Out, Console.Error, Console.In, !Console.IsInputRedirected, ReadLineWithoutEcho);

    private static string ReadLineWithoutEcho()
    {
        var line = new System.Text.StringBuilder();
        while (true)
        {
            var key = Console.ReadKey(intercept: true);
            switch (key.Key)
            {
                case ConsoleKey.Enter:
                    return line.ToString();
                case ConsoleKey.Backspace:
                    if (line.Length > 0)
                    {
                        line.Length--;
                    }

                    break;
                default:
                    if (!char.IsControl(key.KeyChar))
                    {
                        line.Append(key.KeyChar);
                    }

                    break;
            }
        }
    }
}
