namespace Dreaming.AgentView.Tests;

/// <summary>The in-memory store, noting each read of a session's events: which member, the query, and how many events it
/// returned.</summary>
internal sealed class EventReadingStore() : ForwardingTraceStore(new InMemoryTraceStore())
{
    private readonly List<(string SessionId, SessionEventQuery? Query, int Count)> _reads = [];

    /// <summary>Gets the in-memory store every member goes to.</summary>
    public new InMemoryTraceStore Inner => (InMemoryTraceStore)base.Inner;

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

    public override async Task<IReadOnlyList<SessionEvent>> GetEventsAsync(string sessionId, CancellationToken cancellationToken = default) =>
        Note(sessionId, null, await Inner.GetEventsAsync(sessionId, cancellationToken));

    public override async Task<IReadOnlyList<SessionEvent>> QueryEventsAsync(string sessionId, SessionEventQuery query, CancellationToken cancellationToken = default) =>
        Note(sessionId, query, await Inner.QueryEventsAsync(sessionId, query, cancellationToken));

    private IReadOnlyList<SessionEvent> Note(string sessionId, SessionEventQuery? query, IReadOnlyList<SessionEvent> events)
    {
        lock (_reads)
        {
            _reads.Add((sessionId, query, events.Count));
        }

        return events;
    }
}
