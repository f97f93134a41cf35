namespace Dreaming;

/// <summary>The select stage: finished sessions of the scope, with an outcome, that no earlier dream read.</summary>
internal static class DreamSessionSelector
{
    // The reverse of the order the cursor moves, so a heap of the first candidates gives up the last of them first.
    private static readonly Comparer<SessionRecord> s_lastFirst = Comparer<SessionRecord>.Create(static (a, b) => CompareOrder(b.EndedAt, b.Id, a.EndedAt, a.Id));

    /// <summary>Reads the sessions that ended after the cursor, and those before it that no earlier dream read (see
    /// <see cref="DreamReadHistory"/>), oldest first, up to the request's <c>MaxSessions</c>, so that a backlog larger than
    /// one dream is read in order across successive dreams and no session is skipped.</summary>
    public static async Task<IReadOnlyList<SessionWithEvents>> SelectAsync(ITraceStore traces, DreamRunRequest request, DreamCursor? after, DreamReadHistory? history, CancellationToken cancellationToken)
    {
        // Only the first MaxSessions candidates in the order the cursor moves are kept while the scope is walked (the one
        // that comes last leaves the heap first), not every candidate: a global dream on a year's file held 154,000
        // records to keep 100.
        var first = new PriorityQueue<SessionRecord, SessionRecord>(s_lastFirst);
        var endedFrom = CandidatesEndFrom(after, history);
        await foreach (var session in ScopeSessionsAsync(traces, request.Scope, cancellationToken, endedFrom: endedFrom).ConfigureAwait(false))
        {
            if (!IsCandidate(session, after, history))
            {
                continue;
            }

            if (first.Count < request.MaxSessions)
            {
                first.Enqueue(session, session);
            }
            else
            {
                first.EnqueueDequeue(session, session);
            }
        }

        // In the order the cursor moves: by end time (to the millisecond), then id.
        var chosen = new List<SessionRecord>(first.Count);
        chosen.AddRange(first.UnorderedItems.Select(static item => item.Element));
        chosen.Sort(static (a, b) => CompareOrder(a.EndedAt, a.Id, b.EndedAt, b.Id));
        var selected = new List<SessionWithEvents>(chosen.Count);
        foreach (var session in chosen)
        {
            var events = await traces.GetEventsAsync(session.Id, cancellationToken).ConfigureAwait(false);

            // No events can also mean the session was deleted (purged) since it was listed: then it is not read, rather
            // than mined as an empty session that counts in the base failure rate and is named among the sessions read.
            if (events.Count == 0 && await traces.GetSessionAsync(session.Id, cancellationToken).ConfigureAwait(false) is null)
            {
                continue;
            }

            selected.Add(new SessionWithEvents(session, events));
        }

        return selected;
    }

    /// <summary>Counts the sessions a dream of the scope would read now (<see cref="IsCandidate"/>), up to
    /// <paramref name="enough"/>: what the scheduler's <see cref="DreamSchedule.AfterNewSessions"/> compares with its
    /// threshold.</summary>
    /// <remarks>The store is asked only for the sessions that ended since <see cref="CandidatesEndFrom"/>, when there is
    /// such a bound, rather than for every session of the scope; the count is the same.</remarks>
    public static Task<int> CountNewAsync(ITraceStore traces, MemoryScope scope, DreamCursor? after, DreamReadHistory? history, int enough, CancellationToken cancellationToken) =>
        CountNewAsync(traces, scope, after, history, enough, ids: null, cancellationToken);

    /// <summary>Counts as <see cref="CountNewAsync(ITraceStore, MemoryScope, DreamCursor?, DreamReadHistory?, int, CancellationToken)"/>
    /// does, and adds the id of each session counted to <paramref name="ids"/> when it is given.</summary>
    public static async Task<int> CountNewAsync(ITraceStore traces, MemoryScope scope, DreamCursor? after, DreamReadHistory? history, int enough, HashSet<string>? ids, CancellationToken cancellationToken)
    {
        var count = 0;
        await foreach (var session in ScopeSessionsAsync(traces, scope, cancellationToken, endedFrom: CandidatesEndFrom(after, history)).ConfigureAwait(false))
        {
            if (!IsCandidate(session, after, history))
            {
                continue;
            }

            ids?.Add(session.Id);
            if (++count >= enough)
            {
                break;
            }
        }

        return count;
    }

    /// <summary>The earliest end time a session <see cref="IsCandidate"/> accepts can have, to the millisecond, or
    /// <see langword="null"/> when a session of any end time may be one: without a cursor (every finished session is new),
    /// or with a history that looks for late sessions at any age (<see cref="DreamReadHistory.LateSince"/>).</summary>
    /// <remarks>A candidate comes after the cursor in (end time, id) order, so it ended in or after the cursor's
    /// millisecond; a late one after the history's bound, likewise. The earlier of the two bounds both. A session without an
    /// end time is never after a cursor, so leaving it out (as <see cref="SessionQuery.EndedFrom"/> does) changes nothing.</remarks>
    public static DateTimeOffset? CandidatesEndFrom(DreamCursor? after, DreamReadHistory? history)
    {
        if (after is null)
        {
            return null;
        }

        if (history is null)
        {
            return after.EndedAt;
        }

        return history.LateSince is { } since ? (since.EndedAt < after.EndedAt ? since.EndedAt : after.EndedAt) : null;
    }

    /// <summary>Reads the earlier sessions a dream with a <see cref="DreamRunRequest.Lookback"/> mines with its new ones:
    /// finished sessions of the scope with an outcome that passed or failed, started within the lookback before
    /// <paramref name="now"/>, that earlier dreams already read (at or before the cursor and not unread), newest first, at
    /// most <see cref="DreamRunRequest.MaxLookbackSessions"/> and at most <see cref="DreamRunRequest.MaxSessions"/> less
    /// the new sessions, so a dream never holds more than <c>MaxSessions</c> sessions.</summary>
    /// <remarks>Empty without a lookback or a cursor (the first dream has nothing earlier). The store is asked for the
    /// scope's sessions started since the lookback (<see cref="SessionQuery.StartedFrom"/>, served by the start-time
    /// indexes of the SQLite store), so the rest of the history is not read.</remarks>
    public static async Task<IReadOnlyList<SessionWithEvents>> LookbackAsync(ITraceStore traces, DreamRunRequest request, DreamCursor? after, DreamReadHistory? history, IReadOnlyList<SessionWithEvents> selected, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var room = Math.Min(request.MaxLookbackSessions, request.MaxSessions - selected.Count);
        if (request.Lookback is not { } lookback || after is null || room <= 0)
        {
            return [];
        }

        var since = now - lookback;
        var taken = selected.Select(static s => s.Session.Id).ToHashSet(StringComparer.Ordinal);
        var earlier = new List<SessionWithEvents>();
        await foreach (var session in ScopeSessionsAsync(traces, request.Scope, cancellationToken, since).ConfigureAwait(false))
        {
            if (session.StartedAt < since || taken.Contains(session.Id) || IsCandidate(session, after, history)
                || session.Status == SessionStatus.Running || SessionVerdicts.Classify(session) is not (SessionVerdict.Succeeded or SessionVerdict.Failed))
            {
                continue;
            }

            var events = await traces.GetEventsAsync(session.Id, cancellationToken).ConfigureAwait(false);
            if (events.Count == 0 && await traces.GetSessionAsync(session.Id, cancellationToken).ConfigureAwait(false) is null)
            {
                continue;
            }

            earlier.Add(new SessionWithEvents(session, events));
            if (earlier.Count >= room)
            {
                break;
            }
        }

        return earlier;
    }

    /// <summary>Pages through every recorded session of the scope, newest first: an agent's (by its id), a team's (by
    /// <see cref="SessionRecord.Scope"/>, ordinally: never an unscoped session or another team's), or every session for
    /// <see cref="MemoryScope.Global"/>.</summary>
    /// <remarks>The store is asked to filter (<see cref="SessionQuery.AgentId"/>, <see cref="SessionQuery.Scope"/>) and each
    /// session is checked again here, so a store that ignores a filter (one written before <see cref="SessionQuery.Scope"/>
    /// existed) cannot give a dream another scope's sessions. The dream, the scheduler's count of new sessions and the
    /// reason for too few sessions all read through this. With <paramref name="endedFrom"/> only the sessions that ended
    /// since are asked for (<see cref="SessionQuery.EndedFrom"/>), with <paramref name="changedAfter"/> only those changed
    /// after that change number (<see cref="SessionQuery.ChangedAfter"/>); a store that ignores either gives more, never fewer. A caller
    /// that stops early asks for pages of <paramref name="pageSize"/>, so the store reads no more than it takes.</remarks>
    public static async IAsyncEnumerable<SessionRecord> ScopeSessionsAsync(ITraceStore traces, MemoryScope scope, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken, DateTimeOffset? startedFrom = null, DateTimeOffset? endedFrom = null, int pageSize = SessionQuery.MaxPageSize, long? changedAfter = null)
    {
        var query = new SessionQuery
        {
            StartedFrom = startedFrom,
            EndedFrom = endedFrom,
            ChangedAfter = changedAfter,
            AgentId = scope.Kind == MemoryScopeKind.Agent ? scope.Id : null,
            Scope = scope.Kind == MemoryScopeKind.Team ? scope.Id : null,
            Order = SessionOrder.NewestFirst,
            PageSize = pageSize,
        };
        string? cursor = null;
        do
        {
            var page = await traces.QuerySessionsAsync(query with { Cursor = cursor }, cancellationToken).ConfigureAwait(false);
            foreach (var session in page.Items)
            {
                if (IsInScope(session, scope))
                {
                    yield return session;
                }
            }

            cursor = page.NextCursor;
        }
        while (cursor is not null);
    }

    /// <summary>Tells whether a session belongs to the scope a dream reads: its agent's, its team's (its
    /// <see cref="SessionRecord.Scope"/> equal to the team id, ordinally), or the global one (every session).</summary>
    public static bool IsInScope(SessionRecord session, MemoryScope scope) => scope.Kind switch
    {
        MemoryScopeKind.Agent => string.Equals(session.AgentId, scope.Id, StringComparison.Ordinal),
        MemoryScopeKind.Team => string.Equals(session.Scope, scope.Id, StringComparison.Ordinal),
        _ => true,
    };

    public static DreamCursor? CursorOf(IReadOnlyList<SessionWithEvents> selected, DreamCursor? previous)
    {
        SessionRecord? last = null;
        foreach (var session in selected.Select(s => s.Session))
        {
            if (session.EndedAt is not null && (last is null || CompareOrder(session.EndedAt, session.Id, last.EndedAt, last.Id) > 0))
            {
                last = session;
            }
        }

        // Sessions read from behind the cursor (late ones) never move it back.
        return last is null || (previous is not null && !IsAfter(last, previous)) ? previous : new DreamCursor(last.EndedAt!.Value, last.Id);
    }

    /// <summary>Whether a dream may read the session: finished, with an outcome that says passed or failed, and ended
    /// after the cursor, or before it but unread by earlier dreams. The scheduler counts new sessions with the same test.</summary>
    public static bool IsCandidate(SessionRecord session, DreamCursor? after, DreamReadHistory? history) =>
        session.Status != SessionStatus.Running
        && SessionVerdicts.Classify(session) is SessionVerdict.Succeeded or SessionVerdict.Failed
        && (IsAfter(session, after) || history?.IsUnread(session) == true);

    /// <summary>Whether the session comes after the cursor in the order the cursor moves (always, without a cursor).</summary>
    public static bool IsAfter(SessionRecord session, DreamCursor? cursor) =>
        cursor is null
        || (session.EndedAt is not null && CompareOrder(session.EndedAt, session.Id, cursor.EndedAt, cursor.SessionId) > 0);

    // The order the cursor moves in: end time, then id. Times compare to the millisecond, the precision the durable stores
    // keep, so a cursor stored at that precision (by any dream run store) still sits on the session it was taken from
    // when the trace store keeps finer times (the in-memory one does): that session is never read twice.
    private static int CompareOrder(DateTimeOffset? endedA, string idA, DateTimeOffset? endedB, string idB)
    {
        var byTime = Nullable.Compare(endedA?.ToUnixTimeMilliseconds(), endedB?.ToUnixTimeMilliseconds());
        return byTime != 0 ? byTime : string.CompareOrdinal(idA, idB);
    }
}
