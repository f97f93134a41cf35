using Npgsql;

namespace Dreaming.PostgreSql;

/// <summary>The claims, routing and changes of deliveries and endpoints, and how every operation runs.</summary>
public sealed partial class PostgresWebhookOutboxStore
{
    /// <summary>The claim: the due deliveries oldest due first, walked in the order of the partial index
    /// <c>ix_webhook_deliveries_due</c> up to the limit, each locked (rows another claim holds are skipped, not waited for)
    /// and leased by moving its next attempt to the lease's end, in one statement. The deliveries come back as read,
    /// before the lease. <c>/*skip*/</c> is where a claim that skips endpoints adds its condition. Internal so that tests can
    /// check its query plan.</summary>
    internal const string ClaimSql =
        "WITH due AS (SELECT id, next_attempt_ms, seq FROM webhook_deliveries "
        + "WHERE state = 'pending' AND next_attempt_ms <= @now/*skip*/ ORDER BY next_attempt_ms, seq LIMIT @limit FOR UPDATE SKIP LOCKED), "
        + "claimed AS (UPDATE webhook_deliveries d SET next_attempt_ms = @until FROM due WHERE d.id = due.id "
        + "RETURNING d.id, d.event_id, d.endpoint_id, d.state, d.attempts, d.created_ms, due.next_attempt_ms, d.last_attempt_ms, d.last_status, d.last_error, d.delivered_ms, due.seq) "
        + "SELECT " + PostgresWebhookRows.Columns + " FROM claimed d JOIN webhook_events e ON e.id = d.event_id ORDER BY d.next_attempt_ms, d.seq";

    /// <summary>The skipped endpoints travel as one array parameter, so any number of them fits and none is ever part of
    /// the query's text.</summary>
    internal const string SkipCondition = " AND endpoint_id <> ALL (@skip)";

    private const string ClaimAllSql = ClaimSql;

    private static readonly string ClaimExceptSql = ClaimSql.Replace("/*skip*/", SkipCondition, StringComparison.Ordinal);

    /// <inheritdoc />
    public Task<(WebhookDelivery Delivery, WebhookEndpointState Endpoint)> RecordAttemptAsync(WebhookAttemptResult result, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(result);
        return RunInTransactionAsync<(WebhookDelivery, WebhookEndpointState)>(
            "write to",
            async (connection, transaction, ct) =>
            {
                // The delivery's row, then its endpoint's, locked in that order: two dispatchers recording attempts to one
                // endpoint count its failures in turn, and a late result meets the delivery as the other left it.
                var delivery = await FindLockedAsync(connection, transaction, result.DeliveryId, ct).ConfigureAwait(false);
                if (WebhookOutboxRules.IsSettled(delivery))
                {
                    return (delivery, await PostgresWebhookRows.ReadEndpointAsync(connection, transaction, delivery.EndpointId, forUpdate: false, ct).ConfigureAwait(false));
                }

                var endpoint = await PostgresWebhookRows.ReadEndpointAsync(connection, transaction, delivery.EndpointId, forUpdate: true, ct).ConfigureAwait(false);
                var updated = PostgresWebhookRows.AsStored(WebhookOutboxRules.Apply(delivery, result));
                await PostgresWebhookRows.UpdateAsync(connection, transaction, updated, ct).ConfigureAwait(false);
                endpoint = endpoint with { ConsecutiveFailures = WebhookOutboxRules.ConsecutiveFailuresAfter(endpoint.ConsecutiveFailures, updated.State) };
                await PostgresWebhookRows.WriteEndpointAsync(connection, transaction, endpoint, ct).ConfigureAwait(false);
                return (updated, endpoint);
            },
            cancellationToken);
    }

    /// <inheritdoc />
    public Task<WebhookDelivery> KillAsync(string deliveryId, string reason, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(deliveryId);
        ArgumentException.ThrowIfNullOrWhiteSpace(reason);
        return ChangeAsync(deliveryId, delivery => WebhookOutboxRules.Kill(delivery, reason), cancellationToken);
    }

    /// <inheritdoc />
    public Task<WebhookDelivery> ReplayAsync(string deliveryId, DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(deliveryId);
        return ChangeAsync(deliveryId, delivery => WebhookOutboxRules.Replay(delivery, now), cancellationToken);
    }

    /// <inheritdoc />
    public Task<int> ReplayDeadAsync(DateTimeOffset now, CancellationToken cancellationToken = default) =>
        RunAsync(
            "write to",
            async (connection, ct) =>
            {
                await using var command = PostgresWebhookRows.Command(
                    connection,
                    null,
                    "UPDATE webhook_deliveries SET state = 'pending', attempts = 0, next_attempt_ms = @now WHERE state = 'dead'",
                    ("now", now.ToUnixTimeMilliseconds()));
                return await command.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
            },
            cancellationToken);

    /// <inheritdoc />
    public Task<WebhookEndpointState> SetEndpointDisabledAsync(string endpointId, string? reason, DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(endpointId);
        PostgresWebhookRows.ThrowIfUnstorable([endpointId], nameof(endpointId));
        if (reason is null)
        {
            // Enabling is one statement (an upsert), outside a transaction: nothing stays open between statements.
            var enabled = new WebhookEndpointState { EndpointId = endpointId };
            return RunAsync(
                "write to",
                async (connection, ct) =>
                {
                    await PostgresWebhookRows.WriteEndpointAsync(connection, null, enabled, ct).ConfigureAwait(false);
                    return enabled;
                },
                cancellationToken,
                repeatable: true);
        }

        return RunInTransactionAsync(
            "write to",
            async (connection, transaction, ct) =>
            {
                // Checked under the endpoint row's lock, so of two dispatchers (two instances) disabling the endpoint at
                // once, the first keeps its reason and time and the second learns it was already disabled.
                var current = await PostgresWebhookRows.ReadEndpointAsync(connection, transaction, endpointId, forUpdate: true, ct, _database.IdleLimit).ConfigureAwait(false);
                if (current.IsDisabled)
                {
                    return current;
                }

                var state = current with { DisabledReason = PostgresWebhookRows.Storable(reason), DisabledAt = DateTimeOffset.FromUnixTimeMilliseconds(now.ToUnixTimeMilliseconds()) };
                await PostgresWebhookRows.WriteEndpointAsync(connection, transaction, state, ct).ConfigureAwait(false);
                return state;
            },
            cancellationToken,
            repeatable: true);
    }

    private Task<IReadOnlyList<WebhookDelivery>> ClaimAsync(DateTimeOffset now, TimeSpan lease, int limit, string[] skipEndpoints, CancellationToken cancellationToken) =>
        RunAsync<IReadOnlyList<WebhookDelivery>>(
            "claim from",
            async (connection, ct) => skipEndpoints.Length == 0
                ? await PostgresWebhookRows.QueryAsync(connection, null, ClaimAllSql, ct, ("now", now.ToUnixTimeMilliseconds()), ("until", (now + lease).ToUnixTimeMilliseconds()), ("limit", limit)).ConfigureAwait(false)
                : await PostgresWebhookRows.QueryAsync(connection, null, ClaimExceptSql, ct, ("now", now.ToUnixTimeMilliseconds()), ("until", (now + lease).ToUnixTimeMilliseconds()), ("limit", limit), ("skip", skipEndpoints)).ConfigureAwait(false),
            cancellationToken,
            repeatable: true);

    /// <summary>Routes the oldest unrouted events no other routing holds: deliveries to the endpoints that subscribe, and
    /// the unrouted row deleted either way, in one transaction, whose idle time is bounded (<see cref="PostgresDatabase.IdleLimit"/>,
    /// in the statement that locks the rows): <see cref="DropUnroutedAsync"/> waits on the rows it holds.</summary>
    private static async Task<(int Routed, int Dropped)> RouteAsync(NpgsqlConnection connection, PostgresDatabase database, Func<string, IReadOnlyList<string>> endpointsFor, DateTimeOffset now, int limit, CancellationToken cancellationToken)
    {
        // A pass with nothing waiting (most passes) is one statement, outside a transaction, that locks nothing.
        await using (var any = PostgresWebhookRows.Command(connection, null, "SELECT EXISTS (SELECT 1 FROM webhook_unrouted)"))
        {
            if (!(bool)(await any.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!)
            {
                return (0, 0);
            }
        }

        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        var waiting = new List<(string Id, string Type, string Body)>();
        await using (var read = PostgresWebhookRows.Command(
            connection,
            transaction,
            "SELECT e.id, e.type, e.body, " + database.IdleLimit + " FROM webhook_unrouted u JOIN webhook_events e ON e.id = u.event_id "
            + "ORDER BY u.created_ms, u.event_id LIMIT @limit FOR UPDATE OF u SKIP LOCKED",
            ("limit", limit)))
        await using (var reader = await read.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
        {
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                waiting.Add((reader.GetString(0), reader.GetString(1), reader.GetString(2)));
            }
        }

        var routed = 0;
        var ms = now.ToUnixTimeMilliseconds();
        foreach (var (id, type, body) in waiting)
        {
            var endpoints = endpointsFor(type) ?? [];
            if (endpoints.Count > 0)
            {
                await PostgresWebhookRows.InsertDeliveriesAsync(connection, transaction, id, type, body, endpoints, ms, cancellationToken).ConfigureAwait(false);
                routed++;
            }
        }

        if (waiting.Count > 0)
        {
            await using var delete = PostgresWebhookRows.Command(connection, transaction, "DELETE FROM webhook_unrouted WHERE event_id = ANY (@ids)", ("ids", waiting.Select(w => w.Id).ToArray()));
            await delete.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return (routed, waiting.Count - routed);
    }

    /// <summary>Changes one delivery under its row lock; a kill or a replay, which leave the same row when run twice.</summary>
    private Task<WebhookDelivery> ChangeAsync(string deliveryId, Func<WebhookDelivery, WebhookDelivery> change, CancellationToken cancellationToken) =>
        RunInTransactionAsync(
            "write to",
            async (connection, transaction, ct) =>
            {
                var changed = PostgresWebhookRows.AsStored(change(await FindLockedAsync(connection, transaction, deliveryId, ct).ConfigureAwait(false)));
                await PostgresWebhookRows.UpdateAsync(connection, transaction, changed, ct).ConfigureAwait(false);
                return changed;
            },
            cancellationToken,
            repeatable: true);

    /// <summary>Reads a delivery and locks its row, in the statement that also bounds the transaction's idle time
    /// (<see cref="PostgresWebhookRows.FindLockedSql"/>): the first statement of a change of a delivery.</summary>
    private async Task<WebhookDelivery> FindLockedAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string deliveryId, CancellationToken cancellationToken) =>
        (PostgresWebhookRows.IsStorable(deliveryId) ? (await PostgresWebhookRows.QueryAsync(connection, transaction, _findLocked, cancellationToken, ("id", deliveryId)).ConfigureAwait(false)).FirstOrDefault() : null)
        ?? throw WebhookOutboxRules.NotFound(deliveryId);

    /// <summary>Runs <paramref name="work"/> in one transaction, committed when it returns. The statement of
    /// <paramref name="work"/> that takes its first lock (<see cref="FindLockedAsync"/>, the endpoint's read) also bounds how
    /// long the transaction may then sit idle (<see cref="PostgresDatabase.IdleLimit"/>), in its round trip: each locks a
    /// delivery's row or an endpoint's, which the dispatchers of every instance wait on, and a host frozen or cut off inside
    /// it would otherwise hold them until TCP keepalive gives up.</summary>
    private Task<T> RunInTransactionAsync<T>(string action, Func<NpgsqlConnection, NpgsqlTransaction, CancellationToken, Task<T>> work, CancellationToken cancellationToken, bool repeatable = false) =>
        RunAsync(
            action,
            async (connection, ct) =>
            {
                await using var transaction = await connection.BeginTransactionAsync(ct).ConfigureAwait(false);
                var result = await work(connection, transaction, ct).ConfigureAwait(false);
                await transaction.CommitAsync(ct).ConfigureAwait(false);
                return result;
            },
            cancellationToken,
            repeatable);

    /// <summary>Runs <paramref name="work"/> on a pooled connection once the tables are there. A connection or server
    /// problem becomes a <see cref="TraceStoreException"/> naming the database; a canceled token, an
    /// <see cref="OperationCanceledException"/>.</summary>
    /// <param name="action">What failed, for the message: <c>read</c>, <c>write to</c>...</param>
    /// <param name="work">The operation.</param>
    /// <param name="cancellationToken">Cancels it.</param>
    /// <param name="repeatable">Whether running <paramref name="work"/> a second time after a broken connection leaves the
    /// same result as once, so it is run once more on a new connection. The first call after the server came back
    /// (a restart, a failover) meets a pooled connection the server closed, which fails when read; a read, a claim
    /// (a claimed row whose answer was lost comes back when its lease ends), routing, a kill or a replay then simply
    /// runs again. Recording an attempt is not repeatable (it would count the attempt twice), so it fails, and the
    /// delivery is sent again when its lease ends.</param>
    private async Task<T> RunAsync<T>(string action, Func<NpgsqlConnection, CancellationToken, Task<T>> work, CancellationToken cancellationToken, bool repeatable = false)
    {
        cancellationToken.ThrowIfCancellationRequested();
        _lifetime.ThrowIfDisposed();
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                await PostgresWebhookSchema.EnsureAsync(_database, cancellationToken).ConfigureAwait(false);
                await using var connection = await _database.OpenAsync(cancellationToken).ConfigureAwait(false);
                return await work(connection, cancellationToken).ConfigureAwait(false);
            }
            catch (NpgsqlException exception) when (cancellationToken.IsCancellationRequested)
            {
                throw new OperationCanceledException($"The operation on the webhook outbox '{Location}' was canceled.", exception, cancellationToken);
            }
            catch (NpgsqlException exception) when (repeatable && attempt == 0 && IsBrokenConnection(exception))
            {
                // Once more, on a new connection: Npgsql has dropped the broken one.
            }
            catch (NpgsqlException exception)
            {
                // The message of Npgsql names the host and port, never the password.
                throw new TraceStoreException($"Cannot {action} the webhook outbox '{Location}': {exception.Message}", exception);
            }
            catch (ObjectDisposedException exception) when (_lifetime.IsDisposed)
            {
                throw _lifetime.Disposed(exception);
            }
        }
    }

    /// <summary>Whether <paramref name="exception"/> says the connection broke or the server is going away or starting
    /// (not a timeout, which a second try would only wait for again, nor an error of the statement).</summary>
    private static bool IsBrokenConnection(NpgsqlException exception) => exception switch
    {
        PostgresException server => PostgresDatabase.IsConnectionLost(server),
        _ => exception.IsTransient && exception.InnerException is not TimeoutException,
    };
}
