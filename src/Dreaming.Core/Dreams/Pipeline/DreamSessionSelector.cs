namespace Dreaming;

/// <summary>The select stage: finished sessions of the scope, with an outcome, that no earlier dream read.</summary>
internal static class DreamSessionSelector
{
    /// <summary>Reads the sessions that ended after the cursor, oldest first, up to the request's <c>MaxSessions</c>, so that
    /// a backlog larger than one dream is read in order across successive dreams and no session is skipped.</summary>
    public static async Task<IReadOnlyList<SessionWithEvents>> SelectAsync(ITraceStore traces, DreamRunRequest request, DreamCursor? after, CancellationToken cancellationToken)
    {
        var chosen = new List<SessionRecord>();
        await foreach (var session in ScopeSessionsAsync(traces, request.Scope, cancellationToken).ConfigureAwait(false))
        {
            if (IsCandidate(session, after))
            {
                chosen.Add(session);
            }
        }

        // In the order the cursor moves: by end time, then id.
        chosen.Sort(static (a, b) => a.EndedAt != b.EndedAt ? Nullable.Compare(a.EndedAt, b.EndedAt) : string.CompareOrdinal(a.Id, b.Id));
        var selected = new List<SessionWithEvents>(Math.Min(chosen.Count, request.MaxSessions));
        foreach (var session in chosen.Take(request.MaxSessions))
        {
            selected.Add(new SessionWithEvents(session, await traces.GetEventsAsync(session.Id, cancellationToken).ConfigureAwait(false)));
        }

        return selected;
    }

    /// <summary>Pages through every recorded session of the scope (an agent's, or all for a team or the whole store),
    /// newest first.</summary>
    public static async IAsyncEnumerable<SessionRecord> ScopeSessionsAsync(ITraceStore traces, MemoryScope scope, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var agentId = AgentOf(scope);
        string? cursor = null;
        do
        {
            var page = await traces.QuerySessionsAsync(new SessionQuery { AgentId = agentId, Order = SessionOrder.NewestFirst, PageSize = SessionQuery.MaxPageSize, Cursor = cursor }, cancellationToken).ConfigureAwait(false);
            foreach (var session in page.Items)
            {
                yield return session;
            }

            cursor = page.NextCursor;
        }
        while (cursor is not null);
    }

    /// <summary>Returns the agent whose sessions a scope reads, or <see langword="null"/> for every agent's.</summary>
    public static string? AgentOf(MemoryScope scope) => scope.Kind == MemoryScopeKind.Agent ? scope.Id : null;

    public static DreamCursor? CursorOf(IReadOnlyList<SessionWithEvents> selected, DreamCursor? previous)
    {
        var last = selected
            .Select(s => s.Session)
            .Where(s => s.EndedAt is not null)
            .OrderBy(s => s.EndedAt)
            .ThenBy(s => s.Id, StringComparer.Ordinal)
            .LastOrDefault();
        return last is null ? previous : new DreamCursor(last.EndedAt!.Value, last.Id);
    }

    /// <summary>Whether a dream may read the session: finished, with an outcome that says passed or failed, and ended
    /// after the cursor. The scheduler counts new sessions with the same test.</summary>
    public static bool IsCandidate(SessionRecord session, DreamCursor? after) =>
        session.Status != SessionStatus.Running
        && SessionVerdicts.Classify(session) is SessionVerdict.Succeeded or SessionVerdict.Failed
        && IsAfter(session, after);

    private static bool IsAfter(SessionRecord session, DreamCursor? cursor) =>
        cursor is null
        || (session.EndedAt is { } ended
            && (ended > cursor.EndedAt || (ended == cursor.EndedAt && string.CompareOrdinal(session.Id, cursor.SessionId) > 0)));
}
