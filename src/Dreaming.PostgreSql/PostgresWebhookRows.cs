using Npgsql;

namespace Dreaming.PostgreSql;

/// <summary>Reads and writes the webhook outbox tables (<see cref="PostgresWebhookSchema"/>); shared by the outbox store and
/// by the trace, memory and dream run stores, which write their events inside the transaction of their own change.</summary>
/// <remarks>Every method runs in the caller's connection and transaction. None of them fails a statement on purpose, so the
/// caller's transaction stays usable after a refused write (a repeated event id is found by <c>ON CONFLICT DO NOTHING</c>,
/// not by a unique violation, which would abort the whole transaction).</remarks>
internal static partial class PostgresWebhookRows
{
    /// <summary>The columns <see cref="Read"/> expects, in its order.</summary>
    public const string Columns =
        "d.id, d.event_id, e.type, d.endpoint_id, e.body, d.state, d.attempts, d.created_ms, d.next_attempt_ms, d.last_attempt_ms, d.last_status, d.last_error, d.delivered_ms";

    /// <summary>The join <see cref="Columns"/> are read from.</summary>
    public const string From = " FROM webhook_deliveries d JOIN webhook_events e ON e.id = d.event_id";

    /// <summary>Writes an event and one pending delivery, due at once, per endpoint (each once), in the caller's
    /// transaction; with no endpoint, the event and a <c>webhook_unrouted</c> row instead, for a host's dispatcher to route
    /// (<see cref="IWebhookOutboxStore.RouteUnroutedAsync"/>). One statement either way.</summary>
    /// <param name="connection">The caller's open connection.</param>
    /// <param name="transaction">The caller's transaction.</param>
    /// <param name="webhookEvent">The event; its body is serialised here, once.</param>
    /// <param name="endpointIds">The endpoints that subscribe; empty writes the event unrouted.</param>
    /// <param name="now">When the rows are written; the deliveries are due then.</param>
    /// <param name="cancellationToken">Cancels the statement.</param>
    /// <param name="prepared">The deliveries to write, made by <see cref="NewDeliveries(WebhookEvent, IReadOnlyList{string}, DateTimeOffset)"/>
    /// for the same event, endpoints and time (so that a caller running the write again knows their ids); made here when
    /// <see langword="null"/>.</param>
    /// <param name="stashedBody">The transaction-local setting that holds the event's body, set aside earlier in the
    /// transaction (<see cref="PostgresWebhookStash"/>), and the stretches of it to replace: the statement reads the body
    /// there and sends only those stretches; the body is sent when <see langword="null"/>. A setting this transaction did
    /// not set is refused (the row's body would be NULL), not read as the empty value an earlier transaction of the
    /// pooled connection left it with.</param>
    /// <param name="body">The event's body, <see cref="WebhookEvent.ToBody"/> of <paramref name="webhookEvent"/>, when the
    /// caller made it already (a body may be a gigabyte); made here when <see langword="null"/>.</param>
    /// <returns>The deliveries written.</returns>
    /// <exception cref="ArgumentException">The event id is already in the outbox (the transaction stays usable), or the
    /// event type or an endpoint id holds a NUL character or a lone surrogate, which PostgreSQL text cannot store.</exception>
    public static async Task<List<WebhookDelivery>> InsertAsync(
        NpgsqlConnection connection,
        NpgsqlTransaction? transaction,
        WebhookEvent webhookEvent,
        IReadOnlyList<string> endpointIds,
        DateTimeOffset now,
        CancellationToken cancellationToken,
        List<WebhookDelivery>? prepared = null,
        StashedBody? stashedBody = null,
        string? body = null)
    {
        ThrowIfUnstorable(webhookEvent, endpointIds);
        body ??= prepared is [var any, ..] ? any.Body : webhookEvent.ToBody();
        var ms = now.ToUnixTimeMilliseconds();
        var (bodyValue, patch) = stashedBody is null ? ("@body", Array.Empty<(string, object?)>()) : PostgresWebhookStash.PatchedBody(stashedBody.Patches);
        var insertEvent =
            $"WITH ev AS (INSERT INTO webhook_events (id, type, body, created_ms) VALUES (@event_id, @type, {bodyValue}, @ms) ON CONFLICT (id) DO NOTHING RETURNING id) ";
        if (endpointIds.Count == 0)
        {
            // No endpoint of this process: the event waits, unrouted, for a host's dispatcher on the database to route it.
            await using var unrouted = Command(
                connection,
                transaction,
                insertEvent + "INSERT INTO webhook_unrouted (event_id, created_ms) SELECT id, @ms FROM ev",
                [("event_id", webhookEvent.Id), ("type", webhookEvent.Type), ("body", stashedBody?.Setting ?? body), ("ms", ms), .. patch]);
            if (await unrouted.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) == 0)
            {
                throw Repeated(webhookEvent.Id, nameof(webhookEvent));
            }

            return [];
        }

        var (created, ids, endpoints) = prepared is null ? NewDeliveries(webhookEvent.Id, webhookEvent.Type, body, endpointIds, ms) : Split(prepared);
        await using var insert = Command(
            connection,
            transaction,
            insertEvent + "INSERT INTO webhook_deliveries (id, event_id, endpoint_id, state, attempts, created_ms, next_attempt_ms) "
            + "SELECT t.id, ev.id, t.endpoint_id, 'pending', 0, @ms, @ms FROM ev CROSS JOIN unnest(@ids::text[], @endpoints::text[]) WITH ORDINALITY AS t(id, endpoint_id, n) ORDER BY t.n",
            [("event_id", webhookEvent.Id), ("type", webhookEvent.Type), ("body", stashedBody?.Setting ?? body), ("ms", ms), ("ids", ids), ("endpoints", endpoints), .. patch]);
        if (await insert.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) == 0)
        {
            throw Repeated(webhookEvent.Id, nameof(webhookEvent));
        }

        return created;
    }

    /// <summary>Where <see cref="InsertAsync"/> finds an event's body set aside in the transaction: the setting that holds it,
    /// and the stretches of it to replace.</summary>
    /// <param name="Setting">The transaction-local setting.</param>
    /// <param name="Patches">What to replace, in the order of the body, none overlapping; none takes the body as it is.</param>
    public sealed record StashedBody(string Setting, IReadOnlyList<BodyPatch> Patches);

    /// <summary>A stretch of a body to replace: <paramref name="Count"/> characters (code points, as PostgreSQL's
    /// <c>substr</c> counts them) from <paramref name="From"/> (from 1) replaced by <paramref name="Text"/>.</summary>
    /// <param name="From">Where the stretch starts, from 1.</param>
    /// <param name="Count">How many characters it has.</param>
    /// <param name="Text">What replaces it.</param>
    public sealed record BodyPatch(int From, int Count, string Text);

    /// <summary>Writes one pending delivery, due at once, per endpoint (each once) of an event already stored, in one statement.</summary>
    /// <returns>The deliveries written.</returns>
    public static async Task<List<WebhookDelivery>> InsertDeliveriesAsync(
        NpgsqlConnection connection,
        NpgsqlTransaction? transaction,
        string eventId,
        string eventType,
        string body,
        IReadOnlyList<string> endpointIds,
        long ms,
        CancellationToken cancellationToken)
    {
        ThrowIfUnstorable(endpointIds, nameof(endpointIds));
        var (created, ids, endpoints) = NewDeliveries(eventId, eventType, body, endpointIds, ms);
        await using var insert = Command(
            connection,
            transaction,
            "INSERT INTO webhook_deliveries (id, event_id, endpoint_id, state, attempts, created_ms, next_attempt_ms) "
            + "SELECT t.id, @event_id, t.endpoint_id, 'pending', 0, @ms, @ms FROM unnest(@ids::text[], @endpoints::text[]) WITH ORDINALITY AS t(id, endpoint_id, n) ORDER BY t.n",
            ("event_id", eventId), ("ms", ms), ("ids", ids), ("endpoints", endpoints));
        await insert.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        return created;
    }

    /// <summary>Reads deliveries with their events: <see cref="Columns"/> <see cref="From"/>, then <paramref name="where"/>.</summary>
    public static Task<List<WebhookDelivery>> SelectAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, string where, CancellationToken cancellationToken, params (string Name, object? Value)[] parameters) =>
        QueryAsync(connection, transaction, "SELECT " + Columns + From + " " + where, cancellationToken, parameters);

    /// <summary>Reads deliveries by a whole statement that returns <see cref="Columns"/>.</summary>
    public static async Task<List<WebhookDelivery>> QueryAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, string sql, CancellationToken cancellationToken, params (string Name, object? Value)[] parameters)
    {
        await using var command = Command(connection, transaction, sql, parameters);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var rows = new List<WebhookDelivery>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            rows.Add(Read(reader));
        }

        return rows;
    }

    /// <summary>The statement that reads one delivery (<c>@id</c>) and locks its row until the transaction ends, and bounds
    /// how long the transaction may then sit idle (<paramref name="database"/>'s <see cref="PostgresDatabase.IdleLimit"/>, a
    /// column after <see cref="Columns"/> that nothing reads): it is the first statement of every outbox transaction that
    /// changes a delivery.</summary>
    /// <param name="database">The store's database.</param>
    /// <returns>The statement, for <see cref="QueryAsync"/>.</returns>
    public static string FindLockedSql(PostgresDatabase database) =>
        "SELECT " + Columns + ", " + database.IdleLimit + From + " WHERE d.id = @id FOR UPDATE OF d";

    /// <summary>Reads one delivery without locking it (a change locks it with <see cref="FindLockedSql"/>).</summary>
    public static async Task<WebhookDelivery?> FindAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, string deliveryId, CancellationToken cancellationToken) =>
        (await SelectAsync(connection, transaction, "WHERE d.id = @id", cancellationToken, ("id", deliveryId)).ConfigureAwait(false)).FirstOrDefault();

    /// <summary>A delivery as <see cref="UpdateAsync"/> stores it: its last error <see cref="Storable"/>, so what a change
    /// returns is what a later read finds.</summary>
    public static WebhookDelivery AsStored(WebhookDelivery delivery) =>
        delivery.LastError is { } error && !IsStorable(error) ? delivery with { LastError = Storable(error) } : delivery;

    /// <summary>Writes what an attempt, a kill or a replay changed of a delivery (see <see cref="AsStored"/>).</summary>
    public static async Task UpdateAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, WebhookDelivery delivery, CancellationToken cancellationToken)
    {
        await using var command = Command(
            connection,
            transaction,
            "UPDATE webhook_deliveries SET state = @state, attempts = @attempts, next_attempt_ms = @next, last_attempt_ms = @last, "
            + "last_status = @status, last_error = @error, delivered_ms = @delivered WHERE id = @id",
            ("id", delivery.Id),
            ("state", StateName(delivery.State)),
            ("attempts", delivery.Attempts),
            ("next", delivery.NextAttemptAt.ToUnixTimeMilliseconds()),
            ("last", delivery.LastAttemptAt?.ToUnixTimeMilliseconds()),
            ("status", delivery.LastStatusCode),
            ("error", delivery.LastError is { } error ? Storable(error) : null),
            ("delivered", delivery.DeliveredAt?.ToUnixTimeMilliseconds()));
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Reads what delivery learnt of an endpoint; the default state when it has no row. With
    /// <paramref name="forUpdate"/> the row is made when missing and locked until the transaction ends, so two dispatchers
    /// recording attempts to one endpoint at once count its failures in turn.</summary>
    public static async Task<WebhookEndpointState> ReadEndpointAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, string endpointId, bool forUpdate, CancellationToken cancellationToken, string? idleLimit = null)
    {
        // With idleLimit (PostgresDatabase.IdleLimit), the locking read also bounds how long its transaction may sit idle
        // (a fourth column nothing reads): for a transaction whose first lock is the endpoint's.
        await using var command = Command(
            connection,
            transaction,
            forUpdate
                ? "INSERT INTO webhook_endpoints (id, consecutive_failures) VALUES (@id, 0) ON CONFLICT (id) DO NOTHING; "
                    + "SELECT disabled_reason, disabled_ms, consecutive_failures" + (idleLimit is null ? string.Empty : ", " + idleLimit) + " FROM webhook_endpoints WHERE id = @id FOR UPDATE"
                : "SELECT disabled_reason, disabled_ms, consecutive_failures FROM webhook_endpoints WHERE id = @id",
            ("id", endpointId));
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        return !await reader.ReadAsync(cancellationToken).ConfigureAwait(false)
            ? new WebhookEndpointState { EndpointId = endpointId }
            : new WebhookEndpointState
            {
                EndpointId = endpointId,
                DisabledReason = reader.IsDBNull(0) ? null : reader.GetString(0),
                DisabledAt = reader.IsDBNull(1) ? null : DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(1)),
                ConsecutiveFailures = reader.GetInt32(2),
            };
    }

    /// <summary>Writes what delivery learnt of an endpoint.</summary>
    public static async Task WriteEndpointAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, WebhookEndpointState state, CancellationToken cancellationToken)
    {
        await using var command = Command(
            connection,
            transaction,
            "INSERT INTO webhook_endpoints (id, disabled_reason, disabled_ms, consecutive_failures) VALUES (@id, @reason, @at, @failures) "
            + "ON CONFLICT (id) DO UPDATE SET disabled_reason = excluded.disabled_reason, disabled_ms = excluded.disabled_ms, consecutive_failures = excluded.consecutive_failures",
            ("id", state.EndpointId),
            ("reason", state.DisabledReason is { } reason ? Storable(reason) : null),
            ("at", state.DisabledAt?.ToUnixTimeMilliseconds()),
            ("failures", state.ConsecutiveFailures));
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The stored name of a state: <c>pending</c>, <c>delivered</c> or <c>dead</c>.</summary>
    public static string StateName(WebhookDeliveryState state) => state switch
    {
        WebhookDeliveryState.Pending => "pending",
        WebhookDeliveryState.Delivered => "delivered",
        WebhookDeliveryState.Dead => "dead",
        _ => throw new ArgumentOutOfRangeException(nameof(state), state, "Not a webhook delivery state."),
    };

    /// <summary>Makes a command with named parameters; a <see langword="null"/> value is SQL <c>NULL</c>.</summary>
    public static NpgsqlCommand Command(NpgsqlConnection connection, NpgsqlTransaction? transaction, string sql, params (string Name, object? Value)[] parameters)
    {
        var command = new NpgsqlCommand(sql, connection, transaction);
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value ?? DBNull.Value);
        }

        return command;
    }

    private static ArgumentException Repeated(string eventId, string paramName) =>
        new($"Webhook event '{eventId}' is already in the outbox.", paramName);

    /// <summary>Makes the pending deliveries <see cref="InsertAsync"/> writes for an event, one per endpoint (each once),
    /// with their ids, without writing them.</summary>
    /// <param name="webhookEvent">The event; its body is serialised here, once.</param>
    /// <param name="endpointIds">The endpoints, at least one.</param>
    /// <param name="now">When they are written and due.</param>
    /// <returns>The deliveries.</returns>
    public static List<WebhookDelivery> NewDeliveries(WebhookEvent webhookEvent, IReadOnlyList<string> endpointIds, DateTimeOffset now) =>
        NewDeliveries(webhookEvent.Id, webhookEvent.Type, webhookEvent.ToBody(), endpointIds, now.ToUnixTimeMilliseconds()).Created;

    private static (List<WebhookDelivery> Created, string[] Ids, string[] Endpoints) Split(List<WebhookDelivery> created) =>
        (created, [.. created.Select(d => d.Id)], [.. created.Select(d => d.EndpointId)]);

    private static (List<WebhookDelivery> Created, string[] Ids, string[] Endpoints) NewDeliveries(string eventId, string eventType, string body, IReadOnlyList<string> endpointIds, long ms)
    {
        var now = DateTimeOffset.FromUnixTimeMilliseconds(ms);
        var created = new List<WebhookDelivery>(endpointIds.Count);
        foreach (var endpointId in endpointIds.Distinct(StringComparer.Ordinal))
        {
            created.Add(new WebhookDelivery
            {
                Id = WebhookDelivery.NewId(),
                EventId = eventId,
                EventType = eventType,
                EndpointId = endpointId,
                Body = body,
                State = WebhookDeliveryState.Pending,
                CreatedAt = now,
                NextAttemptAt = now,
            });
        }

        return Split(created);
    }

    private static WebhookDelivery Read(NpgsqlDataReader r) => new()
    {
        Id = r.GetString(0),
        EventId = r.GetString(1),
        EventType = r.GetString(2),
        EndpointId = r.GetString(3),
        Body = r.GetString(4),
        State = r.GetString(5) switch
        {
            "pending" => WebhookDeliveryState.Pending,
            "delivered" => WebhookDeliveryState.Delivered,
            "dead" => WebhookDeliveryState.Dead,
            var other => throw new TraceStoreException($"Webhook delivery '{r.GetString(0)}' has a state '{other}' this library cannot read; it may have been written by a newer version of Dreaming.PostgreSql."),
        },
        Attempts = r.GetInt32(6),
        CreatedAt = DateTimeOffset.FromUnixTimeMilliseconds(r.GetInt64(7)),
        NextAttemptAt = DateTimeOffset.FromUnixTimeMilliseconds(r.GetInt64(8)),
        LastAttemptAt = r.IsDBNull(9) ? null : DateTimeOffset.FromUnixTimeMilliseconds(r.GetInt64(9)),
        LastStatusCode = r.IsDBNull(10) ? null : r.GetInt32(10),
        LastError = r.IsDBNull(11) ? null : r.GetString(11),
        DeliveredAt = r.IsDBNull(12) ? null : DateTimeOffset.FromUnixTimeMilliseconds(r.GetInt64(12)),
    };
}
