using System.Globalization;

namespace Dreaming;

/// <content>Finding the insight a lesson is the same as: a duplicate to merge into, or a dormant copy (quarantined, or
/// retired as harmful) it must not be added next to.</content>
public static partial class MemoryCurator
{
    // Lessons written from findings by template share most of their words, so word similarity would merge two different
    // errors of one tool. For them, the same lesson means the same wording, tool and error signature; free-text lessons
    // (a model's or a person's) are compared exactly, then by their words, then by meaning when embeddings are available.
    private static (int Index, string? How) FindDuplicate(List<Insight> insights, LessonCandidate candidate, CurationOptions options, TextEmbeddings? embeddings, Dictionary<string, HashSet<string>> wordsOf)
    {
        var words = candidate.Source == InsightSource.Mined ? null : Words(candidate.Text);
        var best = (Index: -1, Similarity: 0.0);
        for (var i = 0; i < insights.Count; i++)
        {
            var existing = insights[i];
            if (existing.Status is InsightStatus.Retired or InsightStatus.Quarantined)
            {
                continue;
            }

            if (string.Equals(existing.Text, candidate.Text, StringComparison.Ordinal))
            {
                return (i, "exact text");
            }

            if (words is null)
            {
                if (SameTemplatedLesson(existing, candidate))
                {
                    return (i, "same tool, error and wording");
                }

                continue;
            }

            if (!wordsOf.TryGetValue(existing.Text, out var existingWords))
            {
                wordsOf[existing.Text] = existingWords = Words(existing.Text);
            }

            if (Jaccard(words, existingWords) >= options.MergeSimilarity)
            {
                return (i, "same words");
            }

            if (embeddings?.Similarity(existing.Text, candidate.Text) is { } similarity && similarity >= options.EmbeddingSimilarity && similarity > best.Similarity)
            {
                best = (i, similarity);
            }
        }

        return best.Index >= 0 ? (best.Index, string.Create(CultureInfo.InvariantCulture, $"same meaning, embedding similarity {best.Similarity:0.00}")) : (-1, null);
    }

    // An insight the candidate must not be added next to: the same lesson (exact text, or the same templated lesson), either
    // quarantined when the candidate is quarantined too, or retired as harmful by the rule of ApplyCredit (unless a live
    // copy of the lesson is in the memory too, which the lesson found again merges into as usual).
    private static int? Dormant(List<Insight> insights, LessonCandidate candidate, GuardVerdict verdict, CurationOptions options)
    {
        int? retired = null;
        for (var i = 0; i < insights.Count; i++)
        {
            var existing = insights[i];
            if (!(string.Equals(existing.Text, candidate.Text, StringComparison.Ordinal) || (candidate.Source == InsightSource.Mined && SameTemplatedLesson(existing, candidate))))
            {
                continue;
            }

            switch (existing.Status)
            {
                case InsightStatus.Quarantined when verdict.Quarantine:
                    return i;
                case InsightStatus.Retired when existing.Harmful >= options.RetireAfterHarmful && existing.Harmful > 2 * existing.Helpful:
                    retired ??= i;
                    break;
                case InsightStatus.Active or InsightStatus.Proposed when !verdict.Quarantine:
                    return null;
            }
        }

        return retired;
    }

    internal static double Jaccard(HashSet<string> a, HashSet<string> b)
    {
        if (a.Count == 0 && b.Count == 0)
        {
            return 1;
        }

        var common = a.Count(b.Contains);
        return (double)common / (a.Count + b.Count - common);
    }
}
