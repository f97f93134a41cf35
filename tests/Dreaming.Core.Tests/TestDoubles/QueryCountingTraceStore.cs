namespace Dreaming.Tests;

/// <summary>An in-memory store that counts the session queries it is asked (<see cref="Pages"/>) and the sessions they
/// return (<see cref="Read"/>), for tests of what a reader costs the store.</summary>
internal sealed class QueryCountingTraceStore : ITraceStore
{
    private readonly InMemoryTraceStore _inner = new();

    /// <summary>Gets or sets the number of <see cref="QuerySessionsAsync"/> calls.</summary>
    public int Pages { get; set; }

    /// <summary>Gets or sets the number of sessions those calls returned.</summary>
    public int Read { get; set; }

    /// <summary>Gets a value indicating whether the store gives the in-memory store's change horizon; by default it gives
    /// none (the interface's default), as a store that does not number its changes.</summary>
    public bool NumbersChanges { get; init; }

    /// <summary>Gets or sets the sessions those calls returned, by id, in the order returned.</summary>
    public List<string> ReadIds { get; set; } = [];

    public Task<long?> GetSessionChangeHorizonAsync(CancellationToken cancellationToken = default) =>
        NumbersChanges ? _inner.GetSessionChangeHorizonAsync(cancellationToken) : Task.FromResult<long?>(null);

    public async Task<SessionPage> QuerySessionsAsync(SessionQuery query, CancellationToken cancellationToken = default)
    {
        Pages++;
        var page = await _inner.QuerySessionsAsync(query, cancellationToken);
        Read += page.Items.Count;
        ReadIds.AddRange(page.Items.Select(static session => session.Id));
        return page;
    }

    public Task InitializeAsync(CancellationToken cancellationToken = default) => _inner.InitializeAsync(cancellationToken);

    public Task WriteAsync(TraceWriteBatch batch, CancellationToken cancellationToken = default) => _inner.WriteAsync(batch, cancellationToken);

    public Task CompleteSessionAsync(SessionCompletion completion, CancellationToken cancellationToken = default) => _inner.CompleteSessionAsync(completion, cancellationToken);

    public Task SetOutcomeAsync(string sessionId, SessionOutcome outcome, CancellationToken cancellationToken = default) => _inner.SetOutcomeAsync(sessionId, outcome, cancellationToken);

    public Task<int> ImportAsync(IReadOnlyList<SessionWithEvents> sessions, CancellationToken cancellationToken = default) => _inner.ImportAsync(sessions, cancellationToken);

    public Task<SessionRecord?> GetSessionAsync(string sessionId, CancellationToken cancellationToken = default) => _inner.GetSessionAsync(sessionId, cancellationToken);

    public Task<IReadOnlyList<SessionEvent>> GetEventsAsync(string sessionId, CancellationToken cancellationToken = default) => _inner.GetEventsAsync(sessionId, cancellationToken);

    public IAsyncEnumerable<SessionWithEvents> StreamSessionsAsync(SessionQuery query, CancellationToken cancellationToken = default) => _inner.StreamSessionsAsync(query, cancellationToken);

    public Task<int> PurgeAsync(DateTimeOffset startedBefore, CancellationToken cancellationToken = default) => _inner.PurgeAsync(startedBefore, cancellationToken);
}
