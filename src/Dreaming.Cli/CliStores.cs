using Dreaming.PostgreSql;
using Dreaming.Sqlite;
using Microsoft.Extensions.DependencyInjection;

namespace Dreaming.Cli;

/// <summary>The stores a command uses, from the registrations of <see cref="CliServices.Build"/> on its database, and the
/// reads both durable stores offer beyond their interfaces (one snapshot of a session, the unrouted webhook events), chosen
/// here by store so that commands do not branch on the database.</summary>
internal sealed class CliStores(ServiceProvider services) : IAsyncDisposable
{
    /// <summary>Gets the trace store.</summary>
    public ITraceStore Traces => services.GetRequiredService<ITraceStore>();

    /// <summary>Gets the memory store.</summary>
    public IMemoryStore Memory => services.GetRequiredService<IMemoryStore>();

    /// <summary>Gets the dream run store.</summary>
    public IDreamRunStore DreamRuns => services.GetRequiredService<IDreamRunStore>();

    /// <summary>Gets the webhook outbox.</summary>
    public IWebhookOutboxStore Outbox => services.GetRequiredService<IWebhookOutboxStore>();

    /// <summary>Gets the agent id an agent's sessions are stored under, given as a person typed it: as given, unless it is
    /// longer than <see cref="SessionRecord.MaxIdLength"/> and no session has it, when it is an imported log's agent id as the
    /// log gave it, which the import stores capped (<see cref="IdentifierCap.StoredId"/>), as
    /// <see cref="IdentifierCap.FindAsync{T}(string, Func{string, Task{T}}, Func{T, bool})"/> finds it.</summary>
    /// <remarks>One query, for an id past the cap only: the capped form is the answer whether or not a session has it, so it
    /// is not looked up (the caller's own query reads its sessions).</remarks>
    public static async Task<string> StoredAgentIdAsync(ITraceStore store, string agentId, CancellationToken cancellationToken) =>
        agentId.Length <= SessionRecord.MaxIdLength
            || (await store.QuerySessionsAsync(new SessionQuery { AgentId = agentId, PageSize = 1 }, cancellationToken).ConfigureAwait(false)).Items.Count > 0
            ? agentId
            : IdentifierCap.StoredId(agentId);

    /// <summary>Reads a session and its events from one snapshot, so its event count and status match the events.</summary>
    public static Task<SessionWithEvents?> GetSessionWithEventsAsync(ITraceStore store, string sessionId, CancellationToken cancellationToken) => store switch
    {
        SqliteTraceStore sqlite => sqlite.GetSessionWithEventsAsync(sessionId, cancellationToken),
        PostgresTraceStore postgres => postgres.GetSessionWithEventsAsync(sessionId, cancellationToken),
        NotYetMadeTraceStore notYet => ReadThroughAsync(notYet, sessionId, cancellationToken),
        _ => ReadApartAsync(store, sessionId, cancellationToken),
    };

    /// <summary>The webhook events written with no endpoint that wait for an app's dispatcher, oldest first.</summary>
    public Task<IReadOnlyList<(string EventId, string EventType, DateTimeOffset CreatedAt)>> ListUnroutedAsync(int limit, CancellationToken cancellationToken) => Durable switch
    {
        SqliteWebhookOutboxStore sqlite => sqlite.ListUnroutedAsync(limit, cancellationToken),
        PostgresWebhookOutboxStore postgres => postgres.ListUnroutedAsync(limit, cancellationToken),

        // A PostgreSQL schema without the outbox's tables (CliServices.ReadMissingAsEmpty): no event waits.
        InMemoryWebhookOutboxStore => Task.FromResult<IReadOnlyList<(string EventId, string EventType, DateTimeOffset CreatedAt)>>([]),
        var other => throw new InvalidOperationException($"The outbox {other.GetType().Name} keeps no unrouted events."),
    };

    /// <summary>Writes an event to the database's outbox as an unrouted event, for the app's dispatcher.</summary>
    /// <exception cref="ArgumentException">The event id is already in the outbox.</exception>
    public Task EnqueueUnroutedAsync(WebhookEvent webhookEvent, CancellationToken cancellationToken) => Outbox switch
    {
        SqliteWebhookOutboxStore sqlite => sqlite.EnqueueUnroutedAsync(webhookEvent, cancellationToken),
        PostgresWebhookOutboxStore postgres => postgres.EnqueueUnroutedAsync(webhookEvent, cancellationToken),

        // A PostgreSQL schema without the outbox's tables: the write makes them, as the app's first event would.
        NotYetMadeOutbox notYet => notYet.EnqueueUnroutedAsync(webhookEvent, cancellationToken),
        var other => throw new InvalidOperationException($"The outbox {other.GetType().Name} keeps no unrouted events."),
    };

    /// <summary>Drops the unrouted webhook events written before <paramref name="writtenBefore"/>.</summary>
    public Task<IReadOnlyList<string>> DropUnroutedAsync(DateTimeOffset writtenBefore, CancellationToken cancellationToken) => Durable switch
    {
        SqliteWebhookOutboxStore sqlite => sqlite.DropUnroutedAsync(writtenBefore, cancellationToken),
        PostgresWebhookOutboxStore postgres => postgres.DropUnroutedAsync(writtenBefore, cancellationToken),
        InMemoryWebhookOutboxStore => Task.FromResult<IReadOnlyList<string>>([]),
        var other => throw new InvalidOperationException($"The outbox {other.GetType().Name} keeps no unrouted events."),
    };

    // The outbox the unrouted events are read from: a schema's outbox not made yet (NotYetMadeOutbox) reads as the empty one.
    private IWebhookOutboxStore Durable => Outbox is NotYetMadeOutbox notYet ? notYet.Current : Outbox;

    /// <inheritdoc />
    public ValueTask DisposeAsync() => services.DisposeAsync();

    // A schema's trace store not made yet (NotYetMadeTraceStore): the database's snapshot read once its tables are there.
    private static async Task<SessionWithEvents?> ReadThroughAsync(NotYetMadeTraceStore store, string sessionId, CancellationToken cancellationToken) =>
        await GetSessionWithEventsAsync(await store.CurrentAsync(cancellationToken).ConfigureAwait(false), sessionId, cancellationToken).ConfigureAwait(false);

    private static async Task<SessionWithEvents?> ReadApartAsync(ITraceStore store, string sessionId, CancellationToken cancellationToken) =>
        await store.GetSessionAsync(sessionId, cancellationToken).ConfigureAwait(false) is { } session
            ? new SessionWithEvents(session, await store.GetEventsAsync(sessionId, cancellationToken).ConfigureAwait(false))
            : null;
}
