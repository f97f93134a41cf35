using Npgsql;

namespace Dreaming.PostgreSql;

/// <summary>A webhook outbox in a PostgreSQL database that several instances of an application share: durable across
/// restarts and crashes, safe for several threads, processes and machines.</summary>
/// <remarks>
/// <para>The tables (component <c>webhooks</c>) are created or migrated on first use. A claim is one statement that locks
/// the due rows it takes with <c>FOR UPDATE SKIP LOCKED</c> and moves their next attempt to the end of the lease, so two
/// dispatchers (in one process or in several) never claim the same delivery at once, and neither waits for the other.
/// Routing unrouted events and recording attempts lock their rows likewise. When webhooks are configured on the same
/// database and schema, the trace, memory and dream run stores write their events in the very transaction of the change.</para>
/// <para>Times are kept as unix milliseconds and come back in UTC. A connection problem is a
/// <see cref="TraceStoreException"/> naming the database (never its password); the next call opens a new connection.</para>
/// </remarks>
public sealed partial class PostgresWebhookOutboxStore : IWebhookOutboxStore, IAsyncDisposable, IDisposable
{
    private readonly PostgresDatabase _database;
    private readonly PostgresStoreLifetime _lifetime;
    private readonly TimeProvider _time;
    private readonly string _findLocked;

    /// <summary>Initializes a new instance with a connection pool of its own. Nothing connects until first use.</summary>
    /// <param name="options">The settings.</param>
    /// <param name="timeProvider">The clock that stamps new rows; the system clock when <see langword="null"/>.</param>
    /// <exception cref="ArgumentException">A setting is invalid; the message names it.</exception>
    /// <exception cref="ArgumentNullException"><paramref name="options"/> is <see langword="null"/>.</exception>
    public PostgresWebhookOutboxStore(PostgresStoreOptions options, TimeProvider? timeProvider = null)
        : this(new PostgresDatabase(options), ownsDatabase: true, timeProvider)
    {
    }

    /// <summary>Initializes a new instance on a database the other stores share; the database outlives the store.</summary>
    internal PostgresWebhookOutboxStore(PostgresDatabase database, TimeProvider? timeProvider = null)
        : this(database, ownsDatabase: false, timeProvider)
    {
    }

    private PostgresWebhookOutboxStore(PostgresDatabase database, bool ownsDatabase, TimeProvider? timeProvider)
    {
        ArgumentNullException.ThrowIfNull(database);
        _database = database;
        _lifetime = new PostgresStoreLifetime(database, ownsDatabase, this);
        _time = timeProvider ?? TimeProvider.System;
        _findLocked = PostgresWebhookRows.FindLockedSql(database);
    }

    /// <summary>Gets where the tables are, as <c>host:port/database/schema</c>, without credentials.</summary>
    public string Location => _database.Location;

    /// <summary>Gets the database the store is on, to tell whether another store shares it.</summary>
    internal PostgresDatabase Database => _database;

    /// <inheritdoc />
    /// <remarks>Creates the schema and the tables when missing.</remarks>
    public Task InitializeAsync(CancellationToken cancellationToken = default) =>
        RunAsync("initialize", static (_, _) => Task.FromResult(true), cancellationToken, repeatable: true);

    /// <inheritdoc />
    /// <exception cref="ArgumentException">Also when the event type or an endpoint id holds a NUL character (U+0000), which
    /// PostgreSQL text cannot store.</exception>
    public Task<IReadOnlyList<WebhookDelivery>> EnqueueAsync(WebhookEvent webhookEvent, IReadOnlyList<string> endpointIds, CancellationToken cancellationToken = default)
    {
        WebhookOutboxRules.CheckEnqueue(webhookEvent, endpointIds);
        PostgresWebhookRows.ThrowIfUnstorable(webhookEvent, endpointIds);
        if (endpointIds.Count == 0)
        {
            cancellationToken.ThrowIfCancellationRequested();
            return Task.FromResult<IReadOnlyList<WebhookDelivery>>([]);
        }

        var now = _time.GetUtcNow();
        var deliveries = PostgresWebhookRows.NewDeliveries(webhookEvent, endpointIds, now);
        var attempt = 0;
        return RunAsync<IReadOnlyList<WebhookDelivery>>(
            "write to",
            async (connection, ct) =>
            {
                if (attempt++ > 0)
                {
                    // Run again after a broken connection: the first run may have committed, and then its rows (found by
                    // their delivery ids, made once for both runs) are the answer. Rows of the event id that another call
                    // wrote are not: the insert below refuses the repeated id as it would have the first time.
                    var written = await PostgresWebhookRows.SelectAsync(connection, null, "WHERE d.id = ANY (@ids) ORDER BY d.seq", ct, ("ids", deliveries.Select(d => d.Id).ToArray())).ConfigureAwait(false);
                    if (written.Count > 0)
                    {
                        return written;
                    }
                }

                return await PostgresWebhookRows.InsertAsync(connection, null, webhookEvent, endpointIds, now, ct, deliveries).ConfigureAwait(false);
            },
            cancellationToken,
            repeatable: true);
    }

    /// <summary>Adds an event with no delivery, as an <em>unrouted</em> event: the event and a <c>webhook_unrouted</c> row, in
    /// one statement, for the <see cref="WebhookDispatcher"/> of an app with endpoints on this schema to route
    /// (<see cref="RouteUnroutedAsync"/>) to those of its endpoints that subscribe to the type. It is what a process without
    /// webhook endpoints (the <c>dreaming</c> tool) writes so that an app's receivers hear of a change it made.</summary>
    /// <param name="webhookEvent">The event; its body is serialised once here and never changes.</param>
    /// <param name="cancellationToken">Cancels the operation; nothing is written when it is canceled before the statement commits.</param>
    /// <returns>A task that completes when the event is stored.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="webhookEvent"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException">The event id is not a valid <c>webhook-id</c> (<see cref="WebhookOutboxRules.CheckEnqueue"/>),
    /// it is already in the outbox, or the event type holds a NUL character, which PostgreSQL text cannot store.</exception>
    /// <remarks>Thread-safe; safe with other processes on the schema. Run once more on a new connection after a broken
    /// one (a server restart or failover), as <see cref="EnqueueAsync"/> is: the first run may have committed, so the second
    /// first looks for the event as that run wrote it (the same id, type, body and time, all fixed before the first run)
    /// and takes it for written; an event of that id that differs (another call's) is refused as a repeated id, as the
    /// first run would have refused it. Any other connection failure is a <see cref="TraceStoreException"/>.</remarks>
    public Task EnqueueUnroutedAsync(WebhookEvent webhookEvent, CancellationToken cancellationToken = default)
    {
        WebhookOutboxRules.CheckEnqueue(webhookEvent, []);
        PostgresWebhookRows.ThrowIfUnstorable(webhookEvent, []);
        var now = _time.GetUtcNow();
        var attempt = 0;
        return RunAsync(
            "write to",
            async (connection, ct) =>
            {
                if (attempt++ > 0)
                {
                    // Run again after a broken connection: the first run's event, if it committed, is the answer (a
                    // dispatcher may have routed it since, so its unrouted row is not looked for; the event stays).
                    await using var find = PostgresWebhookRows.Command(
                        connection,
                        null,
                        "SELECT EXISTS (SELECT 1 FROM webhook_events WHERE id = @id AND type = @type AND created_ms = @ms AND body = @body)",
                        ("id", webhookEvent.Id),
                        ("type", webhookEvent.Type),
                        ("ms", now.ToUnixTimeMilliseconds()),
                        ("body", webhookEvent.ToBody()));
                    if (await find.ExecuteScalarAsync(ct).ConfigureAwait(false) is true)
                    {
                        return true;
                    }
                }

                await PostgresWebhookRows.InsertAsync(connection, null, webhookEvent, [], now, ct).ConfigureAwait(false);
                return true;
            },
            cancellationToken,
            repeatable: true);
    }

    /// <inheritdoc />
    public Task<IReadOnlyList<WebhookDelivery>> ClaimDueAsync(DateTimeOffset now, TimeSpan lease, int limit, CancellationToken cancellationToken = default)
    {
        WebhookOutboxRules.CheckClaim(lease, limit);
        return ClaimAsync(now, lease, limit, [], cancellationToken);
    }

    /// <inheritdoc />
    public Task<IReadOnlyList<WebhookDelivery>> ClaimDueExceptAsync(DateTimeOffset now, TimeSpan lease, int limit, IReadOnlyCollection<string> skipEndpoints, CancellationToken cancellationToken = default)
    {
        WebhookOutboxRules.CheckClaim(lease, limit);
        ArgumentNullException.ThrowIfNull(skipEndpoints);

        // An id PostgreSQL text cannot hold (a NUL, a lone surrogate) matches no stored endpoint, and a null one would make
        // the whole condition unknown (<> ALL with a NULL element): neither is passed on.
        return ClaimAsync(now, lease, limit, [.. skipEndpoints.Where(static id => id is not null && PostgresWebhookRows.IsStorable(id))], cancellationToken);
    }

    /// <inheritdoc />
    /// <remarks>One transaction that locks the oldest unrouted rows it routes with <c>FOR UPDATE SKIP LOCKED</c> and
    /// deletes them, so dispatchers of several instances routing at once each route different events, every event once;
    /// a pass with none waiting only reads whether a row exists.</remarks>
    public Task<(int Routed, int Dropped)> RouteUnroutedAsync(Func<string, IReadOnlyList<string>> endpointsFor, DateTimeOffset now, int limit, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(endpointsFor);
        ArgumentOutOfRangeException.ThrowIfLessThan(limit, 1);
        return RunAsync("route the unrouted events of", (connection, ct) => RouteAsync(connection, _database, endpointsFor, now, limit, ct), cancellationToken, repeatable: true);
    }

    /// <summary>Lists the unrouted events waiting for a host's dispatcher (<see cref="RouteUnroutedAsync"/>), oldest first.</summary>
    /// <param name="limit">The most to return, 1 to 10 000.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>Each event's id, type and when it was written.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="limit"/> is out of range.</exception>
    /// <remarks>Thread-safe; reads one snapshot.</remarks>
    public Task<IReadOnlyList<(string EventId, string EventType, DateTimeOffset CreatedAt)>> ListUnroutedAsync(int limit = 100, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(limit, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(limit, WebhookOutboxRules.MaxListLimit);
        return RunAsync<IReadOnlyList<(string, string, DateTimeOffset)>>(
            "read",
            async (connection, ct) =>
            {
                await using var command = PostgresWebhookRows.Command(
                    connection,
                    null,
                    "SELECT e.id, e.type, u.created_ms FROM webhook_unrouted u JOIN webhook_events e ON e.id = u.event_id ORDER BY u.created_ms, u.event_id LIMIT @limit",
                    ("limit", limit));
                await using var reader = await command.ExecuteReaderAsync(ct).ConfigureAwait(false);
                var rows = new List<(string, string, DateTimeOffset)>();
                while (await reader.ReadAsync(ct).ConfigureAwait(false))
                {
                    rows.Add((reader.GetString(0), reader.GetString(1), DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(2))));
                }

                return rows;
            },
            cancellationToken,
            repeatable: true);
    }

    /// <summary>Drops the unrouted events written before a time, so that no dispatcher routes them: the events a process
    /// without endpoints (the <c>dreaming</c> tool) wrote for an app that had no webhooks then, which an app that gets
    /// <c>AddWebhooks</c> later would otherwise deliver at its next passes, however old.</summary>
    /// <param name="writtenBefore">Events written before this time are dropped; later ones keep waiting.</param>
    /// <param name="cancellationToken">Cancels the operation; nothing is dropped when it is canceled before the statement commits.</param>
    /// <returns>The ids of the events dropped, oldest first.</returns>
    /// <remarks>One statement: it waits for a dispatcher routing one of the rows at the same time, so an event is either
    /// routed or dropped, never both. The events themselves stay in the outbox, with no delivery (webhook events are never
    /// deleted). Thread-safe.</remarks>
    public Task<IReadOnlyList<string>> DropUnroutedAsync(DateTimeOffset writtenBefore, CancellationToken cancellationToken = default) =>
        RunAsync<IReadOnlyList<string>>(
            "write to",
            async (connection, ct) =>
            {
                await using var command = PostgresWebhookRows.Command(
                    connection,
                    null,
                    "WITH gone AS (DELETE FROM webhook_unrouted WHERE created_ms < @before RETURNING event_id, created_ms) "
                    + "SELECT event_id FROM gone ORDER BY created_ms, event_id",
                    ("before", writtenBefore.ToUnixTimeMilliseconds()));
                await using var reader = await command.ExecuteReaderAsync(ct).ConfigureAwait(false);
                var ids = new List<string>();
                while (await reader.ReadAsync(ct).ConfigureAwait(false))
                {
                    ids.Add(reader.GetString(0));
                }

                return ids;
            },
            cancellationToken);

    /// <inheritdoc />
    public Task<WebhookDelivery?> GetAsync(string deliveryId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(deliveryId);
        if (!PostgresWebhookRows.IsStorable(deliveryId))
        {
            // No row can have it (PostgreSQL text cannot hold a NUL or a lone surrogate): not found, as any unknown id.
            cancellationToken.ThrowIfCancellationRequested();
            return Task.FromResult<WebhookDelivery?>(null);
        }

        return RunAsync("read", (connection, ct) => PostgresWebhookRows.FindAsync(connection, null, deliveryId, ct), cancellationToken, repeatable: true);
    }

    /// <inheritdoc />
    public Task<IReadOnlyList<WebhookDelivery>> ListAsync(WebhookDeliveryState? state = null, int limit = 100, CancellationToken cancellationToken = default)
    {
        WebhookOutboxRules.CheckListLimit(limit);
        return RunAsync<IReadOnlyList<WebhookDelivery>>(
            "read",
            async (connection, ct) => state is { } only
                ? await PostgresWebhookRows.SelectAsync(connection, null, "WHERE d.state = @state ORDER BY d.seq DESC LIMIT @limit", ct, ("state", PostgresWebhookRows.StateName(only)), ("limit", limit)).ConfigureAwait(false)
                : await PostgresWebhookRows.SelectAsync(connection, null, "ORDER BY d.seq DESC LIMIT @limit", ct, ("limit", limit)).ConfigureAwait(false),
            cancellationToken,
            repeatable: true);
    }

    /// <inheritdoc />
    public Task<WebhookEndpointState> GetEndpointAsync(string endpointId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(endpointId);
        if (!PostgresWebhookRows.IsStorable(endpointId))
        {
            cancellationToken.ThrowIfCancellationRequested();
            return Task.FromResult(new WebhookEndpointState { EndpointId = endpointId });
        }

        return RunAsync("read", (connection, ct) => PostgresWebhookRows.ReadEndpointAsync(connection, null, endpointId, forUpdate: false, ct), cancellationToken, repeatable: true);
    }

    /// <summary>Closes the store, which refuses calls after with <see cref="ObjectDisposedException"/>; with a connection
    /// pool of its own (the public constructor), closes the pool too; a shared one is its owner's to close.</summary>
    /// <returns>A task that completes when the pool is closed.</returns>
    public ValueTask DisposeAsync() => _lifetime.DisposeAsync();

    /// <summary>Closes the store, which refuses calls after with <see cref="ObjectDisposedException"/>; with a connection
    /// pool of its own (the public constructor), closes the pool too; a shared one is its owner's to close.</summary>
    public void Dispose() => _lifetime.Dispose();
}
