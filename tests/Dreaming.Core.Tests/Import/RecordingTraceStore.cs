namespace Dreaming.Core.Tests.Import;

/// <summary>A trace store that records import calls and, like a real store, skips sessions whose id it already holds.</summary>
internal sealed class RecordingTraceStore : ITraceStore
{
    private readonly Dictionary<string, SessionWithEvents> _sessions = new(StringComparer.Ordinal);

    public List<IReadOnlyList<SessionWithEvents>> ImportCalls { get; } = [];

    public IReadOnlyCollection<SessionWithEvents> Sessions => _sessions.Values;

    public Task<int> ImportAsync(IReadOnlyList<SessionWithEvents> sessions, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        ImportCalls.Add(sessions);
        return Task.FromResult(sessions.Count(session => _sessions.TryAdd(session.Session.Id, session)));
    }

    public Task InitializeAsync(CancellationToken cancellationToken = default) => Task.CompletedTask;

    public Task WriteAsync(TraceWriteBatch batch, CancellationToken cancellationToken = default) => throw new NotSupportedException();

    public Task CompleteSessionAsync(SessionCompletion completion, CancellationToken cancellationToken = default) => throw new NotSupportedException();

    public Task SetOutcomeAsync(string sessionId, SessionOutcome outcome, CancellationToken cancellationToken = default) => throw new NotSupportedException();

    /// <summary>Gets the ids <see cref="GetSessionAsync"/> was asked for, in order.</summary>
    public List<string> GetSessionCalls { get; } = [];

    public Task<SessionRecord?> GetSessionAsync(string sessionId, CancellationToken cancellationToken = default)
    {
        GetSessionCalls.Add(sessionId);
        return Task.FromResult(_sessions.TryGetValue(sessionId, out var session) ? session.Session : null);
    }

    public Task<IReadOnlyList<SessionEvent>> GetEventsAsync(string sessionId, CancellationToken cancellationToken = default) =>
        Task.FromResult(_sessions.TryGetValue(sessionId, out var session) ? session.Events : (IReadOnlyList<SessionEvent>)[]);

    public Task<SessionPage> QuerySessionsAsync(SessionQuery query, CancellationToken cancellationToken = default) => throw new NotSupportedException();

    public IAsyncEnumerable<SessionWithEvents> StreamSessionsAsync(SessionQuery query, CancellationToken cancellationToken = default) => throw new NotSupportedException();

    public Task<int> PurgeAsync(DateTimeOffset startedBefore, CancellationToken cancellationToken = default) => throw new NotSupportedException();
}
