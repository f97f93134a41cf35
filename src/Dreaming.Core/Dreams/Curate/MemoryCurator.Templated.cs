using System.Globalization;
using System.Text;

namespace Dreaming;

/// <content>Templated lessons: when one found again is the same lesson, and when it is the same error framed the other way.</content>
public static partial class MemoryCurator
{
    private static bool SameTemplatedLesson(Insight existing, LessonCandidate candidate) =>
        existing.Kind == candidate.Kind
        && existing.Triggers.Tools.SequenceEqual(candidate.Triggers.Tools, StringComparer.Ordinal)
        && (SameOpening(existing.Text, candidate.Text, candidate.Finding.Signature)
            || SameWordingButNumbers(existing.Text, candidate.Text, candidate.Finding.Signature));

    // Both quote the signature after the same words: a template says what the lesson is about before it quotes the error
    // ("Calls to `x` fail with", "To save steps: `x` often returns", "To save steps: when `x` returns"), so the advice that
    // follows may be reworded, but a lesson with other advice about the same error (an error, or the same call resent) is
    // another lesson.
    private static bool SameOpening(string existing, string candidate, string signature)
    {
        var quoted = $"\"{signature}\"";
        var at = candidate.IndexOf(quoted, StringComparison.Ordinal);
        var from = at < 0 ? -1 : existing.IndexOf(quoted, StringComparison.Ordinal);
        return from >= 0 && string.Equals(MaskNumbers(existing.AsSpan(0, from)), MaskNumbers(candidate.AsSpan(0, at)), StringComparison.Ordinal);
    }

    // The template writes a finding found again by a later dream with other numbers only (sessions, failures, rates), and
    // not every lesson quotes its signature (a sequence's, a limit's): the same words around the same signature, numbers
    // aside, are the same lesson. A lesson that does not name its signature (arguments not valid JSON, whose wording says
    // so) is the same when all its words are.
    private static bool SameWordingButNumbers(string existing, string candidate, string signature)
    {
        var at = signature.Length == 0 ? -1 : candidate.IndexOf(signature, StringComparison.Ordinal);
        if (at < 0)
        {
            return string.Equals(MaskNumbers(existing), MaskNumbers(candidate), StringComparison.Ordinal);
        }

        var before = MaskNumbers(candidate.AsSpan(0, at));
        var after = MaskNumbers(candidate.AsSpan(at + signature.Length));
        for (var from = existing.IndexOf(signature, StringComparison.Ordinal); from >= 0; from = existing.IndexOf(signature, from + 1, StringComparison.Ordinal))
        {
            if (string.Equals(MaskNumbers(existing.AsSpan(0, from)), before, StringComparison.Ordinal)
                && string.Equals(MaskNumbers(existing.AsSpan(from + signature.Length)), after, StringComparison.Ordinal))
            {
                return true;
            }
        }

        return false;
    }

    // A templated lesson found again is written with the figures of the sessions this dream read, and with what its pattern
    // is now (a rubric's criterion that its latest verdict no longer records as required, or now does): the newer text is
    // the true one, and replaces the text of a lesson a dream wrote, so that "3 of the 10 sessions" does not stay once 30 of
    // 100 say it; a person's wording is theirs to change. Returns what changed, or null when the text is the same.
    private static string? Rewritten(Insight existing, LessonCandidate candidate) =>
        existing.Source != InsightSource.Mined
        || candidate.Source != InsightSource.Mined
        || string.Equals(existing.Text, candidate.Text, StringComparison.Ordinal)
            ? null
            : SameWordingButNumbers(existing.Text, candidate.Text, candidate.Finding.Signature)
                ? "with the figures of these sessions now"
                : "worded otherwise now";

    // A criterion's lesson quotes one grader's reason, the first failing verdict the dream read: a later dream that finds the
    // lesson again reads other sessions first (its new ones), whose graders may word it otherwise. The reason an insight a
    // dream wrote quotes stays, so the lesson is not reworded, nor a version written, because another verdict came first;
    // its figures and whether the criterion is required are still the candidate's.
    private static LessonCandidate KeepingReason(Insight existing, LessonCandidate candidate) =>
        existing.Source == InsightSource.Mined && candidate.Source == InsightSource.Mined && candidate.Finding.Pattern == FindingKinds.RubricCriterion
            ? candidate with { Text = LessonReasonQuote.WithReasonOf(candidate.Text, existing.Text) }
            : candidate;

    // Each number that stands alone (17, 94, 0.58, 1,203; not the 2 of v2 or of 2GB) becomes '#'.
    private static string MaskNumbers(ReadOnlySpan<char> text)
    {
        var masked = new StringBuilder(text.Length);
        for (var i = 0; i < text.Length; i++)
        {
            var end = i;
            if (char.IsAsciiDigit(text[i]) && (i == 0 || !IsWordChar(text[i - 1])))
            {
                while (end < text.Length && (char.IsAsciiDigit(text[end]) || (text[end] is '.' or ',' && end + 1 < text.Length && char.IsAsciiDigit(text[end + 1]) && end > i)))
                {
                    end++;
                }

                if (end == text.Length || !IsWordChar(text[end]))
                {
                    masked.Append('#');
                    i = end - 1;
                    continue;
                }
            }

            masked.Append(text[i]);
        }

        return masked.ToString();
    }

    private static bool IsWordChar(char c) => char.IsLetterOrDigit(c) || c == '_';

    // The dream that mines a pattern frames it: a pitfall or lesson when the sessions where it happened failed more than
    // the others, an efficiency tip when they did not. A later dream, over other sessions, can frame the same pattern (the
    // same kind, tool and signature) the other way; the memory keeps one framing of it, the better supported, in one
    // insight. Returns the active or proposed templated insight that frames the candidate's pattern the other way, or -1.
    private static int OtherFraming(List<Insight> insights, LessonCandidate candidate)
    {
        if (candidate.Source != InsightSource.Mined || Counterpart(candidate.Finding) is not { } other)
        {
            return -1;
        }

        var counterpart = TemplateLessonWriter.Write(other, 0);
        for (var i = 0; i < insights.Count; i++)
        {
            var existing = insights[i];
            if (existing.Status is InsightStatus.Active or InsightStatus.Proposed && existing.Source == InsightSource.Mined && SameTemplatedLesson(existing, counterpart))
            {
                return i;
            }
        }

        return -1;
    }

    // The same pattern framed the other way: a cost as what it is when tied to failure, and the reverse. A sequence of tools is
    // never a cost, and a lesson from a task contrast has no template.
    private static Finding? Counterpart(Finding finding) => finding switch
    {
        { Kind: FindingKinds.EfficiencyCost, Pattern: var pattern } when CanBeCost(pattern) => finding with { Kind = pattern },
        { Kind: var kind, Pattern: var pattern } when kind == pattern && CanBeCost(kind) => finding with { Kind = FindingKinds.EfficiencyCost },
        _ => null,
    };

    private static bool CanBeCost(string pattern) =>
        pattern is FindingKinds.ToolError or FindingKinds.RepeatedFailingCall or FindingKinds.RubricCriterion or FindingKinds.LimitHit or FindingKinds.AgentStuck;

    // The framing with as much or more support (evidence sessions, plus helpful, minus harmful; as for contradictions) is
    // kept: the newer replaces the text and kind of the insight, which keeps its id and counters, or only merges its evidence.
    // An insight whose evidence is at its bound showed more sessions than it keeps: a tie with it is not as much support.
    private static DreamChange Reframe(List<Insight> insights, int index, LessonCandidate candidate, DateTimeOffset now, CurationOptions options)
    {
        var existing = insights[index];
        var (evidence, merged) = CuratedEvidence.Merge(existing, candidate, options);
        var (newer, older) = (Contradictions.Support(candidate, options.MaxEvidence), Contradictions.Support(existing));
        var bound = Contradictions.Bound(existing, options.MaxEvidence);
        var found = string.Create(
            CultureInfo.InvariantCulture,
            $"the same pattern was found again {(candidate.IsEfficiencyTip ? "as an efficiency tip" : "tied to failure")} in {candidate.Finding.Sessions} sessions ({candidate.Finding.FailedSessions} failed)");
        if (newer > older || (newer == older && bound.Length == 0))
        {
            insights[index] = existing with { Kind = candidate.Kind, Text = KeepingReason(existing, candidate).Text, Triggers = candidate.Triggers, Evidence = evidence, UpdatedAt = now };
            return Change(DreamChangeOp.Update, insights[index], string.Create(
                CultureInfo.InvariantCulture,
                $"{found} with as much or more support ({newer} against {older}): its framing replaces the {existing.Kind.ToString().ToLowerInvariant()}; {merged}"));
        }

        // The better-supported framing is kept, but whether a criterion is required is what its latest verdict says, in
        // either framing: the kept text says so too.
        var text = candidate.Finding.Pattern == FindingKinds.RubricCriterion
            ? TemplateLessonWriter.WithRequired(existing.Text, candidate.Finding.Signature, candidate.Finding.RequiredCriterion)
            : existing.Text;
        var kept = string.Create(CultureInfo.InvariantCulture, $"{found} with {(newer < older ? "less" : "no more")} support ({newer} against {older}{bound}): the better-supported framing is kept");
        if (!string.Equals(text, existing.Text, StringComparison.Ordinal))
        {
            insights[index] = existing with { Text = text, Evidence = evidence, UpdatedAt = now };
            return Change(DreamChangeOp.Update, insights[index], $"{kept}, worded as the criterion's latest verdict says ({(candidate.Finding.RequiredCriterion ? "required" : "not required")}); {merged}");
        }

        insights[index] = existing with { Evidence = evidence, UpdatedAt = now };
        return Change(DreamChangeOp.Merge, insights[index], $"{kept}; {merged}");
    }
}
