using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace Dreaming;

/// <summary>Reads one Markdown bullet into the parts of a criterion: its text, its <c>(weight: N)</c>, <c>(required)</c>
/// and <c>(id: name)</c> annotations, and its trailing <c>[kind: argument]</c> check.</summary>
/// <remarks>The trailing bracket is the last top-level <c>[…]</c> of the bullet, followed by nothing but annotations.
/// Inside it, brackets nest and a backslash escapes the next character, so <c>[regex: [A-Z]{3}]</c> and
/// <c>[regex: \$\d+\.\d{2}]</c> read whole; quoted text (<c>[contains: "a]b"]</c>) may hold any bracket.</remarks>
internal static partial class MarkdownBulletParser
{
    /// <summary>Parses <paramref name="content"/>, the bullet without its <c>- </c> marker.</summary>
    /// <exception cref="RubricException">The bullet is malformed; the message names <paramref name="source"/> and <paramref name="line"/>.</exception>
    public static ParsedBullet Parse(string content, string source, int line)
    {
        var textPart = content;
        var kind = CriterionKind.Model;
        string? argument = null;
        var ignoreCase = false;
        if (FindTrailingBracket(content, source, line) is { } bracket)
        {
            (kind, argument, ignoreCase) = ParseCheck(content[(bracket.Start + 1)..bracket.End], source, line);
            textPart = string.Concat(content.AsSpan(0, bracket.Start), " ", content.AsSpan(bracket.End + 1));
        }

        double? weight = null;
        string? id = null;
        var required = false;
        foreach (Match annotation in AnnotationPattern().Matches(textPart))
        {
            var value = annotation.Groups["value"].Value.Trim();
            switch (annotation.Groups["key"].Value.ToUpperInvariant())
            {
                case "":
                    required = true;
                    break;
                case "WEIGHT" when weight is not null:
                    throw new RubricException(source, line, "the weight is given twice");
                case "WEIGHT":
                    weight = double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var parsed)
                        ? parsed
                        : throw new RubricException(source, line, $"weight \"{value}\" is not a number");
                    break;
                case "ID" when id is not null:
                    throw new RubricException(source, line, "the id is given twice");
                case "ID":
                    id = IdPattern().IsMatch(value)
                        ? value
                        : throw new RubricException(source, line, $"id \"{value}\" must be letters, digits, '.', '_' or '-', starting with a letter or digit");
                    break;
            }
        }

        var text = WhitespacePattern().Replace(AnnotationPattern().Replace(textPart, " "), " ").Trim();
        if (text.Length == 0)
        {
            throw new RubricException(source, line, "the bullet has no criterion text");
        }

        return new ParsedBullet(text, weight ?? 1, required, id, kind, argument, ignoreCase);
    }

    private static (int Start, int End)? FindTrailingBracket(string content, string source, int line)
    {
        (int Start, int End)? last = null;
        int[]? depths = null;
        int[]? lowest = null;
        for (var i = 0; i < content.Length; i++)
        {
            if (content[i] != '[')
            {
                continue;
            }

            // Once one bracket is found unclosed, later ones are tested against the running depth instead of each being
            // scanned to the end of the line, which made a line of unclosed brackets quadratic.
            var failure = "the closing ']' is missing";
            var end = lowest is not null && !TakesQuotedText(content, i) && lowest[i + 1] >= depths![i]
                ? -1
                : FindClosingBracket(content, i, out failure);
            if (end < 0 && lowest is null)
            {
                (depths, lowest) = Depths(content);
            }

            if (end >= 0)
            {
                last = (i, end);
                i = end;
            }
            else if (KindAt(content, i) is { } kind && CheckKindNames.TryParse(kind, out _, out _))
            {
                throw new RubricException(source, line, $"[{kind}: …] is not closed: {failure}");
            }

            // Otherwise a lone '[' in prose: not a check.
        }

        if (last is not { } group)
        {
            return null;
        }

        var tail = content.AsSpan(group.End + 1).ToString();
        return AnnotationPattern().Replace(tail, string.Empty).AsSpan().IsWhiteSpace() ? group : null;
    }

    /// <summary>The bracket depth after each position (backslash escapes skipped, as when a bracket is scanned) and, for each
    /// position, the lowest depth from it to the end: a bracket opened at <c>j</c> closes exactly when the depth later falls
    /// below the depth after <c>j</c>, that is when <c>lowest[j + 1] &lt; depths[j]</c>.</summary>
    private static (int[] Depths, int[] Lowest) Depths(string content)
    {
        var depths = new int[content.Length];
        var depth = 0;
        for (var k = 0; k < content.Length; k++)
        {
            if (content[k] == '\\' && k + 1 < content.Length)
            {
                depths[k] = depth;
                depths[++k] = depth;
                continue;
            }

            depth += content[k] switch { '[' => 1, ']' => -1, _ => 0 };
            depths[k] = depth;
        }

        var lowest = new int[content.Length + 1];
        lowest[content.Length] = int.MaxValue;
        for (var k = content.Length - 1; k >= 0; k--)
        {
            lowest[k] = Math.Min(depths[k], lowest[k + 1]);
        }

        return (depths, lowest);
    }

    private static bool TakesQuotedText(string content, int start) =>
        KindAt(content, start) is { } kind && CheckKindNames.TryParse(kind, out var parsedKind, out _) && CheckKindNames.TakesQuotedText(parsedKind);

    /// <summary>Finds the <c>]</c> closing the bracket opened at <paramref name="start"/>, or -1 with the reason.</summary>
    private static int FindClosingBracket(string content, int start, out string failure)
    {
        failure = "the closing ']' is missing";
        var quoted = KindAt(content, start) is { } kind && CheckKindNames.TryParse(kind, out var parsedKind, out _) && CheckKindNames.TakesQuotedText(parsedKind);
        var i = start + 1;
        if (quoted)
        {
            while (i < content.Length && content[i] is not (':' or ']'))
            {
                i++;
            }

            var quote = i < content.Length && content[i] == ':' ? SkipSpaces(content, i + 1) : -1;
            if (quote >= 0 && quote < content.Length && content[quote] == '"')
            {
                var close = FindClosingQuote(content, quote);
                if (close < 0)
                {
                    failure = "the closing quote is missing";
                    return -1;
                }

                return content.IndexOf(']', close + 1);
            }
        }

        var depth = 0;
        for (i = start; i < content.Length; i++)
        {
            switch (content[i])
            {
                case '\\':
                    i++;
                    break;
                case '[':
                    depth++;
                    break;
                case ']' when --depth == 0:
                    return i;
            }
        }

        return -1;
    }

    private static (CriterionKind Kind, string? Argument, bool IgnoreCase) ParseCheck(string inner, string source, int line)
    {
        var match = CheckPattern().Match(inner);
        if (!match.Success)
        {
            throw new RubricException(source, line, $"the trailing [{inner}] is not a check; write [kind] or [kind: argument] with a kind among: {CheckKindNames.Known}");
        }

        var name = match.Groups["kind"].Value.ToLowerInvariant();
        if (!CheckKindNames.TryParse(name, out var kind, out var ignoreCase))
        {
            throw new RubricException(source, line, $"unknown check '{name}'; known: {CheckKindNames.Known}");
        }

        var argument = match.Groups["argument"].Success ? match.Groups["argument"].Value.Trim() : null;
        return kind switch
        {
            CriterionKind.Contains or CriterionKind.NotContains or CriterionKind.Equals => (kind, ParseQuoted(name, argument, source, line), ignoreCase),
            CriterionKind.Json when !string.IsNullOrEmpty(argument) => throw new RubricException(source, line, "[json] takes no argument"),
            CriterionKind.Json => (kind, null, false),
            CriterionKind.Regex when string.IsNullOrEmpty(argument) => throw new RubricException(source, line, @"[regex] needs a pattern, as in [regex: \d+]"),
            CriterionKind.JsonSchema when string.IsNullOrEmpty(argument) => throw new RubricException(source, line, "[json-schema] needs a file path, as in [json-schema: schemas/answer.json]"),
            CriterionKind.MaxLength or CriterionKind.MinLength => (kind, ParseLength(name, argument, source, line), false),
            _ => (kind, argument, false),
        };
    }

    private static string ParseQuoted(string name, string? argument, string source, int line)
    {
        if (string.IsNullOrEmpty(argument) || argument[0] != '"')
        {
            throw new RubricException(source, line, $"[{name}] needs quoted text, as in [{name}: \"text\"]");
        }

        var close = FindClosingQuote(argument, 0);
        if (close < 0)
        {
            throw new RubricException(source, line, $"the quoted text of [{name}] is missing its closing quote");
        }

        if (close != argument.Length - 1)
        {
            throw new RubricException(source, line, $"unexpected text after the closing quote of [{name}]: \"{argument[(close + 1)..].Trim()}\"");
        }

        // Only \" and \\ are escapes; any other backslash is kept, so Windows paths and regex-like text read as written.
        var text = new StringBuilder(close - 1);
        for (var i = 1; i < close; i++)
        {
            if (argument[i] == '\\' && argument[i + 1] is '"' or '\\')
            {
                i++;
            }

            text.Append(argument[i]);
        }

        return text.ToString();
    }

    private static string ParseLength(string name, string? argument, string source, int line) =>
        int.TryParse(argument, NumberStyles.None, CultureInfo.InvariantCulture, out var length)
            ? length.ToString(CultureInfo.InvariantCulture)
            : throw new RubricException(source, line, $"[{name}] needs a whole number of characters, 0 or more, not \"{argument}\"");

    /// <summary>The index of the quote closing the one at <paramref name="open"/>, skipping backslash escapes, or -1.</summary>
    private static int FindClosingQuote(string text, int open)
    {
        for (var i = open + 1; i < text.Length; i++)
        {
            if (text[i] == '\\')
            {
                i++;
            }
            else if (text[i] == '"')
            {
                return i;
            }
        }

        return -1;
    }

    /// <summary>The kind word of a bracket opened at <paramref name="start"/> (<c>[kind]</c> or <c>[kind:</c>), if it has one.</summary>
    private static string? KindAt(string content, int start)
    {
        var match = KindPrefixPattern().Match(content, start + 1);
        return match.Success ? match.Groups["kind"].Value : null;
    }

    private static int SkipSpaces(string text, int index)
    {
        while (index < text.Length && char.IsWhiteSpace(text[index]))
        {
            index++;
        }

        return index;
    }

    // No \s* between the value and ')': [^()]* takes the spaces already (the value is trimmed), and the two loops over the
    // same spaces made an annotation left open ('(weight: ' and 20,000 spaces, then text) quadratic: seconds for a line.
    [GeneratedRegex(@"\(\s*(?:required\s*|(?<key>weight|id)\s*:(?<value>[^()]*))\)", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex AnnotationPattern();

    [GeneratedRegex(@"\G\s*(?<kind>[A-Za-z][A-Za-z0-9-]*)\s*[:\]]", RegexOptions.CultureInvariant)]
    private static partial Regex KindPrefixPattern();

    [GeneratedRegex(@"^\s*(?<kind>[A-Za-z][A-Za-z0-9-]*)\s*(?::(?<argument>.*))?$", RegexOptions.Singleline | RegexOptions.CultureInvariant)]
    private static partial Regex CheckPattern();

    [GeneratedRegex(@"^[A-Za-z0-9][A-Za-z0-9._-]*$", RegexOptions.CultureInvariant)]
    private static partial Regex IdPattern();

    [GeneratedRegex(@"\s+")]
    private static partial Regex WhitespacePattern();
}
