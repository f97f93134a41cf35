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
    /// <summary>The most roster names an unknown-agent problem lists.</summary>
    internal const int MaxRosterNames = 20;

    /// <summary>The most characters of roster names (with their separators) an unknown-agent problem lists.</summary>
    internal const int MaxRosterCharacters = 200;

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

    /// <summary>Returns the roster as an unknown-agent problem names it: <c>the roster is empty</c>, or <c>the roster has
    /// </c> and its names in ordinal order, each on one line, at most <see cref="MaxRosterNames"/> of them and
    /// <see cref="MaxRosterCharacters"/> characters, then <c>, and N more</c> for the rest.</summary>
    /// <remarks>Every such problem names the roster, and the exception's message (up to
    /// <see cref="PlanValidationException.MaxProblems"/> problems) is the coordinator's correction message and the reason
    /// of <c>orchestration.failed</c>: a 200-agent roster listed in full made each problem about 3,500 characters.</remarks>
    public static string Roster(IReadOnlySet<string> agents)
    {
        if (agents.Count == 0)
        {
            return "the roster is empty";
        }

        var listed = new StringBuilder("the roster has ");
        var names = 0;
        var length = 0;
        foreach (var name in agents.Order(StringComparer.Ordinal))
        {
            var line = OneLine(name);
            var added = (names == 0 ? 0 : 2) + line.Length;
            if (names == MaxRosterNames || length + added > MaxRosterCharacters)
            {
                break;
            }

            listed.Append(names == 0 ? string.Empty : ", ").Append(line);
            names++;
            length += added;
        }

        var rest = agents.Count - names;
        if (rest == 0)
        {
            return listed.ToString();
        }

        return names == 0
            ? string.Create(CultureInfo.InvariantCulture, $"the roster has {rest:N0} {(rest == 1 ? "agent" : "agents")}, with names too long to list here")
            : listed.Append(CultureInfo.InvariantCulture, $", and {rest:N0} more").ToString();
    }
}
