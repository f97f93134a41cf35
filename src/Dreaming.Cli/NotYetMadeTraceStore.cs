using System.Runtime.CompilerServices;

namespace Dreaming.Cli;

/// <summary>The trace store of a PostgreSQL schema without the trace tables yet (<see cref="NotYetMadeStore{TStore}"/>): a
/// schema whose memory or outbox tables were made first (a dream, a webhook endpoint disabled in the view) before the app's
/// first session. No sessions until the app's first session makes the tables; then the reads go there.</summary>
/// <param name="database">The PostgreSQL trace store on the schema.</param>
/// <param name="components">The schema's components.</param>
internal sealed class NotYetMadeTraceStore(ITraceStore database, SchemaComponents components)
    : NotYetMadeStore<ITraceStore>(database, new InMemoryTraceStore(), components, CliServices.TracesComponent), ITraceStore
{
    /// <inheritdoc />
    public async Task InitializeAsync(CancellationToken cancellationToken = default) =>
        await (await StoreAsync(cancellationToken).ConfigureAwait(false)).InitializeAsync(cancellationToken).ConfigureAwait(false);

    /// <inheritdoc />
    public async Task WriteAsync(TraceWriteBatch batch, CancellationToken cancellationToken = default) =>
        await (await StoreAsync(cancellationToken).ConfigureAwait(false)).WriteAsync(batch, cancellationToken).ConfigureAwait(false);

    /// <inheritdoc />
    public async Task CompleteSessionAsync(SessionCompletion completion, CancellationToken cancellationToken = default) =>
        await (await StoreAsync(cancellationToken).ConfigureAwait(false)).CompleteSessionAsync(completion, cancellationToken).ConfigureAwait(false);

    /// <inheritdoc />
    public async Task SetOutcomeAsync(string sessionId, SessionOutcome outcome, CancellationToken cancellationToken = default) =>
        await (await StoreAsync(cancellationToken).ConfigureAwait(false)).SetOutcomeAsync(sessionId, outcome, cancellationToken).ConfigureAwait(false);

    /// <inheritdoc />
    public async Task<int> ImportAsync(IReadOnlyList<SessionWithEvents> sessions, CancellationToken cancellationToken = default) =>
        await (await StoreAsync(cancellationToken).ConfigureAwait(false)).ImportAsync(sessions, cancellationToken).ConfigureAwait(false);

    /// <inheritdoc />
    public async Task<SessionRecord?> GetSessionAsync(string sessionId, CancellationToken cancellationToken = default) =>
        await (await StoreAsync(cancellationToken).ConfigureAwait(false)).GetSessionAsync(sessionId, cancellationToken).ConfigureAwait(false);

    /// <inheritdoc />
    public async Task<IReadOnlyList<SessionEvent>> GetEventsAsync(string sessionId, CancellationToken cancellationToken = default) =>
        await (await StoreAsync(cancellationToken).ConfigureAwait(false)).GetEventsAsync(sessionId, cancellationToken).ConfigureAwait(false);

    /// <inheritdoc />
    public async Task<IReadOnlyList<SessionEvent>> QueryEventsAsync(string sessionId, SessionEventQuery query, CancellationToken cancellationToken = default) =>
        await (await StoreAsync(cancellationToken).ConfigureAwait(false)).QueryEventsAsync(sessionId, query, cancellationToken).ConfigureAwait(false);

    /// <inheritdoc />
    public async Task<SessionPage> QuerySessionsAsync(SessionQuery query, CancellationToken cancellationToken = default) =>
        await (await StoreAsync(cancellationToken).ConfigureAwait(false)).QuerySessionsAsync(query, cancellationToken).ConfigureAwait(false);

    /// <inheritdoc />
    public async Task<long?> GetSessionChangeHorizonAsync(CancellationToken cancellationToken = default) =>
        await (await StoreAsync(cancellationToken).ConfigureAwait(false)).GetSessionChangeHorizonAsync(cancellationToken).ConfigureAwait(false);

    /// <inheritdoc />
    public async IAsyncEnumerable<SessionWithEvents> StreamSessionsAsync(SessionQuery query, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var store = await StoreAsync(cancellationToken).ConfigureAwait(false);
        await foreach (var session in store.StreamSessionsAsync(query, cancellationToken).ConfigureAwait(false))
        {
            yield return session;
        }
    }

    /// <inheritdoc />
    public async Task<int> PurgeAsync(DateTimeOffset startedBefore, CancellationToken cancellationToken = default) =>
        await (await StoreAsync(cancellationToken).ConfigureAwait(false)).PurgeAsync(startedBefore, cancellationToken).ConfigureAwait(false);

    /// <summary>Gets the store a call goes to now, looking for the tables again as a call does.</summary>
    public ValueTask<ITraceStore> CurrentAsync(CancellationToken cancellationToken) => StoreAsync(cancellationToken);
}
