using System.Globalization;

namespace Dreaming;

/// <summary>Caps the memory a dream commits to a token budget: the most useful insights stay active, the rest are held
/// back as <see cref="InsightStatus.Proposed"/>, never deleted, and come back when they fit again.</summary>
/// <remarks>
/// Usefulness is the smoothed helpful rate (helpful + 1) / (seen + 2), so an insight given to many sessions that never
/// helped ranks below a new one; ties go to more evidence sessions (each session once, however many of its events the
/// evidence names), then to the newer, then to the earlier in the version (new lessons come strongest first), never to a
/// random id. Insights a person wrote are never held back
/// and count first. A rendered insight is the line <c>- [id] text</c>, counted at four characters per token as in
/// <see cref="InsightRanker"/>.
/// </remarks>
internal static class MemoryBudget
{
    public static int Tokens(Insight insight) => (insight.Id.Length + insight.Text.Length + 6 + 3) / 4;

    public static void Apply(List<Insight> insights, List<DreamChange> changes, int tokenBudget, DateTimeOffset now)
    {
        var ranked = Enumerable.Range(0, insights.Count)
            .Where(i => insights[i].Status == InsightStatus.Active || (insights[i].Status == InsightStatus.Proposed && insights[i].Source != InsightSource.Human))
            .OrderByDescending(i => insights[i].Source == InsightSource.Human)
            .ThenByDescending(i => (insights[i].Helpful + 1.0) / (insights[i].Seen + 2.0))
            .ThenByDescending(i => EvidenceSessions.Count(insights[i].Evidence))
            .ThenByDescending(i => insights[i].CreatedAt)

            // Then by position: the version's order, and the new lessons strongest first. Not by id: the ids of the lessons
            // a dream adds are random within a millisecond, and the same sessions must give the same memory.
            .ThenBy(i => i)
            .ToList();

        // Where each insight added in this curation has its change, so a hold-back is told on that change.
        var added = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < changes.Count; i++)
        {
            if (changes[i].Op == DreamChangeOp.Add)
            {
                added[changes[i].InsightId] = i;
            }
        }

        var used = 0;
        for (var rank = 0; rank < ranked.Count; rank++)
        {
            var index = ranked[rank];
            var insight = insights[index];
            var tokens = Tokens(insight);
            var fits = insight.Source == InsightSource.Human || used + tokens <= tokenBudget;
            if (fits)
            {
                used += tokens;
            }

            var status = fits ? InsightStatus.Active : InsightStatus.Proposed;
            if (status == insight.Status)
            {
                continue;
            }

            insights[index] = insight with { Status = status, UpdatedAt = now };
            var reason = fits
                ? "activated: it fits the memory's token budget again"
                : string.Create(CultureInfo.InvariantCulture, $"held back as proposed: the memory is over its {tokenBudget}-token budget and this ranks {rank + 1} of {ranked.Count} by usefulness");
            if (added.TryGetValue(insight.Id, out var change))
            {
                changes[change] = changes[change] with { Reason = changes[change].Reason + "; " + reason };
            }
            else
            {
                changes.Add(new DreamChange { Op = DreamChangeOp.Update, InsightId = insight.Id, Kind = insight.Kind, Text = insight.Text, Reason = reason });
            }
        }
    }
}
