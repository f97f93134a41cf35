using System.Globalization;

namespace Dreaming;

/// <summary>A failed session and a successful one whose tasks are alike: the contrast a reflector learns most from.</summary>
/// <param name="Failed">The failed session.</param>
/// <param name="Succeeded">The successful session.</param>
/// <param name="Similarity">How alike the tasks are: the Jaccard similarity of their normalised words, 0..1.</param>
public sealed record TaskPair(SessionWithEvents Failed, SessionWithEvents Succeeded, double Similarity)
{
    /// <summary>The <see cref="Finding.Kind"/> of the finding a pair's lesson carries.</summary>
    public const string FindingKind = "task_contrast";

    /// <summary>Finds the closest pairs: each failed session with its most similar successful one, most similar first, each
    /// session in one pair at most.</summary>
    /// <param name="sessions">The sessions read.</param>
    /// <param name="maxPairs">The most pairs to return.</param>
    /// <param name="minSimilarity">The least similarity a pair needs.</param>
    /// <param name="maxCandidates">The most sessions of each side compared, so pairing stays cheap on large dreams.</param>
    /// <returns>The pairs.</returns>
    public static IReadOnlyList<TaskPair> Find(IEnumerable<SessionWithEvents> sessions, int maxPairs = 3, double minSimilarity = 0.3, int maxCandidates = 500) =>
        Find(sessions, maxPairs, minSimilarity, maxCandidates, CancellationToken.None);

    /// <summary>Finds the closest pairs as <see cref="Find(IEnumerable{SessionWithEvents}, int, double, int)"/>, stopping
    /// when <paramref name="cancellationToken"/> is cancelled: comparing 500 failed tasks with 500 successful ones takes
    /// about a second when the tasks are long.</summary>
    /// <param name="sessions">The sessions read.</param>
    /// <param name="maxPairs">The most pairs to return.</param>
    /// <param name="minSimilarity">The least similarity a pair needs.</param>
    /// <param name="maxCandidates">The most sessions of each side compared.</param>
    /// <param name="cancellationToken">Stops the search; it is checked before each session is read and before each failed
    /// session is compared with the successful ones.</param>
    /// <returns>The pairs.</returns>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    public static IReadOnlyList<TaskPair> Find(IEnumerable<SessionWithEvents> sessions, int maxPairs, double minSimilarity, int maxCandidates, CancellationToken cancellationToken) =>
        Find(sessions, maxPairs, minSimilarity, maxCandidates, earlier: null, cancellationToken);

    /// <summary>Finds the closest pairs as <see cref="Find(IEnumerable{SessionWithEvents}, int, double, int, CancellationToken)"/>,
    /// but never a pair of two sessions in <paramref name="earlier"/> (sessions earlier dreams already read, mined again by
    /// a <see cref="DreamRunRequest.Lookback"/>): a pair needs at least one new session, as a finding does, so the same old
    /// contrast is not learnt again each night for no new reason.</summary>
    /// <remarks>With <paramref name="otherScope"/>, a failed session is paired only with a successful one of another team
    /// scope (sessions without one, or with an empty one, are one scope together).</remarks>
    internal static IReadOnlyList<TaskPair> Find(IEnumerable<SessionWithEvents> sessions, int maxPairs, double minSimilarity, int maxCandidates, IReadOnlySet<string>? earlier, CancellationToken cancellationToken, bool otherScope = false)
    {
        ArgumentNullException.ThrowIfNull(sessions);
        ArgumentOutOfRangeException.ThrowIfNegative(maxPairs);
        cancellationToken.ThrowIfCancellationRequested();
        var failed = new List<(SessionWithEvents Session, HashSet<string> Words)>();
        var succeeded = new List<(SessionWithEvents Session, HashSet<string> Words)>();
        foreach (var session in sessions)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var side = SessionVerdicts.Classify(session.Session) switch
            {
                SessionVerdict.Failed => failed,
                SessionVerdict.Succeeded => succeeded,
                _ => null,
            };
            if (side is not null && side.Count < maxCandidates)
            {
                side.Add((session, MemoryCurator.Words(session.Session.Task)));
            }
        }

        var best = new List<TaskPair>();
        foreach (var (session, words) in failed)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var failedIsEarlier = earlier?.Contains(session.Session.Id) == true;
            var match = succeeded
                .Where(s => !failedIsEarlier || !earlier!.Contains(s.Session.Session.Id))
                .Where(s => !otherScope || !string.Equals(SessionContext.ScopeOf(s.Session.Session), SessionContext.ScopeOf(session.Session), StringComparison.Ordinal))
                .Select(s => (s.Session, Similarity: MemoryCurator.Jaccard(words, s.Words)))
                .Where(s => s.Similarity >= minSimilarity && words.Count > 0)
                .OrderByDescending(s => s.Similarity)
                .ThenBy(s => s.Session.Session.Id, StringComparer.Ordinal)
                .FirstOrDefault();
            if (match.Session is not null)
            {
                best.Add(new TaskPair(session, match.Session, match.Similarity));
            }
        }

        var used = new HashSet<string>(StringComparer.Ordinal);
        return best
            .OrderByDescending(p => p.Similarity)
            .ThenBy(p => p.Failed.Session.Id, StringComparer.Ordinal)
            .Where(p => used.Add(p.Failed.Session.Id) && used.Add(p.Succeeded.Session.Id))
            .Take(maxPairs)
            .ToList();
    }

    /// <summary>Builds the finding a lesson from this pair carries: its evidence is the two sessions.</summary>
    /// <param name="baseFailureRate">The failure rate of all sessions mined.</param>
    /// <returns>The finding.</returns>
    public Finding ToFinding(double baseFailureRate) => new()
    {
        Kind = FindingKind,
        Pattern = FindingKind,
        Tool = FailedTools().FirstOrDefault(),
        Signature = string.Create(CultureInfo.InvariantCulture, $"{Failed.Session.Id} failed where {Succeeded.Session.Id} passed (task similarity {Similarity:0.00})"),
        Sessions = 2,
        FailedSessions = 1,
        FailureRate = 0.5,
        Lift = baseFailureRate > 0 ? 0.5 / baseFailureRate : 0,
        FailureRateLowerBound = 0,
        PValue = 1,
        Strength = 0,
        Occurrences = 1,
        WastedCalls = 0,
        WastedTokens = 0,
        Evidence = [new FindingEvidence(Failed.Session.Id, true, []), new FindingEvidence(Succeeded.Session.Id, false, [])],
    };

    /// <summary>Gets the tools that failed in the failed session, in the order they first failed.</summary>
    /// <returns>The tool names.</returns>
    public IEnumerable<string> FailedTools() =>
        Failed.Events.OfType<ToolResultEvent>().Where(r => r.IsError && r.ToolName is not null).Select(r => r.ToolName!).Distinct(StringComparer.Ordinal);

    /// <summary>Gets the words both tasks share, as keywords for when the lesson applies.</summary>
    /// <returns>At most six keywords, lower-case.</returns>
    public IReadOnlyList<string> SharedKeywords() =>
        MemoryCurator.Words(Failed.Session.Task).Intersect(MemoryCurator.Words(Succeeded.Session.Task)).Order(StringComparer.Ordinal).Take(6).Select(w => w.ToLowerInvariant()).ToList();
}
