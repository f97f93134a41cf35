using System.Globalization;

namespace Dreaming;

/// <summary>Finds an insight a new lesson contradicts: the same subject (tools and wording) with the opposite polarity
/// ("do X" against "do not X").</summary>
/// <remarks>
/// Lessons written by template state statistics about different errors and never contradict one another, so at least one
/// side must be free text (a model's or a person's). Support is the number of sessions of evidence, plus how often the
/// insight helped, minus how often it harmed.
/// </remarks>
internal static class Contradictions
{
    private static readonly HashSet<string> s_negations = new(["NOT", "NEVER", "AVOID", "DON", "DOESN", "CANNOT", "SHOULDN", "MUSTN"], StringComparer.Ordinal);
    private static readonly HashSet<string> s_modals = new(["ALWAYS", "MUST", "SHOULD", "DOES", "NEED", "NEEDS"], StringComparer.Ordinal);

    public static int Find(List<Insight> insights, LessonCandidate candidate, double similarity, Dictionary<string, (HashSet<string> Words, bool Negative)> polarities)
    {
        var (words, negative) = Polarity(candidate.Text, polarities);
        if (words.Count == 0)
        {
            return -1;
        }

        for (var i = 0; i < insights.Count; i++)
        {
            var existing = insights[i];
            if (existing.Status is not (InsightStatus.Active or InsightStatus.Proposed)
                || (existing.Source == InsightSource.Mined && candidate.Source == InsightSource.Mined)
                || !SameTools(existing.Triggers.Tools, candidate.Triggers.Tools))
            {
                continue;
            }

            var (other, otherNegative) = Polarity(existing.Text, polarities);
            if (negative != otherNegative && MemoryCurator.Jaccard(words, other) >= similarity)
            {
                return i;
            }
        }

        return -1;
    }

    // A lesson's sessions count up to the bound on an insight's evidence (CurationOptions.MaxEvidence): an insight keeps no
    // more, so more would not be compared like with like.
    public static int Support(LessonCandidate candidate, int maxEvidence) =>
        Math.Min(maxEvidence, candidate.Evidence.Select(e => e.SessionId).Distinct(StringComparer.Ordinal).Count());

    // An insight whose evidence is at the bound showed at least that many sessions, and the oldest may have been left out:
    // a lesson with as much support does not have as much as it, and does not replace it.
    public static bool AtBound(Insight insight, int maxEvidence) =>
        insight.Evidence.Select(e => e.SessionId).Distinct(StringComparer.Ordinal).Count() >= maxEvidence;

    public static string Bound(Insight insight, int maxEvidence) =>
        AtBound(insight, maxEvidence) ? string.Create(CultureInfo.InvariantCulture, $", its evidence at the bound of {CuratedEvidence.Sessions(maxEvidence)}") : string.Empty;

    public static int Support(Insight insight) =>
        Math.Max(0, insight.Evidence.Select(e => e.SessionId).Distinct(StringComparer.Ordinal).Count() + insight.Helpful - insight.Harmful);

    // Each text's words are worked out once per curation: every candidate is compared with every insight.
    private static (HashSet<string> Words, bool Negative) Polarity(string text, Dictionary<string, (HashSet<string> Words, bool Negative)> polarities)
    {
        if (polarities.TryGetValue(text, out var known))
        {
            return known;
        }

        return polarities[text] = Polarity(text);
    }

    private static (HashSet<string> Words, bool Negative) Polarity(string text)
    {
        var words = MemoryCurator.Words(text);
        var negative = words.RemoveWhere(s_negations.Contains) > 0;
        words.RemoveWhere(s_modals.Contains);
        return (words, negative);
    }

    private static bool SameTools(IReadOnlyList<string> a, IReadOnlyList<string> b) =>
        (a.Count == 0 && b.Count == 0) || a.Any(tool => b.Contains(tool, StringComparer.Ordinal));
}
