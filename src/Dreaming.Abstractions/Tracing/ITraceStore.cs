namespace Dreaming;

/// <summary>Durable, append-only storage of sessions and their events, with the queries dreaming and the dashboard need.</summary>
/// <remarks>
/// <para>Implementations must be safe to call from several threads at once and must pass the conformance suite in
/// <c>Dreaming.Testing</c> (<c>TraceStoreConformanceTests</c>).</para>
/// <para>Stores keep what they are given: redaction and truncation happen before events reach a store.</para>
/// </remarks>
public interface ITraceStore
{
    /// <summary>Creates or migrates the storage if needed. Idempotent; other members call it on first use.</summary>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>A task that completes when the store is ready.</returns>
    /// <exception cref="TraceStoreException">The storage cannot be opened, is not a store of this library, or has a newer schema.</exception>
    Task InitializeAsync(CancellationToken cancellationToken = default);

    /// <summary>Creates sessions and appends events atomically: all of the batch is stored, or none of it.</summary>
    /// <param name="batch">The sessions to create (first) and the events to append (then), in order.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>A task that completes when the batch is durable.</returns>
    /// <exception cref="SessionStateException">A session already exists, an event names an unknown or ended session, or repeats a sequence number.</exception>
    Task WriteAsync(TraceWriteBatch batch, CancellationToken cancellationToken = default);

    /// <summary>Ends a running session.</summary>
    /// <param name="completion">The final state.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>A task that completes when the final state is durable.</returns>
    /// <exception cref="SessionNotFoundException">No session has that id.</exception>
    /// <exception cref="SessionStateException">The session has already ended, or the status is <see cref="SessionStatus.Running"/>.</exception>
    Task CompleteSessionAsync(SessionCompletion completion, CancellationToken cancellationToken = default);

    /// <summary>Sets or replaces the outcome of a session, for example when it is graded after it ended.</summary>
    /// <param name="sessionId">The session id.</param>
    /// <param name="outcome">The outcome.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>A task that completes when the outcome is durable.</returns>
    /// <exception cref="SessionNotFoundException">No session has that id.</exception>
    Task SetOutcomeAsync(string sessionId, SessionOutcome outcome, CancellationToken cancellationToken = default);

    /// <summary>Adds finished sessions with their events in one atomic operation; sessions whose id already exists are skipped.</summary>
    /// <param name="sessions">The sessions; none may be <see cref="SessionStatus.Running"/>.</param>
    /// <param name="cancellationToken">Cancels the operation. An import the token stops keeps none of its sessions, being
    /// atomic; a store whose write takes long (the SQLite one) honours the token while it writes, not only before.</param>
    /// <returns>The number of sessions added (excluding skipped ones).</returns>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> stopped the import; nothing of it was written.</exception>
    Task<int> ImportAsync(IReadOnlyList<SessionWithEvents> sessions, CancellationToken cancellationToken = default);

    /// <summary>Gets a session by id.</summary>
    /// <param name="sessionId">The session id.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>The session, or <see langword="null"/> when there is none with that id.</returns>
    Task<SessionRecord?> GetSessionAsync(string sessionId, CancellationToken cancellationToken = default);

    /// <summary>Gets a session's events in sequence order.</summary>
    /// <param name="sessionId">The session id.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>The events; empty when the session has none or does not exist.</returns>
    Task<IReadOnlyList<SessionEvent>> GetEventsAsync(string sessionId, CancellationToken cancellationToken = default);

    /// <summary>Gets some of a session's events: those after a sequence number, of some types, at most a number of them,
    /// in sequence order (ascending).</summary>
    /// <param name="sessionId">The session id.</param>
    /// <param name="query">The filters; <c>new SessionEventQuery()</c> reads every event, as <see cref="GetEventsAsync"/>.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>The events; empty when none matches or the session does not exist. A running session's events are read as
    /// they are stored so far.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="sessionId"/> or <paramref name="query"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentOutOfRangeException">The query's <see cref="SessionEventQuery.Limit"/> is less than 1.</exception>
    /// <exception cref="ArgumentException">The query's <see cref="SessionEventQuery.Types"/> holds a <see langword="null"/>
    /// or a type with an unpaired surrogate.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was canceled.</exception>
    /// <remarks>The default implementation, for stores written before it existed, reads every event with
    /// <see cref="GetEventsAsync"/> and filters them in memory: the same events, at the cost of reading and parsing the whole
    /// session each call. The in-memory, SQLite and PostgreSQL stores implement it natively and read only the events
    /// asked for (a window of a 200,000-event session costs the window, not the session). A store of your own should
    /// implement it when its sessions can be long or its readers need a few kinds of events: the conformance suite checks
    /// it gives what the default gives.</remarks>
    Task<IReadOnlyList<SessionEvent>> QueryEventsAsync(string sessionId, SessionEventQuery query, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(sessionId);
        ArgumentNullException.ThrowIfNull(query);
        query.Validate();
        return FilterAsync(GetEventsAsync(sessionId, cancellationToken), query);

        static async Task<IReadOnlyList<SessionEvent>> FilterAsync(Task<IReadOnlyList<SessionEvent>> all, SessionEventQuery query) =>
            SessionEventFilter.Filter(await all.ConfigureAwait(false), query);
    }

    /// <summary>Queries sessions one page at a time.</summary>
    /// <param name="query">The filters, order, page size and cursor.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>One page and the cursor of the next.</returns>
    /// <exception cref="ArgumentException">The cursor is not one this store issued, or the page size is out of range.</exception>
    Task<SessionPage> QuerySessionsAsync(SessionQuery query, CancellationToken cancellationToken = default);

    /// <summary>Gets the store's change horizon: every session change numbered at or below it
    /// (<see cref="SessionRecord.ChangeNumber"/>) is visible to queries now, and every change not yet visible will be
    /// numbered above it.</summary>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>The horizon, or <see langword="null"/> when the store does not number its changes.</returns>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was canceled.</exception>
    /// <remarks>A reader that takes the horizon, then reads, and next time reads only the sessions changed after it
    /// (<see cref="SessionQuery.ChangedAfter"/>), misses no change, and may see a change above the horizon twice. The default
    /// implementation, for stores written before it existed, gives <see langword="null"/>: the dream scheduler then reads
    /// every session its count needs at each poll, as it did before. The in-memory, SQLite and PostgreSQL stores number
    /// their changes; a store of your own may implement this with <see cref="SessionRecord.ChangeNumber"/> and
    /// <see cref="SessionQuery.ChangedAfter"/> (the conformance suite checks the three together, once the horizon is not
    /// <see langword="null"/>).</remarks>
    Task<long?> GetSessionChangeHorizonAsync(CancellationToken cancellationToken = default) =>
        cancellationToken.IsCancellationRequested ? Task.FromCanceled<long?>(cancellationToken) : Task.FromResult<long?>(null);

    /// <summary>Streams every session matching the query with its events, without holding them all in memory.</summary>
    /// <param name="query">The filters and order; <see cref="SessionQuery.PageSize"/> sets how many are read at a time.</param>
    /// <param name="cancellationToken">Cancels the enumeration.</param>
    /// <returns>The sessions with their events.</returns>
    IAsyncEnumerable<SessionWithEvents> StreamSessionsAsync(SessionQuery query, CancellationToken cancellationToken = default);

    /// <summary>Deletes ended sessions (and their events) that started before a cut-off. Running sessions are kept.</summary>
    /// <param name="startedBefore">The cut-off.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>The number of sessions deleted.</returns>
    Task<int> PurgeAsync(DateTimeOffset startedBefore, CancellationToken cancellationToken = default);
}
