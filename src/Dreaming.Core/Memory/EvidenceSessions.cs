namespace Dreaming;

/// <summary>Counts the sessions of an insight's evidence, each once: an insight written through the API may cite one
/// session at several of its events (<c>s1#4</c>, <c>s1#9</c>), and it is still one session that taught it.</summary>
/// <remarks>Ranking counts them for every insight at every session's start, so the count allocates nothing in the
/// steady state: a short list is compared entry by entry, a longer one goes through a set kept per thread (thread-safe).</remarks>
internal static class EvidenceSessions
{
    // Up to this many entries, each is compared with those before it: at most 120 comparisons, no set.
    private const int CompareEachBelow = 16;

    // A set kept after a list this long would hold its memory for the thread's life: it is let go instead.
    private const int KeepSetUpTo = 1024;

    [ThreadStatic]
    private static HashSet<string>? t_seen;

    /// <summary>The number of distinct session ids (ordinal) of the evidence.</summary>
    public static int Count(IReadOnlyList<InsightEvidence> evidence)
    {
        if (evidence.Count <= CompareEachBelow)
        {
            var count = 0;
            for (var i = 0; i < evidence.Count; i++)
            {
                var j = 0;
                while (j < i && !string.Equals(evidence[j].SessionId, evidence[i].SessionId, StringComparison.Ordinal))
                {
                    j++;
                }

                count += j == i ? 1 : 0;
            }

            return count;
        }

        var seen = t_seen ?? new HashSet<string>(StringComparer.Ordinal);
        t_seen = null;
        for (var i = 0; i < evidence.Count; i++)
        {
            seen.Add(evidence[i].SessionId);
        }

        var sessions = seen.Count;
        seen.Clear();
        t_seen = sessions <= KeepSetUpTo ? seen : null;
        return sessions;
    }
}
