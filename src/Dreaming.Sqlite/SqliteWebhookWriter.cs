using Microsoft.Data.Sqlite;

namespace Dreaming.Sqlite;

/// <summary>The connection outbox writes go through; each operation is one immediate transaction, so a claim by this
/// process and one by another cannot take the same delivery.</summary>
/// <remarks>Not thread-safe: <see cref="SqliteWebhookOutboxStore"/> serialises calls with its write lock.</remarks>
internal sealed class SqliteWebhookWriter(SqliteConnection connection) : IDisposable
{
    // A claim walks the partial index of the pending deliveries in the order it returns them (next attempt, then seq) and
    // stops at its limit. Left to itself SQLite took the index of every delivery by state instead, which reads every
    // pending delivery with its event's body and sorts them all, at every claim: 98 ms a claim, not 1, with 40,000
    // pending (an endpoint down for a while). The index comes with the outbox's tables (schema version 5).
    private const string DueIndex = "ix_webhook_deliveries_due";

    /// <summary>Reads the deliveries a claim takes (internal so that tests can check its query plan).</summary>
    internal static readonly string ClaimDueSql = SqliteWebhookRows.SelectText(
        "WHERE d.state = 'pending' AND d.next_attempt_ms <= $now ORDER BY d.next_attempt_ms, d.seq LIMIT $limit",
        DueIndex);

    /// <summary>Reads the deliveries a claim that skips endpoints takes (internal for the same tests).</summary>
    internal static readonly string ClaimDueExceptSql = SqliteWebhookRows.SelectText(
        "WHERE d.state = 'pending' AND d.next_attempt_ms <= $now AND d.endpoint_id NOT IN (SELECT value FROM json_each($skip)) "
        + "ORDER BY d.next_attempt_ms, d.seq LIMIT $limit",
        DueIndex);

    public List<WebhookDelivery> Enqueue(WebhookEvent webhookEvent, IReadOnlyList<string> endpointIds, DateTimeOffset now)
    {
        using var transaction = connection.BeginTransaction(deferred: false);
        var created = SqliteWebhookRows.Insert(connection, transaction, webhookEvent, endpointIds, now);
        transaction.Commit();
        return created;
    }

    /// <summary>Claims due deliveries, oldest due first, to endpoints other than <paramref name="skipEndpoints"/>.</summary>
    public List<WebhookDelivery> ClaimDue(DateTimeOffset now, TimeSpan lease, int limit, string[] skipEndpoints)
    {
        using var transaction = connection.BeginTransaction(deferred: false);
        // The skipped ids travel as one JSON array parameter, so any number of them fits in one statement (SQLite allows
        // 32766 parameters by default) and none of them is ever part of the query's text.
        var due = skipEndpoints.Length == 0
            ? SqliteWebhookRows.Query(
                connection,
                transaction,
                ClaimDueSql,
                ("$now", now.ToUnixTimeMilliseconds()),
                ("$limit", limit))
            : SqliteWebhookRows.Query(
                connection,
                transaction,
                ClaimDueExceptSql,
                ("$now", now.ToUnixTimeMilliseconds()),
                ("$limit", limit),
                ("$skip", System.Text.Json.JsonSerializer.Serialize(skipEndpoints, SqliteJson.Default.StringArray)));
        var until = (now + lease).ToUnixTimeMilliseconds();
        foreach (var delivery in due)
        {
            using var claim = SqliteMemoryRows.Command(connection, transaction, "UPDATE webhook_deliveries SET next_attempt_ms = $until WHERE id = CAST($id AS TEXT)", ("$id", delivery.Id), ("$until", until));
            claim.ExecuteNonQuery();
        }

        transaction.Commit();
        return due;
    }

    /// <summary>Deletes the unrouted rows of the events written before <paramref name="writtenBefore"/>, in one immediate
    /// transaction, and returns their event ids, oldest first.</summary>
    public List<string> DropUnrouted(DateTimeOffset writtenBefore)
    {
        using var transaction = connection.BeginTransaction(deferred: false);
        var ms = writtenBefore.ToUnixTimeMilliseconds();
        var ids = new List<string>();
        using (var select = SqliteMemoryRows.Command(
            connection,
            transaction,
            "SELECT event_id FROM webhook_unrouted WHERE created_ms < $before ORDER BY created_ms, event_id",
            ("$before", ms)))
        using (var reader = select.ExecuteReader())
        {
            while (reader.Read())
            {
                ids.Add(reader.GetString(0));
            }
        }

        using var delete = SqliteMemoryRows.Command(connection, transaction, "DELETE FROM webhook_unrouted WHERE created_ms < $before", ("$before", ms));
        delete.ExecuteNonQuery();
        transaction.Commit();
        return ids;
    }

    /// <summary>Routes the oldest unrouted events in one immediate transaction: deliveries to the endpoints that subscribe,
    /// and the unrouted row deleted either way, so another dispatcher (a process or thread) cannot route them again.</summary>
    public (int Routed, int Dropped) RouteUnrouted(Func<string, IReadOnlyList<string>> endpointsFor, DateTimeOffset now, int limit)
    {
        using var transaction = connection.BeginTransaction(deferred: false);
        var routed = 0;
        var dropped = 0;
        var ms = now.ToUnixTimeMilliseconds();
        foreach (var (id, type, body, _) in SqliteWebhookRows.ReadUnrouted(connection, transaction, limit))
        {
            var endpoints = endpointsFor(type) ?? [];
            if (endpoints.Count > 0)
            {
                SqliteWebhookRows.InsertDeliveries(connection, transaction, id, type, body, endpoints, ms);
                routed++;
            }
            else
            {
                dropped++;
            }

            using var delete = SqliteMemoryRows.Command(connection, transaction, "DELETE FROM webhook_unrouted WHERE event_id = CAST($id AS TEXT)", ("$id", id));
            delete.ExecuteNonQuery();
        }

        transaction.Commit();
        return (routed, dropped);
    }

    public (WebhookDelivery, WebhookEndpointState) RecordAttempt(WebhookAttemptResult result)
    {
        using var transaction = connection.BeginTransaction(deferred: false);
        var delivery = Find(transaction, result.DeliveryId);
        var endpoint = SqliteWebhookRows.ReadEndpoint(connection, transaction, delivery.EndpointId);
        if (WebhookOutboxRules.IsSettled(delivery))
        {
            return (delivery, endpoint);
        }

        var updated = WebhookOutboxRules.Apply(delivery, result);
        SqliteWebhookRows.Update(connection, transaction, updated);
        endpoint = endpoint with { ConsecutiveFailures = WebhookOutboxRules.ConsecutiveFailuresAfter(endpoint.ConsecutiveFailures, updated.State) };
        SqliteWebhookRows.WriteEndpoint(connection, transaction, endpoint);
        transaction.Commit();
        return (updated, endpoint);
    }

    public WebhookDelivery Kill(string deliveryId, string reason)
    {
        using var transaction = connection.BeginTransaction(deferred: false);
        var dead = WebhookOutboxRules.Kill(Find(transaction, deliveryId), reason);
        SqliteWebhookRows.Update(connection, transaction, dead);
        transaction.Commit();
        return dead;
    }

    public WebhookDelivery Replay(string deliveryId, DateTimeOffset now)
    {
        using var transaction = connection.BeginTransaction(deferred: false);
        var replayed = WebhookOutboxRules.Replay(Find(transaction, deliveryId), now);
        SqliteWebhookRows.Update(connection, transaction, replayed);
        transaction.Commit();
        return replayed;
    }

    public int ReplayDead(DateTimeOffset now)
    {
        using var transaction = connection.BeginTransaction(deferred: false);
        using var command = SqliteMemoryRows.Command(
            connection,
            transaction,
            "UPDATE webhook_deliveries SET state = 'pending', attempts = 0, next_attempt_ms = $now WHERE state = 'dead'",
            ("$now", now.ToUnixTimeMilliseconds()));
        var count = command.ExecuteNonQuery();
        transaction.Commit();
        return count;
    }

    public WebhookEndpointState SetEndpointDisabled(string endpointId, string? reason, DateTimeOffset now)
    {
        using var transaction = connection.BeginTransaction(deferred: false);
        WebhookEndpointState state;
        if (reason is null)
        {
            state = new WebhookEndpointState { EndpointId = endpointId };
        }
        else
        {
            // Checked in the immediate transaction that writes, so of two dispatchers (two processes) disabling the
            // endpoint at once, the first keeps its reason and time and the second learns it was already disabled.
            var current = SqliteWebhookRows.ReadEndpoint(connection, transaction, endpointId);
            if (current.IsDisabled)
            {
                return current;
            }

            state = current with { DisabledReason = reason, DisabledAt = DateTimeOffset.FromUnixTimeMilliseconds(now.ToUnixTimeMilliseconds()) };
        }

        SqliteWebhookRows.WriteEndpoint(connection, transaction, state);
        transaction.Commit();
        return state;
    }

    public void Dispose() => connection.Dispose();

    private WebhookDelivery Find(SqliteTransaction transaction, string deliveryId) =>
        SqliteWebhookRows.Find(connection, transaction, deliveryId) ?? throw WebhookOutboxRules.NotFound(deliveryId);
}
