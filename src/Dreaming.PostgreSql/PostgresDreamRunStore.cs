using Npgsql;

namespace Dreaming.PostgreSql;

/// <summary>A dream run store in a PostgreSQL database that several instances of an application share: durable, safe for
/// several threads, store objects and processes.</summary>
/// <remarks>
/// <para>The <c>dream_runs</c> table (the <c>dream_runs</c> component of <c>schema_versions</c>) is created or migrated on
/// first use, after the memory store's tables, which recovering an abandoned run reads. Failures are reported as
/// <see cref="TraceStoreException"/> naming the location (host, port, database and schema; never the password).</para>
/// <para>Every transition is one transaction that holds a transaction-level advisory lock on the run's scope from its checks
/// to its commit, so of two starts racing for one scope, from two hosts or one, exactly one wins (the other gets
/// <see cref="DreamConflictException"/>, as with SQLite); a unique index on the running run of each scope and triggers that
/// refuse deletes, truncation, request changes and changes to finished runs guard the same rules inside the database.</para>
/// <para>Times are kept as unix milliseconds and come back in UTC. Text comes back as given, a NUL too (PostgreSQL text
/// cannot hold U+0000, so such text is stored escaped, as the trace store stores it); half a surrogate pair, which UTF-8
/// cannot hold, comes back as U+FFFD, as with SQLite.</para>
/// </remarks>
public sealed class PostgresDreamRunStore : IDreamRunStore, IDreamRunWebhookWriter, IAsyncDisposable, IDisposable
{
    private readonly TimeProvider _time;
    private readonly PostgresStoreCalls _calls;
    private readonly PostgresDreamRunWriter _writer;
    private WebhookPublisher? _webhooks;

    /// <summary>Initializes a new instance with a connection pool of its own. Nothing connects until first use.</summary>
    /// <param name="options">The settings.</param>
    /// <param name="timeProvider">The clock that stamps runs and judges leases; the system clock when <see langword="null"/>.</param>
    /// <exception cref="ArgumentNullException"><paramref name="options"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException">A setting is invalid; the message names it.</exception>
    public PostgresDreamRunStore(PostgresStoreOptions options, TimeProvider? timeProvider = null)
        : this(new PostgresDatabase(options), ownsDatabase: true, timeProvider)
    {
    }

    /// <summary>Initializes a new instance on a shared database, which its owner disposes (<c>UsePostgresStore</c>).</summary>
    internal PostgresDreamRunStore(PostgresDatabase database, TimeProvider? timeProvider = null)
        : this(database, ownsDatabase: false, timeProvider)
    {
    }

    private PostgresDreamRunStore(PostgresDatabase database, bool ownsDatabase, TimeProvider? timeProvider)
    {
        _calls = new PostgresStoreCalls(
            database,
            ownsDatabase,
            this,
            (PostgresMemoryMigrations.Component, PostgresMemoryMigrations.Scripts, Array.Empty<(string, string)>()),
            (PostgresDreamRunMigrations.Component, PostgresDreamRunMigrations.Scripts, PostgresDreamRunMigrations.EnsuredIndexes));
        _writer = new PostgresDreamRunWriter(database);
        _time = timeProvider ?? TimeProvider.System;
        Webhooks = database.WriteUnroutedWebhooks ? PostgresStoreWebhooks.Unrouted(_time) : null;
    }

    /// <summary>Gets where the table is, as <c>host:port/database/schema</c>, without credentials.</summary>
    public string Location => _calls.Database.Location;

    /// <inheritdoc />
    /// <remarks>True when webhooks with endpoints are configured and their outbox is in the same database and schema
    /// (<c>UsePostgresStore</c> arranges it): the rows of <c>budget.reached</c>, <c>dream.completed</c> /
    /// <c>dream.failed</c> / <c>dream.canceled</c> and <c>insight.quarantined</c> are then written in the transaction that
    /// completes, fails or cancels a run (or ends the runs a start or <see cref="RecoverAbandonedAsync"/> finds abandoned),
    /// so the end and its announcement are stored together or not at all.</remarks>
    public bool WritesDreamRunWebhooks => _webhooks is { IsEnabled: true };

    /// <summary>Gets or sets the publisher whose endpoints get the dream rows; set by <c>UsePostgresStore</c>, only for an
    /// outbox in the same database and schema, or the one without endpoints that writes unrouted events
    /// (<see cref="PostgresStoreOptions.WriteUnroutedWebhooks"/>).</summary>
    internal WebhookPublisher? Webhooks
    {
        get => _webhooks;
        set
        {
            _webhooks = value;
            _writer.Webhooks = value;
        }
    }

    /// <inheritdoc />
    public Task InitializeAsync(CancellationToken cancellationToken = default) => _calls.InitializeAsync(cancellationToken);

    /// <inheritdoc />
    public Task<DreamRun> CreateAsync(DreamRunRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        request.Validate();
        return WriteAsync((connection, token) => PostgresDreamRunWriter.CreateAsync(connection, request, Now(), token), cancellationToken);
    }

    /// <inheritdoc />
    public Task<DreamRun> StartAsync(string runId, string leaseHolder, TimeSpan leaseDuration, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(runId);
        DreamRunStoreRules.CheckLease(leaseHolder, leaseDuration);
        return WriteEndedAsync((connection, token) => _writer.StartAsync(connection, runId, leaseHolder, leaseDuration, Now(), token), cancellationToken);
    }

    /// <inheritdoc />
    public Task<DreamRun> RenewLeaseAsync(string runId, string leaseHolder, TimeSpan leaseDuration, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(runId);
        DreamRunStoreRules.CheckLease(leaseHolder, leaseDuration);
        return WriteAsync((connection, token) => _writer.RenewAsync(connection, runId, leaseHolder, leaseDuration, Now(), token), cancellationToken);
    }

    /// <inheritdoc />
    public Task<DreamRun> UpdateProgressAsync(string runId, DreamRunResults results, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(runId);
        ArgumentNullException.ThrowIfNull(results);
        return WriteAsync((connection, token) => _writer.UpdateProgressAsync(connection, runId, results, token), cancellationToken);
    }

    /// <inheritdoc />
    public Task<DreamRun> CompleteAsync(string runId, DreamRunResults results, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(runId);
        ArgumentNullException.ThrowIfNull(results);
        return WriteEndedAsync((connection, token) => _writer.CompleteAsync(connection, runId, results, Now(), token), cancellationToken);
    }

    /// <inheritdoc />
    public Task<DreamRun> FailAsync(string runId, string reason, DreamRunResults? results = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(runId);
        ArgumentException.ThrowIfNullOrWhiteSpace(reason);
        return WriteEndedAsync((connection, token) => _writer.FailAsync(connection, runId, reason, results, Now(), token), cancellationToken);
    }

    /// <inheritdoc />
    public Task<DreamRun> CancelAsync(string runId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(runId);
        return WriteEndedAsync((connection, token) => _writer.CancelAsync(connection, runId, Now(), token), cancellationToken);
    }

    /// <inheritdoc />
    public Task<DreamRun?> GetAsync(string runId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(runId);
        return ReadAsync((connection, token) => PostgresDreamRunRows.ReadRunAsync(connection, transaction: null, runId, token), cancellationToken);
    }

    /// <inheritdoc />
    public Task<IReadOnlyList<DreamRun>> ListAsync(MemoryScope scope, int limit = 50, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(scope);
        DreamRunStoreRules.CheckListLimit(limit);
        return ReadAsync((connection, token) => PostgresDreamRunRows.ReadPageAsync(connection, scope, limit, token), cancellationToken);
    }

    /// <inheritdoc />
    /// <remarks>One read through the index on (status, request time, seq), or on (request time, seq) without a status
    /// (ensured indexes, <see cref="PostgresDreamRunMigrations.EnsuredIndexes"/>): a page seeks to its cursor and reads the page, and one run more to tell whether another
    /// page follows. The cursor is <see cref="DreamRunCursor"/> with the run's <c>seq</c>.</remarks>
    public Task<DreamRunPage> QueryRunsAsync(DreamRunQuery query, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        query.Validate();
        if (query.Cursor is { } cursor)
        {
            DreamRunCursor.Decode(cursor);
        }

        return ReadAsync((connection, token) => PostgresDreamRunRows.ReadQueryPageAsync(connection, query, token), cancellationToken);
    }

    /// <inheritdoc />
    public Task<DreamRun?> GetLastCompletedAsync(MemoryScope scope, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(scope);
        return ReadAsync((connection, token) => PostgresDreamRunRows.ReadLastCompletedAsync(connection, scope, token), cancellationToken);
    }

    /// <inheritdoc />
    /// <remarks>As the SQLite store: a run whose process stopped after it had written its memory version (under
    /// <see cref="DreamReviewMode.Auto"/> approved, under <see cref="DreamReviewMode.RequireApproval"/> proposed; its author
    /// the run) is completed with the results it recorded, that version as its output and a note saying so; every other run
    /// whose lease expired is failed with <see cref="DreamRunStoreRules.AbandonedError"/>. Several instances may recover at
    /// once: each run is ended by one of them, and returned by that one only.</remarks>
    public async Task<IReadOnlyList<DreamRun>> RecoverAbandonedAsync(DateTimeOffset? now = null, CancellationToken cancellationToken = default)
    {
        var asOf = now is { } given ? Milliseconds(given) : Now();
        WebhookStoreChange.WrittenBy(this);
        return await _calls.RunWithWebhooksAsync(_webhooks, (connection, token) => _writer.RecoverAbandonedAsync(connection, asOf, token), cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    /// <remarks>As <see cref="RecoverAbandonedAsync"/>: each run is judged again, against the recovery's lease bound, under its
    /// scope's lock in the transaction that ends it, so several instances recovering at once end each run once.</remarks>
    public async Task<IReadOnlyList<DreamRun>> RecoverAsync(DreamRunRecovery recovery, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(recovery);
        recovery.Validate();
        var asOf = recovery.Now is { } given ? Milliseconds(given) : Now();
        WebhookStoreChange.WrittenBy(this);
        return await _calls.RunWithWebhooksAsync(_webhooks, (connection, token) => _writer.RecoverAbandonedAsync(connection, asOf, recovery.LeaseBound(asOf), recovery.Scope, token), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Stops further calls and, when the store made its own connection pool, closes it.</summary>
    /// <returns>A task that completes when the pool is closed.</returns>
    public ValueTask DisposeAsync() => _calls.DisposeAsync();

    /// <summary>Stops further calls and, when the store made its own connection pool, closes it.</summary>
    public void Dispose() => _calls.Dispose();

    private static DateTimeOffset Milliseconds(DateTimeOffset value) => DateTimeOffset.FromUnixTimeMilliseconds(value.ToUnixTimeMilliseconds());

    // Lease times are compared in the milliseconds the table keeps, as the SQLite store does.
    private DateTimeOffset Now() => Milliseconds(_time.GetUtcNow());

    private Task<DreamRun> WriteAsync(Func<NpgsqlConnection, CancellationToken, Task<DreamRun>> work, CancellationToken cancellationToken) =>
        _calls.RunAsync(work, "Cannot write to", cancellationToken);

    private Task<DreamRun> WriteEndedAsync(Func<NpgsqlConnection, CancellationToken, Task<(DreamRun Run, bool WroteWebhooks)>> work, CancellationToken cancellationToken)
    {
        // The webhook wrapper may see only a decorator of the host's around this store: tell it, on the caller's flow,
        // that the rows go into this change's transaction, so it does not publish them again.
        WebhookStoreChange.WrittenBy(this);
        return _calls.RunWithWebhooksAsync(_webhooks, work, cancellationToken);
    }

    private Task<T> ReadAsync<T>(Func<NpgsqlConnection, CancellationToken, Task<T>> work, CancellationToken cancellationToken) =>
        _calls.RunAsync(work, "Cannot read", cancellationToken);
}
