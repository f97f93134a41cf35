namespace Dreaming.AgentView.Tests;

/// <summary>The in-memory store, noting each read of a session's events: which member, the query, and how many events it
/// returned.</summary>
internal sealed class EventReadingStore : ITraceStore
{
    private readonly List<(string SessionId, SessionEventQuery? Query, int Count)> _reads = [];

    public InMemoryTraceStore Inner { get; } = new();

    /// <summary>Gets the reads so far: the query is <see langword="null"/> for <see cref="GetEventsAsync"/>.</summary>
    public IReadOnlyList<(string SessionId, SessionEventQuery? Query, int Count)> Reads
    {
        get
        {
            lock (_reads)
            {
                return [.. _reads];
            }
        }
    }

    public Task InitializeAsync(CancellationToken cancellationToken = default) => Inner.InitializeAsync(cancellationToken);

    public Task WriteAsync(TraceWriteBatch batch, CancellationToken cancellationToken = default) => Inner.WriteAsync(batch, cancellationToken);

    public Task CompleteSessionAsync(SessionCompletion completion, CancellationToken cancellationToken = default) => Inner.CompleteSessionAsync(completion, cancellationToken);

    public Task SetOutcomeAsync(string sessionId, SessionOutcome outcome, CancellationToken cancellationToken = default) => Inner.SetOutcomeAsync(sessionId, outcome, cancellationToken);

    public Task<int> ImportAsync(IReadOnlyList<SessionWithEvents> sessions, CancellationToken cancellationToken = default) => Inner.ImportAsync(sessions, cancellationToken);

    public Task<SessionRecord?> GetSessionAsync(string sessionId, CancellationToken cancellationToken = default) => Inner.GetSessionAsync(sessionId, cancellationToken);

    public async Task<IReadOnlyList<SessionEvent>> GetEventsAsync(string sessionId, CancellationToken cancellationToken = default) =>
        Note(sessionId, null, await Inner.GetEventsAsync(sessionId, cancellationToken));

    public async Task<IReadOnlyList<SessionEvent>> QueryEventsAsync(string sessionId, SessionEventQuery query, CancellationToken cancellationToken = default) =>
        Note(sessionId, query, await Inner.QueryEventsAsync(sessionId, query, cancellationToken));

    public Task<SessionPage> QuerySessionsAsync(SessionQuery query, CancellationToken cancellationToken = default) => Inner.QuerySessionsAsync(query, cancellationToken);

    public IAsyncEnumerable<SessionWithEvents> StreamSessionsAsync(SessionQuery query, CancellationToken cancellationToken = default) => Inner.StreamSessionsAsync(query, cancellationToken);

    public Task<int> PurgeAsync(DateTimeOffset startedBefore, CancellationToken cancellationToken = default) => Inner.PurgeAsync(startedBefore, cancellationToken);

    private IReadOnlyList<SessionEvent> Note(string sessionId, SessionEventQuery? query, IReadOnlyList<SessionEvent> events)
    {
        lock (_reads)
        {
            _reads.Add((sessionId, query, events.Count));
        }

        return events;
    }
}
