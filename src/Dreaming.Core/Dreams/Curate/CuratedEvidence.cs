using System.Globalization;

namespace Dreaming;

/// <summary>An insight's evidence as curation keeps it: each session once, at most <see cref="CurationOptions.MaxEvidence"/>
/// of them, and the words a change uses to say what was merged and what was left out.</summary>
internal static class CuratedEvidence
{
    // The insight's evidence and the candidate's, each session once, of which at most MaxEvidence are kept (a lesson found
    // again every night would otherwise carry, in every version, every session that ever showed it); and what the change
    // says: how many of the lesson's sessions were merged, and which were left out, the insight's oldest apart from the
    // lesson's own last ones (when the lesson alone cites more than the bound).
    internal static (List<InsightEvidence> Evidence, string Merged) Merge(Insight existing, LessonCandidate candidate, CurationOptions options)
    {
        var all = existing.Evidence.Concat(candidate.Evidence).DistinctBy(e => e.SessionId).ToList();
        var kept = Bounded(all, candidate.Evidence, options.MaxEvidence);
        var own = candidate.Evidence.Select(e => e.SessionId).Distinct(StringComparer.Ordinal).ToList();
        if (kept.Count == all.Count)
        {
            return (kept, $"its {Sessions(own.Count, "evidence ")} merged");
        }

        var keptIds = kept.Select(e => e.SessionId).ToHashSet(StringComparer.Ordinal);
        var ownLeft = own.Count(id => !keptIds.Contains(id));
        var insightLeft = all.Count - kept.Count - ownLeft;
        var merged = ownLeft == 0
            ? $"its {Sessions(own.Count, "evidence ")} merged"
            : string.Create(CultureInfo.InvariantCulture, $"{own.Count - ownLeft} of its {own.Count} evidence sessions merged");
        var left = (insightLeft, ownLeft) switch
        {
            (0, _) => string.Create(CultureInfo.InvariantCulture, $"this lesson's last {ownLeft}"),
            (_, 0) => string.Create(CultureInfo.InvariantCulture, $"the insight's {insightLeft} oldest"),
            _ => string.Create(CultureInfo.InvariantCulture, $"the insight's {insightLeft} oldest and this lesson's last {ownLeft}"),
        };
        return (kept, string.Create(
            CultureInfo.InvariantCulture,
            $"{merged}; left out: {left} (the evidence keeps at most {Sessions(options.MaxEvidence)}: those the lesson found now cites, its first ones first, then the newest of the others)"));
    }

    // "1 session", "3 evidence sessions": a bound of 1, or a lesson that cites one session, is not "1 sessions".
    internal static string Sessions(int count, string what = "") =>
        string.Create(CultureInfo.InvariantCulture, $"{count} {what}{(count == 1 ? "session" : "sessions")}");

    // At most max of the evidence, in its order: first the sessions the lesson found now cites (the first of them when they are
    // more than max: a finding lists those that show it best first, a pitfall's failed sessions and a lookback's new ones, so
    // the end of its list is what matters least), then the newest of the others; the oldest are left out.
    internal static List<InsightEvidence> Bounded(List<InsightEvidence> all, IReadOnlyList<InsightEvidence> cited, int max)
    {
        if (all.Count <= max)
        {
            return all;
        }

        var keep = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < cited.Count && keep.Count < max; i++)
        {
            keep.Add(cited[i].SessionId);
        }

        for (var i = all.Count - 1; i >= 0 && keep.Count < max; i--)
        {
            keep.Add(all[i].SessionId);
        }

        return [.. all.Where(e => keep.Contains(e.SessionId)).DistinctBy(e => e.SessionId)];
    }
}
