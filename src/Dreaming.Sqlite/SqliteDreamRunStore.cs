using Microsoft.Data.Sqlite;

namespace Dreaming.Sqlite;

/// <summary>A dream run store in the same embedded SQLite database file as the <see cref="SqliteTraceStore"/> and the
/// <see cref="SqliteMemoryStore"/>: durable, safe for several threads and processes.</summary>
/// <remarks>
/// <para>The <c>dream_runs</c> table comes with schema version 3 and is created or migrated on first use, by whichever store
/// opens the file first; the rules about files the store refuses are those of <see cref="SqliteTraceStore"/>, and failures
/// are reported as <see cref="TraceStoreException"/> naming the file.</para>
/// <para>Every transition is one immediate transaction that holds the database's write lock from its checks to its commit,
/// so of two starts racing for one scope, in this process or another, exactly one wins; a unique index on the running run of
/// each scope and triggers that refuse deletes and changes to finished runs guard the same rules inside the file.</para>
/// <para>Times are kept as unix milliseconds and come back in UTC.</para>
/// </remarks>
public sealed class SqliteDreamRunStore : IDreamRunStore, IDreamRunWebhookWriter, IDisposable
{
    private readonly TimeProvider _time;
    private readonly SqliteStoreConnection<SqliteDreamRunWriter> _connection;

    /// <summary>Initializes a new instance. Nothing is opened until first use.</summary>
    /// <param name="options">The settings, shared with the trace store of the same file.</param>
    /// <param name="timeProvider">The clock that stamps runs and judges leases; the system clock when <see langword="null"/>.</param>
    /// <exception cref="ArgumentException">A setting is invalid; the message names it.</exception>
    public SqliteDreamRunStore(SqliteTraceStoreOptions options, TimeProvider? timeProvider = null)
    {
        _connection = new SqliteStoreConnection<SqliteDreamRunWriter>(options, static connection => new SqliteDreamRunWriter(connection), this);
        _time = timeProvider ?? TimeProvider.System;
        UnroutedWebhooks = options.WriteUnroutedWebhooks ? SqliteStoreWebhooks.Unrouted(_time) : null;
    }

    /// <summary>Initializes a new instance with default settings. Nothing is opened until first use.</summary>
    /// <param name="connectionString">A Microsoft.Data.Sqlite connection string, or the path of the database file.</param>
    /// <exception cref="ArgumentException">The connection string is invalid.</exception>
    public SqliteDreamRunStore(string connectionString)
        : this(new SqliteTraceStoreOptions { ConnectionString = connectionString ?? throw new ArgumentNullException(nameof(connectionString)) })
    {
    }

    /// <summary>Gets the full path of the database file, or the data source when the database is not a file.</summary>
    public string Location => _connection.Database.Location;

    /// <inheritdoc />
    /// <remarks>True when webhooks with endpoints are configured and their outbox is a <see cref="SqliteWebhookOutboxStore"/>
    /// on this file (<c>UseSqliteStore</c> arranges it): the rows of <c>budget.reached</c>, <c>dream.completed</c> /
    /// <c>dream.failed</c> / <c>dream.canceled</c> and <c>insight.quarantined</c> are then written in the transaction that
    /// completes, fails or cancels a run
    /// (or fails the runs <see cref="RecoverAbandonedAsync"/> finds abandoned), so the end and its announcement are stored
    /// together or not at all.</remarks>
    public bool WritesDreamRunWebhooks => Webhooks is { IsEnabled: true };

    /// <summary>Gets or sets the publisher whose endpoints get the dream rows; set by <c>UseSqliteStore</c>, only for an
    /// outbox on the same file.</summary>
    internal WebhookPublisher? Webhooks { get; set; }

    /// <summary>Gets or sets the publisher without endpoints that unrouted events are written through
    /// (<see cref="SqliteTraceStoreOptions.WriteUnroutedWebhooks"/>); used only when <see cref="Webhooks"/> has no endpoints,
    /// and cleared by <c>UseSqliteStore</c> in a process that has some.</summary>
    internal WebhookPublisher? UnroutedWebhooks { get; set; }

    /// <inheritdoc />
    public Task InitializeAsync(CancellationToken cancellationToken = default) => WithWriterAsync(static _ => true, cancellationToken);

    /// <inheritdoc />
    public Task<DreamRun> CreateAsync(DreamRunRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        request.Validate();
        return WithWriterAsync(writer => writer.Create(request, Now()), cancellationToken);
    }

    /// <inheritdoc />
    public Task<DreamRun> StartAsync(string runId, string leaseHolder, TimeSpan leaseDuration, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(runId);
        DreamRunStoreRules.CheckLease(leaseHolder, leaseDuration);
        return WithWebhooksAsync((writer, webhooks) => writer.Start(runId, leaseHolder, leaseDuration, Now(), webhooks), cancellationToken);
    }

    /// <inheritdoc />
    public Task<DreamRun> RenewLeaseAsync(string runId, string leaseHolder, TimeSpan leaseDuration, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(runId);
        DreamRunStoreRules.CheckLease(leaseHolder, leaseDuration);
        return WithWriterAsync(writer => writer.Renew(runId, leaseHolder, leaseDuration, Now()), cancellationToken);
    }

    /// <inheritdoc />
    public Task<DreamRun> UpdateProgressAsync(string runId, DreamRunResults results, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(runId);
        ArgumentNullException.ThrowIfNull(results);
        return WithWriterAsync(writer => writer.UpdateProgress(runId, results), cancellationToken);
    }

    /// <inheritdoc />
    public Task<DreamRun> CompleteAsync(string runId, DreamRunResults results, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(runId);
        ArgumentNullException.ThrowIfNull(results);
        return WithWebhooksAsync((writer, webhooks) => writer.Complete(runId, results, Now(), webhooks), cancellationToken);
    }

    /// <inheritdoc />
    public Task<DreamRun> FailAsync(string runId, string reason, DreamRunResults? results = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(runId);
        ArgumentException.ThrowIfNullOrWhiteSpace(reason);
        return WithWebhooksAsync((writer, webhooks) => writer.Fail(runId, reason, results, Now(), webhooks), cancellationToken);
    }

    /// <inheritdoc />
    public Task<DreamRun> CancelAsync(string runId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(runId);
        return WithWebhooksAsync((writer, webhooks) => writer.Cancel(runId, Now(), webhooks), cancellationToken);
    }

    /// <inheritdoc />
    public Task<DreamRun?> GetAsync(string runId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(runId);
        return WithReaderAsync(connection => SqliteDreamRunRows.ReadRun(connection, transaction: null, runId), cancellationToken);
    }

    /// <inheritdoc />
    public Task<IReadOnlyList<DreamRun>> ListAsync(MemoryScope scope, int limit = 50, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(scope);
        DreamRunStoreRules.CheckListLimit(limit);
        return WithReaderAsync<IReadOnlyList<DreamRun>>(connection => SqliteDreamRunRows.ReadPage(connection, scope, limit), cancellationToken);
    }

    /// <inheritdoc />
    /// <remarks>One read through the index on (status, request time), or on the request time without a status: a page seeks
    /// to its cursor and reads the page (and one run more, to tell whether another page follows). The cursor is
    /// <see cref="DreamRunCursor"/> with the run's row number.</remarks>
    public Task<DreamRunPage> QueryRunsAsync(DreamRunQuery query, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        query.Validate();
        if (query.Cursor is { } cursor)
        {
            DreamRunCursor.Decode(cursor);
        }

        return WithReaderAsync(connection => SqliteDreamRunRows.ReadQueryPage(connection, query), cancellationToken);
    }

    /// <inheritdoc />
    public Task<DreamRun?> GetLastCompletedAsync(MemoryScope scope, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(scope);
        return WithReaderAsync(connection => SqliteDreamRunRows.ReadLastCompleted(connection, scope), cancellationToken);
    }

    /// <inheritdoc />
    /// <remarks>A run whose process stopped after it had written its memory version — under
    /// <see cref="DreamReviewMode.Auto"/> approved (active, or superseded since), under
    /// <see cref="DreamReviewMode.RequireApproval"/> proposed (reviewed in any way since), in this file, its author the run — is
    /// completed with the results it recorded, that version as its output and a note saying so, raising
    /// <c>dream.completed</c>: its sessions count as read. Every other run whose lease expired is failed with <see cref="DreamRunStoreRules.AbandonedError"/>.
    /// <see cref="StartAsync"/> ends the scope's abandoned run the same way.</remarks>
    public Task<IReadOnlyList<DreamRun>> RecoverAbandonedAsync(DateTimeOffset? now = null, CancellationToken cancellationToken = default) =>
        WithWebhooksAsync<IReadOnlyList<DreamRun>>((writer, webhooks) => writer.RecoverAbandoned(now is { } asOf ? Milliseconds(asOf) : Now(), webhooks), cancellationToken);

    /// <inheritdoc />
    /// <remarks>As <see cref="RecoverAbandonedAsync"/>, in one write transaction: the runs are read and ended in it, so a run
    /// renewed, ended or recovered by another process before it is left alone.</remarks>
    public Task<IReadOnlyList<DreamRun>> RecoverAsync(DreamRunRecovery recovery, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(recovery);
        recovery.Validate();
        return WithWebhooksAsync<IReadOnlyList<DreamRun>>(
            (writer, webhooks) =>
            {
                var asOf = recovery.Now is { } given ? Milliseconds(given) : Now();
                return writer.RecoverAbandoned(asOf, recovery.LeaseBound(asOf), recovery.Scope, webhooks);
            },
            cancellationToken);
    }

    /// <summary>Closes the database. Waits for a write in progress to finish.</summary>
    public void Dispose() => _connection.Dispose();


    private static DateTimeOffset Milliseconds(DateTimeOffset value) => DateTimeOffset.FromUnixTimeMilliseconds(value.ToUnixTimeMilliseconds());

    // Lease times are compared in the milliseconds the file keeps, as the in-memory store does.
    private DateTimeOffset Now() => Milliseconds(_time.GetUtcNow());

    private Task<T> WithWriterAsync<T>(Func<SqliteDreamRunWriter, T> work, CancellationToken cancellationToken) => _connection.WriteAsync(work, cancellationToken);

    private Task<T> WithWebhooksAsync<T>(Func<SqliteDreamRunWriter, WebhookPublisher?, (T Value, bool WroteWebhooks)> work, CancellationToken cancellationToken)
    {
        // The webhook wrapper may see only a decorator of the host's around this store: tell it, on the caller's flow,
        // that the rows go into this change's transaction, so it does not publish them again.
        WebhookStoreChange.WrittenBy(this);
        return _connection.WriteWithWebhooksAsync(Webhooks, work, cancellationToken, UnroutedWebhooks);
    }

    private Task<T> WithReaderAsync<T>(Func<SqliteConnection, T> work, CancellationToken cancellationToken) => _connection.ReadAsync(work, cancellationToken);

}
