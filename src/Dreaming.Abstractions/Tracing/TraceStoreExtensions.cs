namespace Dreaming;

/// <summary>Maintenance operations built on any <see cref="ITraceStore"/>.</summary>
public static class TraceStoreExtensions
{
    /// <summary>Ends as <see cref="SessionStatus.Abandoned"/> the sessions still <see cref="SessionStatus.Running"/> that
    /// started before a cut-off: those a process left behind when it was killed or crashed before completing them, which
    /// otherwise stay running for ever (and <see cref="ITraceStore.PurgeAsync"/> keeps running sessions).</summary>
    /// <remarks>
    /// <para>Each session keeps the events and the outcome it has; it ends at the current time with the usage and dropped
    /// count stored so far (a session's usage is stored when it completes, so a session that was never completed has
    /// none). A session that its own process completes meanwhile is left as that process ended it.</para>
    /// <para>Choose a cut-off older than any session still being recorded, by this or another process sharing the store
    /// (for example the start of this process, run at start-up before any session, when it is the only one writing, or
    /// now minus the longest a session may run): a live session abandoned here can no longer record events (they are
    /// counted as dropped) or be completed (<see cref="SessionStateException"/>).</para>
    /// </remarks>
    /// <param name="store">The store.</param>
    /// <param name="startedBefore">Only sessions that started before this instant are ended; it must not be in the future.</param>
    /// <param name="timeProvider">The clock giving the end time; the system clock when omitted.</param>
    /// <param name="cancellationToken">Cancels the operation; sessions already ended stay ended.</param>
    /// <returns>The ids of the sessions this call ended, oldest first.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="startedBefore"/> is later than the current time.</exception>
    public static async Task<IReadOnlyList<string>> AbandonRunningSessionsAsync(this ITraceStore store, DateTimeOffset startedBefore, TimeProvider? timeProvider = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(store);
        var now = (timeProvider ?? TimeProvider.System).GetUtcNow();
        if (startedBefore > now)
        {
            throw new ArgumentOutOfRangeException(nameof(startedBefore), startedBefore, $"The cut-off {startedBefore:O} is later than now ({now:O}): it would abandon sessions that may still be recording.");
        }

        var abandoned = new List<string>();
        var query = new SessionQuery { Status = SessionStatus.Running, StartedBefore = startedBefore, PageSize = SessionQuery.MaxPageSize };
        while (true)
        {
            var page = await store.QuerySessionsAsync(query, cancellationToken).ConfigureAwait(false);
            foreach (var session in page.Items)
            {
                try
                {
                    await store.CompleteSessionAsync(
                        new SessionCompletion
                        {
                            SessionId = session.Id,
                            Status = SessionStatus.Abandoned,
                            EndedAt = now,
                            Usage = session.Usage,
                            DroppedEventCount = session.DroppedEventCount,
                        },
                        cancellationToken).ConfigureAwait(false);
                    abandoned.Add(session.Id);
                }
                catch (Exception ex) when (ex is SessionStateException or SessionNotFoundException)
                {
                    // Completed by its own process (or purged) since the page was read.
                }
            }

            if (page.NextCursor is null)
            {
                return abandoned;
            }

            query = query with { Cursor = page.NextCursor };
        }
    }
}
