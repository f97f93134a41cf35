namespace Dreaming.Tests;

/// <summary>An in-memory store whose writes can be slowed down or made to fail.</summary>
internal sealed class HookedTraceStore : ITraceStore
{
    private readonly InMemoryTraceStore _inner = new();

    public Func<TraceWriteBatch, CancellationToken, Task>? BeforeWrite { get; set; }

    public Func<SessionCompletion, CancellationToken, Task>? BeforeComplete { get; set; }

    public int WriteCalls;

    public async Task WriteAsync(TraceWriteBatch batch, CancellationToken cancellationToken = default)
    {
        Interlocked.Increment(ref WriteCalls);
        if (BeforeWrite is not null)
        {
            await BeforeWrite(batch, cancellationToken);
        }

        await _inner.WriteAsync(batch, cancellationToken);
    }

    public Task InitializeAsync(CancellationToken cancellationToken = default) => _inner.InitializeAsync(cancellationToken);

    public async Task CompleteSessionAsync(SessionCompletion completion, CancellationToken cancellationToken = default)
    {
        if (BeforeComplete is not null)
        {
            await BeforeComplete(completion, cancellationToken);
        }

        await _inner.CompleteSessionAsync(completion, cancellationToken);
    }

    public Task SetOutcomeAsync(string sessionId, SessionOutcome outcome, CancellationToken cancellationToken = default) => _inner.SetOutcomeAsync(sessionId, outcome, cancellationToken);

    public Task<int> ImportAsync(IReadOnlyList<SessionWithEvents> sessions, CancellationToken cancellationToken = default) => _inner.ImportAsync(sessions, cancellationToken);

    public Task<SessionRecord?> GetSessionAsync(string sessionId, CancellationToken cancellationToken = default) => _inner.GetSessionAsync(sessionId, cancellationToken);

    public Func<string, CancellationToken, Task>? BeforeGetEvents { get; set; }

    public async Task<IReadOnlyList<SessionEvent>> GetEventsAsync(string sessionId, CancellationToken cancellationToken = default)
    {
        if (BeforeGetEvents is not null)
        {
            await BeforeGetEvents(sessionId, cancellationToken);
        }

        return await _inner.GetEventsAsync(sessionId, cancellationToken);
    }

    public Task<SessionPage> QuerySessionsAsync(SessionQuery query, CancellationToken cancellationToken = default) => _inner.QuerySessionsAsync(query, cancellationToken);

    public IAsyncEnumerable<SessionWithEvents> StreamSessionsAsync(SessionQuery query, CancellationToken cancellationToken = default) => _inner.StreamSessionsAsync(query, cancellationToken);

    public Task<int> PurgeAsync(DateTimeOffset startedBefore, CancellationToken cancellationToken = default) => _inner.PurgeAsync(startedBefore, cancellationToken);
}
