using Microsoft.Data.Sqlite;

namespace Dreaming.Sqlite;

/// <summary>Reads and writes the webhook outbox tables; shared by the outbox store and by the trace store, which writes
/// <c>session.*</c> rows inside the transaction that ends a session.</summary>
internal static class SqliteWebhookRows
{
    private const string Columns =
        "d.id, d.event_id, e.type, d.endpoint_id, e.body, d.state, d.attempts, d.created_ms, d.next_attempt_ms, d.last_attempt_ms, d.last_status, d.last_error, d.delivered_ms";

    private const string From = " FROM webhook_deliveries d JOIN webhook_events e ON e.id = d.event_id";

    /// <summary>Writes an event and one pending delivery per endpoint, in the caller's transaction; with no endpoint, the
    /// event and a <c>webhook_unrouted</c> row instead, for a host's dispatcher to route (<see cref="SqliteWebhookWriter.RouteUnrouted"/>).</summary>
    public static List<WebhookDelivery> Insert(SqliteConnection connection, SqliteTransaction transaction, WebhookEvent webhookEvent, IReadOnlyList<string> endpointIds, DateTimeOffset now)
    {
        var body = webhookEvent.ToBody();
        var ms = now.ToUnixTimeMilliseconds();
        try
        {
            using var insertEvent = SqliteMemoryRows.Command(
                connection,
                transaction,
                "INSERT INTO webhook_events (id, type, body, created_ms) VALUES (CAST($id AS TEXT), CAST($type AS TEXT), $body, $created_ms)",
                ("$id", webhookEvent.Id), ("$type", webhookEvent.Type), ("$body", body), ("$created_ms", ms));
            insertEvent.ExecuteNonQuery();
        }
        catch (SqliteException exception) when (exception.SqliteErrorCode == SQLitePCL.raw.SQLITE_CONSTRAINT)
        {
            throw new ArgumentException($"Webhook event '{webhookEvent.Id}' is already in the outbox.", nameof(webhookEvent), exception);
        }

        if (endpointIds.Count == 0)
        {
            // No endpoint of this process: the event waits, unrouted, for a host's dispatcher on the file to route it.
            using var unrouted = SqliteMemoryRows.Command(
                connection,
                transaction,
                "INSERT INTO webhook_unrouted (event_id, created_ms) VALUES (CAST($id AS TEXT), $created_ms)",
                ("$id", webhookEvent.Id), ("$created_ms", ms));
            unrouted.ExecuteNonQuery();
            return [];
        }

        return InsertDeliveries(connection, transaction, webhookEvent.Id, webhookEvent.Type, body, endpointIds, ms);
    }

    /// <summary>Writes one pending delivery, due at once, per endpoint (each once) of an event already stored.</summary>
    public static List<WebhookDelivery> InsertDeliveries(SqliteConnection connection, SqliteTransaction transaction, string eventId, string eventType, string body, IReadOnlyList<string> endpointIds, long ms)
    {
        var created = new List<WebhookDelivery>(endpointIds.Count);
        var now = DateTimeOffset.FromUnixTimeMilliseconds(ms);
        foreach (var endpointId in endpointIds.Distinct(StringComparer.Ordinal))
        {
            var delivery = new WebhookDelivery
            {
                Id = WebhookDelivery.NewId(),
                EventId = eventId,
                EventType = eventType,
                EndpointId = endpointId,
                Body = body,
                State = WebhookDeliveryState.Pending,
                CreatedAt = now,
                NextAttemptAt = now,
            };
            using var insert = SqliteMemoryRows.Command(
                connection,
                transaction,
                "INSERT INTO webhook_deliveries (id, event_id, endpoint_id, state, attempts, created_ms, next_attempt_ms) "
                + "VALUES (CAST($id AS TEXT), CAST($event_id AS TEXT), CAST($endpoint_id AS TEXT), 'pending', 0, $now, $now)",
                ("$id", delivery.Id), ("$event_id", eventId), ("$endpoint_id", endpointId), ("$now", ms));
            insert.ExecuteNonQuery();
            created.Add(delivery);
        }

        return created;
    }

    /// <summary>The oldest unrouted events, without their bodies (<see cref="ListUnrouted"/>). Walks
    /// <c>ix_webhook_unrouted_created</c> in order and stops at the limit, so a backlog is not read and sorted whole.</summary>
    internal const string ListUnroutedSql =
        "SELECT e.id, e.type, u.created_ms FROM webhook_unrouted u JOIN webhook_events e ON e.id = u.event_id "
        + "ORDER BY u.created_ms, u.event_id LIMIT $limit";

    /// <summary>The oldest unrouted events with their bodies (<see cref="ReadUnrouted"/>, what a routing step reads). Walks
    /// <c>ix_webhook_unrouted_created</c> in order and stops at the limit: without it SQLite would join every waiting
    /// event, body included, and sort them all, at every step, to keep the oldest few hundred.</summary>
    internal const string ReadUnroutedSql =
        "SELECT e.id, e.type, e.body, u.created_ms FROM webhook_unrouted u JOIN webhook_events e ON e.id = u.event_id "
        + "ORDER BY u.created_ms, u.event_id LIMIT $limit";

    /// <summary>Whether any unrouted event waits (a read, no lock).</summary>
    public static bool AnyUnrouted(SqliteConnection connection)
    {
        using var command = SqliteMemoryRows.Command(connection, null, "SELECT EXISTS (SELECT 1 FROM webhook_unrouted)");
        return Convert.ToInt64(command.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture) != 0;
    }

    /// <summary>The unrouted events, oldest first: id, type and when written.</summary>
    public static List<(string Id, string Type, DateTimeOffset CreatedAt)> ListUnrouted(SqliteConnection connection, int limit)
    {
        // Without the bodies, which only routing needs.
        using var command = SqliteMemoryRows.Command(
            connection,
            null,
            ListUnroutedSql,
            ("$limit", limit));
        using var reader = command.ExecuteReader();
        var rows = new List<(string, string, DateTimeOffset)>();
        while (reader.Read())
        {
            rows.Add((reader.GetString(0), reader.GetString(1), DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(2))));
        }

        return rows;
    }

    /// <summary>The unrouted events, oldest first, with their bodies.</summary>
    public static List<(string Id, string Type, string Body, DateTimeOffset CreatedAt)> ReadUnrouted(SqliteConnection connection, SqliteTransaction? transaction, int limit)
    {
        using var command = SqliteMemoryRows.Command(
            connection,
            transaction,
            ReadUnroutedSql,
            ("$limit", limit));
        using var reader = command.ExecuteReader();
        var rows = new List<(string, string, string, DateTimeOffset)>();
        while (reader.Read())
        {
            rows.Add((reader.GetString(0), reader.GetString(1), reader.GetString(2), DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(3))));
        }

        return rows;
    }

    /// <summary>The text of a <see cref="Select"/> of deliveries with their events: the columns, the join, then <paramref name="where"/>.</summary>
    /// <param name="where">What follows the join.</param>
    /// <param name="deliveriesIndex">The index the deliveries are read by (<c>INDEXED BY</c>), or <see langword="null"/>
    /// to leave the choice to SQLite.</param>
    public static string SelectText(string where, string? deliveriesIndex = null) =>
        "SELECT " + Columns + (deliveriesIndex is null ? From : From.Replace(" d ", $" d INDEXED BY {deliveriesIndex} ", StringComparison.Ordinal)) + " " + where;

    public static List<WebhookDelivery> Select(SqliteConnection connection, SqliteTransaction? transaction, string where, params (string Name, object? Value)[] parameters) =>
        Query(connection, transaction, SelectText(where), parameters);

    /// <summary>Reads deliveries with their events by a whole statement of <see cref="SelectText"/>'s columns.</summary>
    public static List<WebhookDelivery> Query(SqliteConnection connection, SqliteTransaction? transaction, string sql, params (string Name, object? Value)[] parameters)
    {
        using var command = SqliteMemoryRows.Command(connection, transaction, sql, parameters);
        using var reader = command.ExecuteReader();
        var rows = new List<WebhookDelivery>();
        while (reader.Read())
        {
            rows.Add(Read(reader));
        }

        return rows;
    }

    public static WebhookDelivery? Find(SqliteConnection connection, SqliteTransaction? transaction, string deliveryId) =>
        Select(connection, transaction, "WHERE d.id = CAST($id AS TEXT)", ("$id", deliveryId)).FirstOrDefault();

    public static void Update(SqliteConnection connection, SqliteTransaction transaction, WebhookDelivery delivery)
    {
        using var command = SqliteMemoryRows.Command(
            connection,
            transaction,
            "UPDATE webhook_deliveries SET state = $state, attempts = $attempts, next_attempt_ms = $next, last_attempt_ms = $last, "
            + "last_status = $status, last_error = CAST($error AS TEXT), delivered_ms = $delivered WHERE id = CAST($id AS TEXT)",
            ("$id", delivery.Id),
            ("$state", StateName(delivery.State)),
            ("$attempts", delivery.Attempts),
            ("$next", delivery.NextAttemptAt.ToUnixTimeMilliseconds()),
            ("$last", delivery.LastAttemptAt?.ToUnixTimeMilliseconds()),
            ("$status", delivery.LastStatusCode),
            ("$error", delivery.LastError),
            ("$delivered", delivery.DeliveredAt?.ToUnixTimeMilliseconds()));
        command.ExecuteNonQuery();
    }

    public static WebhookEndpointState ReadEndpoint(SqliteConnection connection, SqliteTransaction? transaction, string endpointId)
    {
        using var command = SqliteMemoryRows.Command(
            connection,
            transaction,
            "SELECT disabled_reason, disabled_ms, consecutive_failures FROM webhook_endpoints WHERE id = CAST($id AS TEXT)",
            ("$id", endpointId));
        using var reader = command.ExecuteReader();
        return !reader.Read()
            ? new WebhookEndpointState { EndpointId = endpointId }
            : new WebhookEndpointState
            {
                EndpointId = endpointId,
                DisabledReason = reader.IsDBNull(0) ? null : reader.GetString(0),
                DisabledAt = reader.IsDBNull(1) ? null : DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(1)),
                ConsecutiveFailures = reader.GetInt32(2),
            };
    }

    public static void WriteEndpoint(SqliteConnection connection, SqliteTransaction transaction, WebhookEndpointState state)
    {
        using var command = SqliteMemoryRows.Command(
            connection,
            transaction,
            "INSERT INTO webhook_endpoints (id, disabled_reason, disabled_ms, consecutive_failures) VALUES (CAST($id AS TEXT), CAST($reason AS TEXT), $at, $failures) "
            + "ON CONFLICT (id) DO UPDATE SET disabled_reason = excluded.disabled_reason, disabled_ms = excluded.disabled_ms, consecutive_failures = excluded.consecutive_failures",
            ("$id", state.EndpointId),
            ("$reason", state.DisabledReason),
            ("$at", state.DisabledAt?.ToUnixTimeMilliseconds()),
            ("$failures", state.ConsecutiveFailures));
        command.ExecuteNonQuery();
    }

    public static string StateName(WebhookDeliveryState state) => SqliteMemoryRows.Name(state);

    private static WebhookDelivery Read(SqliteDataReader r) => new()
    {
        Id = r.GetString(0),
        EventId = r.GetString(1),
        EventType = r.GetString(2),
        EndpointId = r.GetString(3),
        Body = r.GetString(4),
        State = SqliteMemoryRows.TryParseName<WebhookDeliveryState>(r.GetString(5), out var state)
            ? state
            : throw new TraceStoreException($"Webhook delivery '{r.GetString(0)}' has a state '{r.GetString(5)}' this library cannot read; it may have been written by a newer version of Dreaming.Sqlite."),
        Attempts = r.GetInt32(6),
        CreatedAt = DateTimeOffset.FromUnixTimeMilliseconds(r.GetInt64(7)),
        NextAttemptAt = DateTimeOffset.FromUnixTimeMilliseconds(r.GetInt64(8)),
        LastAttemptAt = r.IsDBNull(9) ? null : DateTimeOffset.FromUnixTimeMilliseconds(r.GetInt64(9)),
        LastStatusCode = r.IsDBNull(10) ? null : r.GetInt32(10),
        LastError = r.IsDBNull(11) ? null : r.GetString(11),
        DeliveredAt = r.IsDBNull(12) ? null : DateTimeOffset.FromUnixTimeMilliseconds(r.GetInt64(12)),
    };
}
