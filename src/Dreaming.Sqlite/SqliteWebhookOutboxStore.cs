using Microsoft.Data.Sqlite;

namespace Dreaming.Sqlite;

/// <summary>A webhook outbox in the same embedded SQLite database file as the other SQLite stores: durable across restarts
/// and crashes, safe for several threads and processes.</summary>
/// <remarks>
/// <para>The tables come with schema version 5 and are created or migrated on first use by whichever store opens the file
/// first. Every operation is one immediate transaction, so two dispatchers (threads or processes) never claim the same
/// delivery at once. When webhooks are configured on the same file, the <see cref="SqliteTraceStore"/> writes
/// <c>session.*</c> rows in the very transaction that ends the session.</para>
/// <para>Times are kept as unix milliseconds and come back in UTC.</para>
/// </remarks>
public sealed class SqliteWebhookOutboxStore : IWebhookOutboxStore, IDisposable
{
    private readonly TimeProvider _time;
    private readonly SqliteStoreConnection<SqliteWebhookWriter> _connection;

    /// <summary>Initializes a new instance. Nothing is opened until first use.</summary>
    /// <param name="options">The settings, shared with the trace store of the same file.</param>
    /// <param name="timeProvider">The clock that stamps new rows; the system clock when <see langword="null"/>.</param>
    /// <exception cref="ArgumentException">A setting is invalid; the message names it.</exception>
    public SqliteWebhookOutboxStore(SqliteTraceStoreOptions options, TimeProvider? timeProvider = null)
    {
        _connection = new SqliteStoreConnection<SqliteWebhookWriter>(options, static connection => new SqliteWebhookWriter(connection), this);
        _time = timeProvider ?? TimeProvider.System;
    }

    /// <summary>Initializes a new instance with default settings. Nothing is opened until first use.</summary>
    /// <param name="connectionString">A Microsoft.Data.Sqlite connection string, or the path of the database file.</param>
    public SqliteWebhookOutboxStore(string connectionString)
        : this(new SqliteTraceStoreOptions { ConnectionString = connectionString ?? throw new ArgumentNullException(nameof(connectionString)) })
    {
    }

    /// <summary>Gets the full path of the database file, or the data source when the database is not a file.</summary>
    public string Location => _connection.Database.Location;

    /// <inheritdoc />
    public Task InitializeAsync(CancellationToken cancellationToken = default) => _connection.WriteAsync(static _ => true, cancellationToken);

    /// <inheritdoc />
    public Task<IReadOnlyList<WebhookDelivery>> EnqueueAsync(WebhookEvent webhookEvent, IReadOnlyList<string> endpointIds, CancellationToken cancellationToken = default)
    {
        WebhookOutboxRules.CheckEnqueue(webhookEvent, endpointIds);
        if (endpointIds.Count == 0)
        {
            return Task.FromResult<IReadOnlyList<WebhookDelivery>>([]);
        }

        var now = _time.GetUtcNow();
        return _connection.WriteAsync<IReadOnlyList<WebhookDelivery>>(writer => writer.Enqueue(webhookEvent, endpointIds, now), cancellationToken);
    }

    /// <summary>Adds an event with no delivery, as an <em>unrouted</em> event: the event and a <c>webhook_unrouted</c> row, in
    /// one immediate transaction, for the <see cref="WebhookDispatcher"/> of an app with endpoints on this file to route
    /// (<see cref="RouteUnroutedAsync"/>) to those of its endpoints that subscribe to the type. It is what a process without
    /// webhook endpoints (the <c>dreaming</c> tool) writes so that an app's receivers hear of a change it made.</summary>
    /// <param name="webhookEvent">The event; its body is serialised once here and never changes.</param>
    /// <param name="cancellationToken">Cancels the operation; nothing is written when it is canceled before the commit.</param>
    /// <returns>A task that completes when the event is stored.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="webhookEvent"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException">The event id is not a valid <c>webhook-id</c> (<see cref="WebhookOutboxRules.CheckEnqueue"/>),
    /// or it is already in the outbox.</exception>
    /// <remarks>Thread-safe; safe with other processes on the file.</remarks>
    public Task EnqueueUnroutedAsync(WebhookEvent webhookEvent, CancellationToken cancellationToken = default)
    {
        WebhookOutboxRules.CheckEnqueue(webhookEvent, []);
        var now = _time.GetUtcNow();
        return _connection.WriteAsync(writer => writer.Enqueue(webhookEvent, [], now), cancellationToken);
    }

    /// <inheritdoc />
    public Task<IReadOnlyList<WebhookDelivery>> ClaimDueAsync(DateTimeOffset now, TimeSpan lease, int limit, CancellationToken cancellationToken = default)
    {
        WebhookOutboxRules.CheckClaim(lease, limit);
        return _connection.WriteAsync<IReadOnlyList<WebhookDelivery>>(writer => writer.ClaimDue(now, lease, limit, []), cancellationToken);
    }

    /// <inheritdoc />
    public Task<IReadOnlyList<WebhookDelivery>> ClaimDueExceptAsync(DateTimeOffset now, TimeSpan lease, int limit, IReadOnlyCollection<string> skipEndpoints, CancellationToken cancellationToken = default)
    {
        WebhookOutboxRules.CheckClaim(lease, limit);
        ArgumentNullException.ThrowIfNull(skipEndpoints);
        string[] skip = [.. skipEndpoints];
        return _connection.WriteAsync<IReadOnlyList<WebhookDelivery>>(writer => writer.ClaimDue(now, lease, limit, skip), cancellationToken);
    }

    /// <inheritdoc />
    /// <remarks>Reads first whether any event waits, so a pass with none takes no write lock; the routing itself is one
    /// immediate transaction (it waits for another process's write, and two dispatchers route in turn).</remarks>
    public async Task<(int Routed, int Dropped)> RouteUnroutedAsync(Func<string, IReadOnlyList<string>> endpointsFor, DateTimeOffset now, int limit, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(endpointsFor);
        ArgumentOutOfRangeException.ThrowIfLessThan(limit, 1);
        if (!await _connection.ReadAsync(static connection => SqliteWebhookRows.AnyUnrouted(connection), cancellationToken).ConfigureAwait(false))
        {
            return (0, 0);
        }

        return await _connection.WriteAsync(writer => writer.RouteUnrouted(endpointsFor, now, limit), cancellationToken).ConfigureAwait(false);
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
        return _connection.ReadAsync<IReadOnlyList<(string, string, DateTimeOffset)>>(connection => SqliteWebhookRows.ListUnrouted(connection, limit), cancellationToken);
    }

    /// <summary>Drops the unrouted events written before a time, so that no dispatcher routes them: the events a process
    /// without endpoints (the <c>dreaming</c> tool) wrote for an app that had no webhooks then, which an app that gets
    /// <c>AddWebhooks</c> later (or is upgraded to a build that routes) would otherwise deliver at its next passes,
    /// however old.</summary>
    /// <param name="writtenBefore">Events written before this time are dropped; later ones keep waiting.</param>
    /// <param name="cancellationToken">Cancels the operation; nothing is dropped when it is canceled before the step commits.</param>
    /// <returns>The ids of the events dropped, oldest first.</returns>
    /// <remarks>One immediate transaction (it waits for another process's write), so an event a dispatcher routes at the
    /// same time is either routed or dropped, never both. The events themselves stay in the outbox, with no delivery, as
    /// an event routing drops does (webhook events are never deleted). Thread-safe.</remarks>
    public Task<IReadOnlyList<string>> DropUnroutedAsync(DateTimeOffset writtenBefore, CancellationToken cancellationToken = default) =>
        _connection.WriteAsync<IReadOnlyList<string>>(writer => writer.DropUnrouted(writtenBefore), cancellationToken);

    /// <inheritdoc />
    public Task<(WebhookDelivery Delivery, WebhookEndpointState Endpoint)> RecordAttemptAsync(WebhookAttemptResult result, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(result);
        return _connection.WriteAsync(writer => writer.RecordAttempt(result), cancellationToken);
    }

    /// <inheritdoc />
    public Task<WebhookDelivery> KillAsync(string deliveryId, string reason, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(deliveryId);
        ArgumentException.ThrowIfNullOrWhiteSpace(reason);
        return _connection.WriteAsync(writer => writer.Kill(deliveryId, reason), cancellationToken);
    }

    /// <inheritdoc />
    public Task<WebhookDelivery> ReplayAsync(string deliveryId, DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(deliveryId);
        return _connection.WriteAsync(writer => writer.Replay(deliveryId, now), cancellationToken);
    }

    /// <inheritdoc />
    public Task<int> ReplayDeadAsync(DateTimeOffset now, CancellationToken cancellationToken = default) =>
        _connection.WriteAsync(writer => writer.ReplayDead(now), cancellationToken);

    /// <inheritdoc />
    public Task<WebhookDelivery?> GetAsync(string deliveryId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(deliveryId);
        return _connection.ReadAsync(connection => SqliteWebhookRows.Find(connection, null, deliveryId), cancellationToken);
    }

    /// <inheritdoc />
    public Task<IReadOnlyList<WebhookDelivery>> ListAsync(WebhookDeliveryState? state = null, int limit = 100, CancellationToken cancellationToken = default)
    {
        WebhookOutboxRules.CheckListLimit(limit);
        return _connection.ReadAsync<IReadOnlyList<WebhookDelivery>>(
            connection => state is { } only
                ? SqliteWebhookRows.Select(connection, null, "WHERE d.state = $state ORDER BY d.seq DESC LIMIT $limit", ("$state", SqliteWebhookRows.StateName(only)), ("$limit", limit))
                : SqliteWebhookRows.Select(connection, null, "ORDER BY d.seq DESC LIMIT $limit", ("$limit", limit)),
            cancellationToken);
    }

    /// <inheritdoc />
    public Task<WebhookEndpointState> GetEndpointAsync(string endpointId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(endpointId);
        return _connection.ReadAsync(connection => SqliteWebhookRows.ReadEndpoint(connection, null, endpointId), cancellationToken);
    }

    /// <inheritdoc />
    public Task<WebhookEndpointState> SetEndpointDisabledAsync(string endpointId, string? reason, DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(endpointId);
        return _connection.WriteAsync(writer => writer.SetEndpointDisabled(endpointId, reason, now), cancellationToken);
    }

    /// <summary>Closes the database. Waits for a write in progress to finish.</summary>
    public void Dispose() => _connection.Dispose();
}
