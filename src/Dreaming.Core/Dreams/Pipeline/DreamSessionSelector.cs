namespace Dreaming;

/// <summary>The select stage: finished sessions of the scope, with an outcome, that no earlier dream read.</summary>
internal static class DreamSessionSelector
{
    /// <summary>Reads the sessions that ended after the cursor, oldest first, up to the request's <c>MaxSessions</c>, so that
    /// a backlog larger than one dream is read in order across successive dreams and no session is skipped.</summary>
    public static async Task<IReadOnlyList<SessionWithEvents>> SelectAsync(ITraceStore traces, DreamRunRequest request, DreamCursor? after, CancellationToken cancellationToken)
    {
        var agentId = request.Scope.Kind == MemoryScopeKind.Agent ? request.Scope.Id : null;
        var chosen = new List<SessionRecord>();
        string? cursor = null;
        do
        {
            var page = await traces.QuerySessionsAsync(new SessionQuery { AgentId = agentId, Order = SessionOrder.NewestFirst, PageSize = SessionQuery.MaxPageSize, Cursor = cursor }, cancellationToken).ConfigureAwait(false);
            foreach (var session in page.Items)
            {
                if (IsCandidate(session, after))
                {
                    chosen.Add(session);
                }
            }

            cursor = page.NextCursor;
        }
        while (cursor is not null);

        // In the order the cursor moves: by end time, then id.
        chosen.Sort(static (a, b) => a.EndedAt != b.EndedAt ? Nullable.Compare(a.EndedAt, b.EndedAt) : string.CompareOrdinal(a.Id, b.Id));
        var selected = new List<SessionWithEvents>(Math.Min(chosen.Count, request.MaxSessions));
        foreach (var session in chosen.Take(request.MaxSessions))
        {
            selected.Add(new SessionWithEvents(session, await traces.GetEventsAsync(session.Id, cancellationToken).ConfigureAwait(false)));
        }

        return selected;
    }

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
