using System.Globalization;
using System.Text;

namespace Dreaming;

/// <summary>Item ids, agent names, property names and rubric paths as a plan problem's message shows them: in single quotes, with each control character
/// (a line break, a tab, an escape) and each line or paragraph separator written as <c>\xHH</c> or <c>\uHHHH</c>.</summary>
/// <remarks>A problem's message is one line of <see cref="Exception.Message"/>: an id with a line break put
/// in as it was split its problem over two lines, the message's first line was half of the first problem, and a reader
/// (or a log parser) took the rest for another problem. <see cref="PlanProblem.ItemIds"/> keep the ids as they are.
/// Runs only when a plan is refused. Thread-safe: it keeps no state.</remarks>
internal static class PlanNames
{
    // What char.IsControl names (C0, DEL, C1), and the line and paragraph separators.
    private static readonly System.Buffers.SearchValues<char> s_breaking = System.Buffers.SearchValues.Create(
        string.Concat(Enumerable.Range(0, 0x20).Concat(Enumerable.Range(0x7F, 0x21)).Select(c => (char)c)) + "\u2028\u2029");

    /// <summary>Returns <paramref name="name"/> in single quotes, on one line (<c>''</c> for <see langword="null"/>).</summary>
    public static string Quote(string? name) => string.Concat("'", OneLine(name), "'");

    /// <summary>Returns <paramref name="name"/> on one line, without quotes (a roster's names, listed).</summary>
    public static string OneLine(string? name)
    {
        var text = name ?? string.Empty;
        if (!text.AsSpan().ContainsAny(s_breaking))
        {
            return text;
        }

        var line = new StringBuilder(text.Length + 16);
        foreach (var c in text)
        {
            if (s_breaking.Contains(c))
            {
                line.Append(c <= 0xFF ? string.Create(CultureInfo.InvariantCulture, $"\\x{(int)c:X2}") : string.Create(CultureInfo.InvariantCulture, $"\\u{(int)c:X4}"));
            }
            else
            {
                line.Append(c);
            }
        }

        return line.ToString();
    }

}
