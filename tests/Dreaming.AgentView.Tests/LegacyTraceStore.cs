namespace Dreaming.AgentView.Tests;

/// <summary>A store of an app's own written before <see cref="ITraceStore.QueryEventsAsync"/> existed: it implements every
/// member but the default ones, so each event query is the interface's default, which reads the whole session with
/// <see cref="GetEventsAsync"/>; counts those reads. Over the in-memory store.</summary>
internal sealed class LegacyTraceStore : ITraceStore
{
    private int _wholeReads;

    /// <summary>Gets the in-memory store every member goes to.</summary>
    public InMemoryTraceStore Inner { get; } = new();

    /// <summary>Gets how many times a session's events were read whole.</summary>
    public int WholeReads => Volatile.Read(ref _wholeReads);

    public Task InitializeAsync(CancellationToken cancellationToken = default) => Inner.InitializeAsync(cancellationToken);

    public Task WriteAsync(TraceWriteBatch batch, CancellationToken cancellationToken = default) => Inner.WriteAsync(batch, cancellationToken);

    public Task CompleteSessionAsync(SessionCompletion completion, CancellationToken cancellationToken = default) => Inner.CompleteSessionAsync(completion, cancellationToken);

    public Task SetOutcomeAsync(string sessionId, SessionOutcome outcome, CancellationToken cancellationToken = default) => Inner.SetOutcomeAsync(sessionId, outcome, cancellationToken);

    public Task<int> ImportAsync(IReadOnlyList<SessionWithEvents> sessions, CancellationToken cancellationToken = default) => Inner.ImportAsync(sessions, cancellationToken);

    public Task<SessionRecord?> GetSessionAsync(string sessionId, CancellationToken cancellationToken = default) => Inner.GetSessionAsync(sessionId, cancellationToken);

    public Task<IReadOnlyList<SessionEvent>> GetEventsAsync(string sessionId, CancellationToken cancellationToken = default)
    {
        Interlocked.Increment(ref _wholeReads);
        return Inner.GetEventsAsync(sessionId, cancellationToken);
    }

    public Task<SessionPage> QuerySessionsAsync(SessionQuery query, CancellationToken cancellationToken = default) => Inner.QuerySessionsAsync(query, cancellationToken);

    public IAsyncEnumerable<SessionWithEvents> StreamSessionsAsync(SessionQuery query, CancellationToken cancellationToken = default) => Inner.StreamSessionsAsync(query, cancellationToken);

    public Task<int> PurgeAsync(DateTimeOffset startedBefore, CancellationToken cancellationToken = default) => Inner.PurgeAsync(startedBefore, cancellationToken);
}
