namespace Dreaming;

/// <summary>A trace store that passes every member of <see cref="ITraceStore"/> to an inner store: derive from it and
/// override only the members a decorator changes (counting, slowing down, failing, rewriting a query).</summary>
/// <remarks>
/// <para>Every member forwards to <see cref="Inner"/>, the default interface members too
/// (<see cref="QueryEventsAsync"/>, <see cref="GetSessionChangeHorizonAsync"/>), so a decorator over the SQLite or
/// PostgreSQL store keeps that store's own event query and change numbers. A derived class that wants the interface's
/// default instead (to act as a store written before the member existed) overrides the member with
/// <see cref="QueryEventsByInterfaceDefaultAsync"/> or <see cref="GetSessionChangeHorizonByInterfaceDefaultAsync"/>.</para>
/// <para>Abstract, because an instance that overrides nothing is only the inner store again. It implements no other
/// interface of the inner store: not <see cref="IDisposable"/> or <see cref="IAsyncDisposable"/> (the inner store
/// belongs to whoever made it; a derived class that owns it disposes it itself), nor the stores' webhook markers such as
/// <see cref="ISessionWebhookWriter"/>, which a decorator hides, as the library expects of any decorator.</para>
/// <para>Adds no allocation per call: each member is one virtual call and the inner store's. Its one field, an adapter for the
/// <c>...ByInterfaceDefaultAsync</c> helpers, is made the first time one of them is called.</para>
/// </remarks>
public abstract class ForwardingTraceStore : ITraceStore
{
    private ITraceStore? _interfaceDefaults;

    /// <summary>Initializes a new instance of the <see cref="ForwardingTraceStore"/> class.</summary>
    /// <param name="inner">The store every member is passed to.</param>
    /// <exception cref="ArgumentNullException"><paramref name="inner"/> is <see langword="null"/>.</exception>
    protected ForwardingTraceStore(ITraceStore inner)
    {
        ArgumentNullException.ThrowIfNull(inner);
        Inner = inner;
    }

    /// <summary>Gets the store every member is passed to.</summary>
    protected ITraceStore Inner { get; }

    /// <inheritdoc/>
    public virtual Task InitializeAsync(CancellationToken cancellationToken = default) => Inner.InitializeAsync(cancellationToken);

    /// <inheritdoc/>
    public virtual Task WriteAsync(TraceWriteBatch batch, CancellationToken cancellationToken = default) => Inner.WriteAsync(batch, cancellationToken);

    /// <inheritdoc/>
    public virtual Task CompleteSessionAsync(SessionCompletion completion, CancellationToken cancellationToken = default) =>
        Inner.CompleteSessionAsync(completion, cancellationToken);

    /// <inheritdoc/>
    public virtual Task SetOutcomeAsync(string sessionId, SessionOutcome outcome, CancellationToken cancellationToken = default) =>
        Inner.SetOutcomeAsync(sessionId, outcome, cancellationToken);

    /// <inheritdoc/>
    public virtual Task<int> ImportAsync(IReadOnlyList<SessionWithEvents> sessions, CancellationToken cancellationToken = default) =>
        Inner.ImportAsync(sessions, cancellationToken);

    /// <inheritdoc/>
    public virtual Task<SessionRecord?> GetSessionAsync(string sessionId, CancellationToken cancellationToken = default) =>
        Inner.GetSessionAsync(sessionId, cancellationToken);

    /// <inheritdoc/>
    public virtual Task<IReadOnlyList<SessionEvent>> GetEventsAsync(string sessionId, CancellationToken cancellationToken = default) =>
        Inner.GetEventsAsync(sessionId, cancellationToken);

    /// <inheritdoc/>
    /// <remarks>Forwards to the inner store's own implementation (or, for a store that has none, the interface's default
    /// over the inner store's <see cref="ITraceStore.GetEventsAsync"/>). An override of <see cref="GetEventsAsync"/> alone
    /// therefore does not see these reads; to have them go through it, override this member with
    /// <see cref="QueryEventsByInterfaceDefaultAsync"/>.</remarks>
    public virtual Task<IReadOnlyList<SessionEvent>> QueryEventsAsync(string sessionId, SessionEventQuery query, CancellationToken cancellationToken = default) =>
        Inner.QueryEventsAsync(sessionId, query, cancellationToken);

    /// <inheritdoc/>
    public virtual Task<SessionPage> QuerySessionsAsync(SessionQuery query, CancellationToken cancellationToken = default) =>
        Inner.QuerySessionsAsync(query, cancellationToken);

    /// <inheritdoc/>
    /// <remarks>Forwards to the inner store: the horizon of a store that numbers its changes, <see langword="null"/> of
    /// one that does not. To act as a store that does not, override this member with
    /// <see cref="GetSessionChangeHorizonByInterfaceDefaultAsync"/>.</remarks>
    public virtual Task<long?> GetSessionChangeHorizonAsync(CancellationToken cancellationToken = default) =>
        Inner.GetSessionChangeHorizonAsync(cancellationToken);

    /// <inheritdoc/>
    public virtual IAsyncEnumerable<SessionWithEvents> StreamSessionsAsync(SessionQuery query, CancellationToken cancellationToken = default) =>
        Inner.StreamSessionsAsync(query, cancellationToken);

    /// <inheritdoc/>
    public virtual Task<int> PurgeAsync(DateTimeOffset startedBefore, CancellationToken cancellationToken = default) =>
        Inner.PurgeAsync(startedBefore, cancellationToken);

    /// <summary>Runs <see cref="ITraceStore"/>'s default implementation of <see cref="ITraceStore.QueryEventsAsync"/> over
    /// this store: it validates the query, reads the whole session with this store's <see cref="GetEventsAsync"/> (an
    /// override of it included) and filters the events in memory.</summary>
    /// <param name="sessionId">The session id.</param>
    /// <param name="query">The filters.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>The events, as the interface's default gives them.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="sessionId"/> or <paramref name="query"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentOutOfRangeException">The query's <see cref="SessionEventQuery.Limit"/> is less than 1.</exception>
    /// <exception cref="ArgumentException">The query's <see cref="SessionEventQuery.Types"/> holds a <see langword="null"/>
    /// or a type with an unpaired surrogate.</exception>
    protected Task<IReadOnlyList<SessionEvent>> QueryEventsByInterfaceDefaultAsync(string sessionId, SessionEventQuery query, CancellationToken cancellationToken = default) =>
        InterfaceDefaults.QueryEventsAsync(sessionId, query, cancellationToken);

    /// <summary>Runs <see cref="ITraceStore"/>'s default implementation of
    /// <see cref="ITraceStore.GetSessionChangeHorizonAsync"/>: no horizon (<see langword="null"/>), as a store that does
    /// not number its changes, or a canceled task for a canceled token.</summary>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>What the interface's default gives.</returns>
    protected Task<long?> GetSessionChangeHorizonByInterfaceDefaultAsync(CancellationToken cancellationToken = default) =>
        InterfaceDefaults.GetSessionChangeHorizonAsync(cancellationToken);

    // Made on first use only; two threads may each make one, and either does.
    private ITraceStore InterfaceDefaults => _interfaceDefaults ??= new DefaultsOf(this);

    /// <summary>This store as a store that implements none of the default interface members, so that calling one of them
    /// runs the interface's own default (C# has no syntax to call it from a class that implements the member).</summary>
    private sealed class DefaultsOf(ForwardingTraceStore store) : ITraceStore
    {
        public Task InitializeAsync(CancellationToken cancellationToken = default) => store.InitializeAsync(cancellationToken);

        public Task WriteAsync(TraceWriteBatch batch, CancellationToken cancellationToken = default) => store.WriteAsync(batch, cancellationToken);

        public Task CompleteSessionAsync(SessionCompletion completion, CancellationToken cancellationToken = default) => store.CompleteSessionAsync(completion, cancellationToken);

        public Task SetOutcomeAsync(string sessionId, SessionOutcome outcome, CancellationToken cancellationToken = default) => store.SetOutcomeAsync(sessionId, outcome, cancellationToken);

        public Task<int> ImportAsync(IReadOnlyList<SessionWithEvents> sessions, CancellationToken cancellationToken = default) => store.ImportAsync(sessions, cancellationToken);

        public Task<SessionRecord?> GetSessionAsync(string sessionId, CancellationToken cancellationToken = default) => store.GetSessionAsync(sessionId, cancellationToken);

        public Task<IReadOnlyList<SessionEvent>> GetEventsAsync(string sessionId, CancellationToken cancellationToken = default) => store.GetEventsAsync(sessionId, cancellationToken);

        public Task<SessionPage> QuerySessionsAsync(SessionQuery query, CancellationToken cancellationToken = default) => store.QuerySessionsAsync(query, cancellationToken);

        public IAsyncEnumerable<SessionWithEvents> StreamSessionsAsync(SessionQuery query, CancellationToken cancellationToken = default) => store.StreamSessionsAsync(query, cancellationToken);

        public Task<int> PurgeAsync(DateTimeOffset startedBefore, CancellationToken cancellationToken = default) => store.PurgeAsync(startedBefore, cancellationToken);
    }
}
