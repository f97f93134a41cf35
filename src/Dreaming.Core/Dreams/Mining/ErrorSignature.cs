using System.Text;
using System.Text.RegularExpressions;

namespace Dreaming;

/// <summary>
/// Turns error text into a signature that is the same for every occurrence of the same error: the line that carries the
/// error, with its variable parts (numbers, ids, codes, quoted values, dates, times, paths, URLs, e-mail addresses, IP
/// addresses, amounts) replaced by placeholders such as <c>&lt;num&gt;</c>, <c>&lt;id&gt;</c> and <c>&lt;str&gt;</c>.
/// </summary>
/// <remarks>
/// Errors are often several lines long (stack traces, command output), and the first line is often not the error:
/// <see cref="SelectErrorLine"/> picks the line to sign. The result is deterministic and independent of culture. Mining
/// also masks, in the signature of a failed call, the code-like values that call itself sent and its error echoes (a
/// booking reference of letters only, which no pattern can tell from a word), and replaces by <c>&lt;value&gt;</c> the
/// names, codes and whole free-text values the session's own task, user messages, call arguments and tool results
/// supplied, so that a lesson carries no customer's data; <see cref="Normalize"/> sees no call or session, so it keeps them.
/// </remarks>
public static partial class ErrorSignature
{
    /// <summary>The longest signature, in characters; longer ones are cut and end with <c>…</c>.</summary>
    public const int MaxLength = 240;

    /// <summary>The signature of blank error text.</summary>
    public const string Empty = "<empty>";

    /// <summary>Returns the signature of an error text: the error line (<see cref="SelectErrorLine"/>) with its variable parts replaced by placeholders.</summary>
    /// <param name="text">The error text, possibly several lines long.</param>
    /// <returns>The signature, at most <see cref="MaxLength"/> characters; <see cref="Empty"/> for blank text.</returns>
    public static string Normalize(string? text) => NormalizeLine(SelectErrorLine(text));

    /// <summary>Returns the line of an error text that carries the error, trimmed.</summary>
    /// <param name="text">The error text, possibly several lines long.</param>
    /// <returns>
    /// For a Python traceback, its final exception line; otherwise the first line that names an exception type or an
    /// <c>error:</c>/<c>fatal:</c> marker, else the first line with an error word (failed, denied, not found, refused,
    /// invalid, cannot, can't, timed out…, whichever apostrophe they are written with), else the first line that is not blank or a stack frame. Empty for blank text.
    /// </returns>
    public static string SelectErrorLine(string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return string.Empty;
        }

        if (!text.Contains('\n', StringComparison.Ordinal))
        {
            return text.Trim();
        }

        var lines = text.Split('\n');
        if (text.Contains("Traceback (most recent call last)", StringComparison.Ordinal) && LastPythonExceptionLine(lines) is { } raised)
        {
            return raised;
        }

        string? best = null;
        var bestScore = 0;
        foreach (var raw in lines)
        {
            var line = raw.Trim();
            var score = Score(raw, line);
            if (score > bestScore)
            {
                (best, bestScore) = (line, score);
            }
        }

        return best ?? lines.Select(line => line.Trim()).First(line => line.Length > 0);
    }

    /// <summary>Returns the signature of one line: placeholders for its variable parts, white space collapsed, at most <see cref="MaxLength"/> characters.</summary>
    internal static string NormalizeLine(string line)
    {
        if (string.IsNullOrWhiteSpace(line))
        {
            return Empty;
        }

        // Bound the work on pathological lines: only the start can end up in the signature anyway.
        var input = line.Length > MaxLength * 4 ? TextCut.Start(line, MaxLength * 4).ToString() : line;
        var replaced = ReplaceVariableParts(input);
        var collapsed = RepeatedPlaceholder().Replace(WhiteSpace().Replace(replaced, " "), "$1").Trim();
        return TextCut.WithEllipsis(collapsed, MaxLength, "…");
    }

    // The variable parts, leftmost first, and the addresses the redactor would redact (SecretPatternRedactor.FindEmails:
    // fullwidth and small at signs, emoji local parts), which the pattern's own e-mail alternative, of ASCII at signs,
    // does not read: an address starting where a part starts, or before, is <email>; one inside a part (a quoted string,
    // a URL) goes with that part, as before.
    private static string ReplaceVariableParts(string input)
    {
        var emails = new List<(int Start, int End)>();
        SecretPatternRedactor.FindEmails(input, emails);
        if (emails.Count == 0)
        {
            return VariablePart().Replace(input, static match => Placeholder(match));
        }

        var builder = new StringBuilder(input.Length);
        var position = 0;
        var next = 0;
        var part = VariablePart().Match(input);
        while (true)
        {
            while (next < emails.Count && emails[next].Start < position)
            {
                next++;
            }

            if (part.Success && part.Index < position)
            {
                part = VariablePart().Match(input, position);
            }

            if (next < emails.Count && (!part.Success || emails[next].Start <= part.Index))
            {
                var (start, end) = emails[next++];
                builder.Append(input, position, start - position).Append("<email>");
                position = end;
            }
            else if (part.Success)
            {
                builder.Append(input, position, part.Index - position).Append(Placeholder(part));
                position = part.Index + part.Length;
                part = part.NextMatch();
            }
            else
            {
                return builder.Append(input, position, input.Length - position).ToString();
            }
        }
    }

    private static string Placeholder(Match match)
    {
        foreach (var name in s_placeholderGroups)
        {
            if (match.Groups[name].Success)
            {
                return "<" + name + ">";
            }
        }

        return match.Value;
    }

    private static readonly string[] s_placeholderGroups = ["str", "url", "email", "date", "time", "id", "path", "ip", "amount", "num"];

    private static int Score(string raw, string line)
    {
        if (line.Length == 0 || StackFrame().IsMatch(raw))
        {
            return 0;
        }

        if (ErrorMarker().IsMatch(line))
        {
            return 3;
        }

        // The error words are written with ASCII apostrophes; a line may hold any other, or SQL's doubled one ("doesn''t").
        return ErrorWord().IsMatch(WordApostrophes.ToAscii(line)) ? 2 : 1;
    }

    private static string? LastPythonExceptionLine(string[] lines)
    {
        // Python prints the exception raised last unindented after its frames; output may follow it, so a line that names an exception is preferred.
        string? lastUnindented = null;
        for (var i = lines.Length - 1; i >= 0; i--)
        {
            var raw = lines[i].TrimEnd('\r');
            if (raw.Length == 0 || char.IsWhiteSpace(raw[0]) || raw.StartsWith("Traceback (", StringComparison.Ordinal))
            {
                continue;
            }

            if (ErrorMarker().IsMatch(raw))
            {
                return raw.Trim();
            }

            lastUnindented ??= raw.Trim();
        }

        return lastUnindented;
    }

    // One pass, leftmost match first; at one position the earlier alternative wins (a date before its numbers, a number
    // with a unit such as 30s or 2GB before an id such as HAT030). A code of six or more capitals and digits with a single
    // digit (a booking reference such as XEWRD9) is an id too, while utf8, v2 or IPV6 stay words.
    [GeneratedRegex("""
        (?<str>"[^"\r\n]{0,500}"|(?<!\w)'[^'\r\n]{0,500}'(?!\w)|`[^`\r\n]{0,500}`|“[^”\r\n]{0,500}”|‘[^’\r\n]{0,500}’)
        |(?<url>\b[A-Za-z][A-Za-z0-9+.-]*://[^\s"'<>]+)
        |(?<email>\b[\w.+-]+@[\w-]+(?:\.[\w-]+)+\b)
        |(?<date>\b\d{4}-\d{2}-\d{2}(?:[T\x20]\d{2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?\b|\b\d{1,2}/\d{1,2}/\d{2,4}\b)
        |(?<time>\b\d{1,2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?\b)
        |(?<id>\b[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\b|\b0x[0-9a-fA-F]+\b|\b[0-9a-fA-F]{16,}\b)
        |(?<path>(?<![\w.])(?:[A-Za-z]:\\|\\\\)[^\s"'<>|*?:]*|(?<![\w.:/])(?:~|\.{1,2})?/[\w.@+-]+(?:/[\w.@+-]*)*|\b[\w.-]+(?:/[\w.@+-]+)+\.[A-Za-z0-9]{1,8}\b)
        |(?<ip>\b\d{1,3}(?:\.\d{1,3}){3}(?::\d+)?\b)
        |(?<amount>[$€£¥]\x20?\d[\d,]*(?:\.\d+)?|\b\d[\d,]*(?:\.\d+)?\x20?(?:USD|EUR|GBP|JPY|CHF|dollars?|euros?)\b)
        |(?<num>(?<!\w)\d+(?:[.,]\d+)*(?:[A-Za-z]{1,3}|%)(?!\w))
        |(?<id>\b(?=[\w-]*\d[\w-]*\d)(?=[\w-]*[A-Za-z])[A-Za-z0-9][\w-]*\b)
        |(?<id>\b(?=[A-Z0-9]{6,}\b)(?=[A-Z]*\d)(?=\d*[A-Z])[A-Z0-9]+\b)
        |(?<num>(?<!\w)\d+(?:[.,]\d+)*)
        """, RegexOptions.IgnorePatternWhitespace | RegexOptions.CultureInvariant | RegexOptions.ExplicitCapture)]
    private static partial Regex VariablePart();

    [GeneratedRegex(@"(<\w+>)(?:[\s,;]+\1)+", RegexOptions.CultureInvariant)]
    private static partial Regex RepeatedPlaceholder();

    [GeneratedRegex(@"\s+", RegexOptions.CultureInvariant)]
    private static partial Regex WhiteSpace();

    // .NET and Java frames ("   at Foo.Bar()"), Python frames ('  File "x.py", line 3'), and the separators between them.
    [GeneratedRegex(@"^\s+at\s|^\s*File\s""[^""]*"",\s+line\s\d|^\s*---\s*End of|^\s*\.\.\.\s*\d*\s*more\b|^\s*Traceback \(|^\s*Stack ?trace:?\s*$", RegexOptions.CultureInvariant | RegexOptions.IgnoreCase)]
    private static partial Regex StackFrame();

    // An exception type ("ValueError:", "System.IO.IOException: …", "java.lang.NullPointerException") or an error marker ("error:", "error CS1002:", "fatal:", "npm ERR!").
    [GeneratedRegex(@"(?:^|[\s(\[])(?:[A-Za-z_][\w$]*\.)*(?:[A-Z]\w*)?(?:Error|Exception|Fault)\b(?::|$)|\b(?i:error|fatal|panic)(?:\s+[A-Z]+\d+)?\s*:|\bERR!", RegexOptions.CultureInvariant)]
    private static partial Regex ErrorMarker();

    [GeneratedRegex(@"\b(?:error|errors|exception|fail|fails|failed|failure|fatal|denied|forbidden|unauthori[sz]ed|not\sfound|no\ssuch|refused|invalid|cannot|can't|could\snot|couldn't|unable|timed\sout|timeout|panic|abort(?:ed)?|not\sallowed|does\snot\sexist|doesn't\sexist|exit(?:ed)?\s(?:with\s)?(?:code|status))\b", RegexOptions.CultureInvariant | RegexOptions.IgnoreCase)]
    private static partial Regex ErrorWord();
}
