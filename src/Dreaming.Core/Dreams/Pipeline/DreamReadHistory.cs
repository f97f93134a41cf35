namespace Dreaming;

/// <summary>The sessions that earlier dreams of a scope read, so that a session that became readable only after a dream
/// had moved past its end time (graded later with <see cref="ITraceStore.SetOutcomeAsync"/>, imported from older logs, or
/// recorded by a process whose clock is behind) is still read once by a later dream.</summary>
/// <remarks>It is made from the scope's completed runs that mined their sessions (a run that found too few sessions read
/// nothing for good). Only the newest <see cref="DreamRunStoreRules.MaxListLimit"/> runs are read; when there are more,
/// a late session is looked for only after the cursor of the oldest of them that mined (and not at all when none of them
/// did), so a store with a long history is never read again from the start.</remarks>
internal sealed class DreamReadHistory
{
    // After every session: nothing is late.
    private static readonly DreamCursor s_end = new(DateTimeOffset.MaxValue, string.Empty);
    private readonly HashSet<string> _read;
    private readonly DreamCursor? _since;

    private DreamReadHistory(HashSet<string> read, DreamCursor? since, string? lastRunId)
    {
        _read = read;
        _since = since;
        LastRunId = lastRunId;
    }

    /// <summary>Gets the id of the newest completed run it was made from, or <see langword="null"/> when there is none.</summary>
    public string? LastRunId { get; }

    /// <summary>Loads the history of a scope from its runs.</summary>
    public static async Task<DreamReadHistory> LoadAsync(IDreamRunStore runs, MemoryScope scope, CancellationToken cancellationToken)
    {
        var list = await runs.ListAsync(scope, DreamRunStoreRules.MaxListLimit, cancellationToken).ConfigureAwait(false);
        var read = new HashSet<string>(StringComparer.Ordinal);
        DreamCursor? oldestMined = null;
        DreamCursor? newestCursor = null;
        string? lastRunId = null;
        foreach (var run in list)
        {
            if (run.Status != DreamRunStatus.Completed)
            {
                continue;
            }

            lastRunId ??= run.Id;
            newestCursor ??= run.Results.Cursor;
            if (run.Results.StageUsage.Any(static stage => stage.Stage == "mine"))
            {
                read.UnionWith(run.Results.SessionIds);
                oldestMined = run.Results.Cursor ?? oldestMined;
            }
        }

        if (list.Count < DreamRunStoreRules.MaxListLimit)
        {
            // Every run is listed: a late session of any age is looked for.
            return new DreamReadHistory(read, since: null, lastRunId);
        }

        // Only the newest runs are listed: a late session is looked for only after the oldest cursor of a listed run that
        // mined; when none of them mined (a long run of dreams that found too few sessions, or that failed), none is
        // looked for at all, rather than every session ever read.
        return new DreamReadHistory(read, oldestMined ?? newestCursor ?? s_end, lastRunId);
    }

    /// <summary>Gets the cursor after which late sessions are looked for, or <see langword="null"/> when they are looked for
    /// at any age (every run of the scope is listed).</summary>
    /// <remarks>A late session ends after this cursor (see <see cref="IsUnread"/>), so with the scope's cursor it bounds the
    /// end time of every session a dream may read (<see cref="DreamSessionSelector.CandidatesEndFrom"/>).</remarks>
    public DreamCursor? LateSince => _since;

    /// <summary>Whether a session at or before the cursor was left unread by the dreams that moved the cursor past it.</summary>
    public bool IsUnread(SessionRecord session) =>
        !_read.Contains(session.Id) && (_since is null || DreamSessionSelector.IsAfter(session, _since));
}
