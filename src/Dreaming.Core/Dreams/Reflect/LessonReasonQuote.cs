using System.Globalization;

namespace Dreaming;

/// <summary>How a rubric criterion's lesson quotes a failing verdict's reason (<see cref="Finding.Example"/>), so that the
/// agent learns what was wrong and not only which criterion: on one line, with the secrets <see cref="SecretPatternRedactor"/>
/// finds redacted, cut at <see cref="MaxReasonLength"/> characters between characters as a reader sees them; a lesson found
/// again keeps the reason it quotes (<see cref="WithReasonOf"/>). <see cref="TemplateLessonWriter"/> writes the lessons.
/// Thread-safe.</summary>
internal static class LessonReasonQuote
{
    /// <summary>The longest a quoted grader's reason is, in characters, with its ellipsis when cut.</summary>
    internal const int MaxReasonLength = 160;

    private static readonly SecretPatternRedactor s_redactor = new();

    // A failing verdict's reason (the finding's example) says what was wrong, where the criterion's id only names what was
    // judged: quoted after the advice, on one line, its secrets redacted, cut. A dream gives it with the values of the
    // sessions it read masked (ForDream).
    internal static string GradersReason(Finding finding)
    {
        if (string.IsNullOrWhiteSpace(finding.Example))
        {
            return string.Empty;
        }

        // Control characters (a terminal's escape, a bell, NUL) are no part of one line of text either.
        var words = string.Create(finding.Example.Length, finding.Example, static (span, example) =>
        {
            for (var i = 0; i < span.Length; i++)
            {
                span[i] = char.IsControl(example[i]) ? ' ' : example[i];
            }
        }).Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
        return $"{ReasonOpening}{WholeTextElements(s_redactor.Redact(string.Join(' ', words)), MaxReasonLength)}\"";
    }

    private const string ReasonOpening = " One grader's reason: \"";

    // The start of the text, at most maxLength characters with its ellipsis, cut between two characters as a reader sees
    // them: not inside a surrogate pair, nor between a letter and its combining accent ("e\u0301"), nor inside an emoji
    // sequence or a flag.
    private static string WholeTextElements(string text, int maxLength)
    {
        if (text.Length <= maxLength)
        {
            return text;
        }

        var end = 0;
        for (var next = StringInfo.GetNextTextElementLength(text, 0); end + next <= maxLength - 1; next = StringInfo.GetNextTextElementLength(text, end))
        {
            end += next;
        }

        return string.Concat(text.AsSpan(0, end), "…");
    }

    /// <summary>Returns a criterion lesson's <paramref name="text"/> quoting the grader's reason <paramref name="existing"/>
    /// quotes, when it quotes one (the text as it is otherwise): a lesson found again keeps its reason.</summary>
    internal static string WithReasonOf(string text, string existing)
    {
        var from = existing.IndexOf(ReasonOpening, StringComparison.Ordinal);
        if (from < 0)
        {
            return text;
        }

        var at = text.IndexOf(ReasonOpening, StringComparison.Ordinal);
        return string.Concat(at < 0 ? text.AsSpan() : text.AsSpan(0, at), existing.AsSpan(from));
    }
}
