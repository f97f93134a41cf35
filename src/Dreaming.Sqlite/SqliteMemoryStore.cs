using Microsoft.Data.Sqlite;

namespace Dreaming.Sqlite;

/// <summary>A memory store in the same embedded SQLite database file as the <see cref="SqliteTraceStore"/>: durable, safe for
/// several threads and processes.</summary>
/// <remarks>
/// <para>The tables (<c>memory_versions</c> and <c>memory_insights</c>) come with schema version 2 and are created or
/// migrated on first use, by whichever of the two stores opens the file first; the rules about files the store refuses are
/// those of <see cref="SqliteTraceStore"/>, and failures are reported as <see cref="TraceStoreException"/> naming the file.</para>
/// <para>Every write is one immediate transaction that holds the database's write lock from its checks to its commit, so
/// two approvals racing, in this process or another, cannot leave two active versions; a unique index on the active
/// version of each scope and triggers that refuse deletes and content changes guard the same rules inside the file.</para>
/// <para>Times are kept as unix milliseconds and come back in UTC.</para>
/// </remarks>
public sealed class SqliteMemoryStore : IMemoryStore, IMemoryWebhookWriter, IDisposable
{
    private readonly TimeProvider _time;
    private readonly SqliteStoreConnection<SqliteMemoryWriter> _connection;

    /// <summary>Initializes a new instance. Nothing is opened until first use.</summary>
    /// <param name="options">The settings, shared with the trace store of the same file.</param>
    /// <param name="timeProvider">The clock that stamps versions and reviews; the system clock when <see langword="null"/>.</param>
    /// <exception cref="ArgumentException">A setting is invalid; the message names it.</exception>
    public SqliteMemoryStore(SqliteTraceStoreOptions options, TimeProvider? timeProvider = null)
    {
        _connection = new SqliteStoreConnection<SqliteMemoryWriter>(options, static connection => new SqliteMemoryWriter(connection), this);
        _time = timeProvider ?? TimeProvider.System;
        UnroutedWebhooks = options.WriteUnroutedWebhooks ? SqliteStoreWebhooks.Unrouted(_time) : null;
    }

    /// <summary>Initializes a new instance with default settings. Nothing is opened until first use.</summary>
    /// <param name="connectionString">A Microsoft.Data.Sqlite connection string, or the path of the database file.</param>
    /// <exception cref="ArgumentException">The connection string is invalid.</exception>
    public SqliteMemoryStore(string connectionString)
        : this(new SqliteTraceStoreOptions { ConnectionString = connectionString ?? throw new ArgumentNullException(nameof(connectionString)) })
    {
    }

    /// <summary>Gets the full path of the database file, or the data source when the database is not a file.</summary>
    public string Location => _connection.Database.Location;

    /// <inheritdoc />
    /// <remarks>True when webhooks with endpoints are configured and their outbox is a <see cref="SqliteWebhookOutboxStore"/>
    /// on this file (<c>UseSqliteStore</c> arranges it): the rows of <c>memory.version_proposed</c>,
    /// <c>memory.version_activated</c> and <c>memory.version_rejected</c> are then written in the transaction that proposes,
    /// approves, rolls back or rejects, so the change
    /// and its announcement are stored together or not at all.</remarks>
    public bool WritesMemoryWebhooks => Webhooks is { IsEnabled: true };

    /// <summary>Gets or sets the publisher whose endpoints get the memory rows; set by <c>UseSqliteStore</c>, only for an
    /// outbox on the same file.</summary>
    internal WebhookPublisher? Webhooks { get; set; }

    /// <summary>Gets or sets the publisher without endpoints that unrouted events are written through
    /// (<see cref="SqliteTraceStoreOptions.WriteUnroutedWebhooks"/>); used only when <see cref="Webhooks"/> has no endpoints,
    /// and cleared by <c>UseSqliteStore</c> in a process that has some.</summary>
    internal WebhookPublisher? UnroutedWebhooks { get; set; }

    /// <inheritdoc />
    public Task InitializeAsync(CancellationToken cancellationToken = default) => WithWriterAsync(static _ => true, cancellationToken);

    /// <inheritdoc />
    public Task<MemoryVersion> ProposeAsync(MemoryProposal proposal, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(proposal);
        return WithWebhooksAsync((writer, webhooks) => writer.Propose(proposal, Now(), webhooks), cancellationToken);
    }

    /// <inheritdoc />
    public Task<MemoryVersion?> GetVersionAsync(string versionId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(versionId);
        return WithReaderAsync(connection => SqliteMemoryRows.ReadVersion(connection, transaction: null, versionId), cancellationToken);
    }

    /// <inheritdoc />
    public Task<MemoryVersion?> GetActiveVersionAsync(MemoryScope scope, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(scope);
        return WithReaderAsync(
            connection => SqliteMemoryRows.ReadActiveSummary(connection, transaction: null, scope) is { } active
                ? SqliteMemoryRows.WithInsights(connection, transaction: null, active)
                : null,
            cancellationToken);
    }

    /// <inheritdoc />
    public Task<IReadOnlyList<MemoryVersionSummary>> ListVersionsAsync(MemoryScope scope, int limit = 50, int? beforeNumber = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(scope);
        MemoryStoreRules.CheckListLimit(limit);
        return WithReaderAsync<IReadOnlyList<MemoryVersionSummary>>(connection => SqliteMemoryRows.ReadPage(connection, scope, limit, beforeNumber), cancellationToken);
    }

    /// <inheritdoc />
    public Task<MemoryVersion> ApproveAsync(string versionId, MemoryAuthor reviewer, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(versionId);
        ArgumentNullException.ThrowIfNull(reviewer);
        return WithWebhooksAsync((writer, webhooks) => writer.Approve(versionId, reviewer, Now(), webhooks), cancellationToken);
    }

    /// <inheritdoc />
    public Task<MemoryVersion> RejectAsync(string versionId, MemoryAuthor reviewer, string? reason = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(versionId);
        ArgumentNullException.ThrowIfNull(reviewer);
        return WithWebhooksAsync((writer, webhooks) => writer.Reject(versionId, reviewer, reason, Now(), webhooks), cancellationToken);
    }

    /// <inheritdoc />
    public Task<MemoryVersion> EditAsync(string versionId, MemoryEdit edit, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(versionId);
        ArgumentNullException.ThrowIfNull(edit);
        return WithWebhooksAsync((writer, webhooks) => writer.Edit(versionId, edit, Now(), webhooks), cancellationToken);
    }

    /// <inheritdoc />
    public Task<MemoryVersion> RollbackAsync(string versionId, MemoryAuthor author, string? note = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(versionId);
        ArgumentNullException.ThrowIfNull(author);
        return WithWebhooksAsync((writer, webhooks) => writer.Rollback(versionId, author, note, Now(), webhooks), cancellationToken);
    }

    /// <inheritdoc />
    public Task<MemoryDiff> DiffAsync(string fromVersionId, string toVersionId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(fromVersionId);
        ArgumentNullException.ThrowIfNull(toVersionId);
        return WithReaderAsync(
            connection =>
            {
                var from = SqliteMemoryRows.ReadVersion(connection, transaction: null, fromVersionId) ?? throw MemoryVersionNotFoundException.ForId(fromVersionId);
                var to = SqliteMemoryRows.ReadVersion(connection, transaction: null, toVersionId) ?? throw MemoryVersionNotFoundException.ForId(toVersionId);
                return MemoryDiff.Between(from, to);
            },
            cancellationToken);
    }

    /// <summary>Closes the database. Waits for a write in progress to finish.</summary>
    public void Dispose() => _connection.Dispose();


    private DateTimeOffset Now() => _time.GetUtcNow();

    private Task<T> WithWriterAsync<T>(Func<SqliteMemoryWriter, T> work, CancellationToken cancellationToken) => _connection.WriteAsync(work, cancellationToken);

    private Task<MemoryVersion> WithWebhooksAsync(Func<SqliteMemoryWriter, WebhookPublisher?, (MemoryVersion Version, bool WroteWebhooks)> work, CancellationToken cancellationToken)
    {
        // The webhook wrapper may see only a decorator of the host's around this store: tell it, on the caller's flow,
        // that the rows go into this change's transaction, so it does not publish them again.
        WebhookStoreChange.WrittenBy(this);
        return _connection.WriteWithWebhooksAsync(Webhooks, work, cancellationToken, UnroutedWebhooks);
    }

    private Task<T> WithReaderAsync<T>(Func<SqliteConnection, T> work, CancellationToken cancellationToken) => _connection.ReadAsync(work, cancellationToken);

}
