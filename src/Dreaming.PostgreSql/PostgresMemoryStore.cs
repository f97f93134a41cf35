using System.Collections.Concurrent;
using Npgsql;

namespace Dreaming.PostgreSql;

/// <summary>A memory store in a PostgreSQL database that several instances of an application share: durable, safe for
/// several threads, store objects and processes.</summary>
/// <remarks>
/// <para>The tables (<c>memory_versions</c> and <c>memory_insights</c>, the <c>memory</c> component of
/// <c>schema_versions</c>) are created or migrated on first use. Failures are reported as <see cref="TraceStoreException"/>
/// naming the location (host, port, database and schema; never the password).</para>
/// <para>Every change is one transaction that holds a transaction-level advisory lock on its scope from its checks to its
/// commit, so two approvals racing, in this process or another, cannot leave two active versions (the second sees the
/// first's and throws <see cref="MemoryStateException"/>, as with SQLite); a unique index on the active version of each scope
/// and triggers that refuse deletes, truncation and content changes guard the same rules inside the database.</para>
/// <para>Times are kept as unix milliseconds and come back in UTC. Text comes back as given, a NUL too (PostgreSQL text
/// cannot hold U+0000, so such text is stored escaped, as the trace store stores it); half a surrogate pair, which UTF-8
/// cannot hold, comes back as U+FFFD, as with SQLite.</para>
/// </remarks>
public sealed class PostgresMemoryStore : IMemoryStore, IMemoryWebhookWriter, IAsyncDisposable, IDisposable
{
    /// <summary>The most scopes whose last active version a store object remembers (<see cref="GetActiveVersionAsync"/>).</summary>
    public const int RememberedScopes = 256;

    private readonly ConcurrentDictionary<string, MemoryVersion> _active = new(StringComparer.Ordinal);
    private readonly TimeProvider _time;
    private readonly PostgresStoreCalls _calls;
    private readonly PostgresMemoryWriter _writer;
    private WebhookPublisher? _webhooks;

    /// <summary>Initializes a new instance with a connection pool of its own. Nothing connects until first use.</summary>
    /// <param name="options">The settings.</param>
    /// <param name="timeProvider">The clock that stamps versions and reviews; the system clock when <see langword="null"/>.</param>
    /// <exception cref="ArgumentNullException"><paramref name="options"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException">A setting is invalid; the message names it.</exception>
    public PostgresMemoryStore(PostgresStoreOptions options, TimeProvider? timeProvider = null)
        : this(new PostgresDatabase(options), ownsDatabase: true, timeProvider)
    {
    }

    /// <summary>Initializes a new instance on a shared database, which its owner disposes (<c>UsePostgresStore</c>).</summary>
    internal PostgresMemoryStore(PostgresDatabase database, TimeProvider? timeProvider = null)
        : this(database, ownsDatabase: false, timeProvider)
    {
    }

    private PostgresMemoryStore(PostgresDatabase database, bool ownsDatabase, TimeProvider? timeProvider)
    {
        _calls = new PostgresStoreCalls(database, ownsDatabase, this, (PostgresMemoryMigrations.Component, PostgresMemoryMigrations.Scripts, Array.Empty<(string, string)>()));
        _writer = new PostgresMemoryWriter(database);
        _time = timeProvider ?? TimeProvider.System;
        Webhooks = database.WriteUnroutedWebhooks ? PostgresStoreWebhooks.Unrouted(_time) : null;
    }

    /// <summary>Gets where the tables are, as <c>host:port/database/schema</c>, without credentials.</summary>
    public string Location => _calls.Database.Location;

    /// <inheritdoc />
    /// <remarks>True when webhooks with endpoints are configured and their outbox is in the same database and schema
    /// (<c>UsePostgresStore</c> arranges it): the rows of <c>memory.version_proposed</c>, <c>memory.version_activated</c>
    /// and <c>memory.version_rejected</c> are then written in the transaction that proposes, approves, rolls back or
    /// rejects, so the change and its announcement are stored together or not at all.</remarks>
    public bool WritesMemoryWebhooks => _webhooks is { IsEnabled: true };

    /// <summary>Gets or sets the publisher whose endpoints get the memory rows; set by <c>UsePostgresStore</c>, only for an
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
    public Task<MemoryVersion> ProposeAsync(MemoryProposal proposal, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(proposal);
        return WriteAsync((connection, token) => _writer.ProposeAsync(connection, proposal, Now(), token), cancellationToken);
    }

    /// <inheritdoc />
    public Task<MemoryVersion?> GetVersionAsync(string versionId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(versionId);
        return ReadAsync((connection, token) => PostgresMemoryRows.ReadVersionAsync(connection, transaction: null, versionId, token), cancellationToken);
    }

    /// <inheritdoc />
    /// <remarks>Every call asks the server which version is active (one statement, as fresh as any read), but the server
    /// sends the version's insights and notes only when it is not the one this store object read last for the scope
    /// (what a session start reads again and again): a version's content never changes, nor its review while it is
    /// active. That version is then returned again, the same instance to every caller (versions are immutable). The store
    /// remembers the last active version of at most <see cref="RememberedScopes"/> scopes (then it forgets them all and
    /// starts again). Thread-safe.</remarks>
    public Task<MemoryVersion?> GetActiveVersionAsync(MemoryScope scope, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(scope);
        return ReadAsync(
            async (connection, token) =>
            {
                _active.TryGetValue(scope.Key, out var known);
                var version = await PostgresMemoryRows.ReadActiveVersionAsync(connection, scope, known, token).ConfigureAwait(false);
                Remember(scope.Key, known, version);
                return version;
            },
            cancellationToken);
    }

    /// <inheritdoc />
    public Task<IReadOnlyList<MemoryVersionSummary>> ListVersionsAsync(MemoryScope scope, int limit = 50, int? beforeNumber = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(scope);
        MemoryStoreRules.CheckListLimit(limit);
        return ReadAsync((connection, token) => PostgresMemoryRows.ReadPageAsync(connection, scope, limit, beforeNumber, token), cancellationToken);
    }

    /// <inheritdoc />
    public Task<MemoryVersion> ApproveAsync(string versionId, MemoryAuthor reviewer, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(versionId);
        ArgumentNullException.ThrowIfNull(reviewer);
        return WriteAsync((connection, token) => _writer.ApproveAsync(connection, versionId, reviewer, Now(), token), cancellationToken);
    }

    /// <inheritdoc />
    public Task<MemoryVersion> RejectAsync(string versionId, MemoryAuthor reviewer, string? reason = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(versionId);
        ArgumentNullException.ThrowIfNull(reviewer);
        return WriteAsync((connection, token) => _writer.RejectAsync(connection, versionId, reviewer, reason, Now(), token), cancellationToken);
    }

    /// <inheritdoc />
    public Task<MemoryVersion> EditAsync(string versionId, MemoryEdit edit, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(versionId);
        ArgumentNullException.ThrowIfNull(edit);
        return WriteAsync((connection, token) => _writer.EditAsync(connection, versionId, edit, Now(), token), cancellationToken);
    }

    /// <inheritdoc />
    public Task<MemoryVersion> RollbackAsync(string versionId, MemoryAuthor author, string? note = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(versionId);
        ArgumentNullException.ThrowIfNull(author);
        return WriteAsync((connection, token) => _writer.RollbackAsync(connection, versionId, author, note, Now(), token), cancellationToken);
    }

    /// <inheritdoc />
    public Task<MemoryDiff> DiffAsync(string fromVersionId, string toVersionId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(fromVersionId);
        ArgumentNullException.ThrowIfNull(toVersionId);
        return ReadAsync(
            async (connection, token) =>
            {
                var from = await PostgresMemoryRows.ReadVersionAsync(connection, transaction: null, fromVersionId, token).ConfigureAwait(false) ?? throw MemoryVersionNotFoundException.ForId(fromVersionId);
                var to = await PostgresMemoryRows.ReadVersionAsync(connection, transaction: null, toVersionId, token).ConfigureAwait(false) ?? throw MemoryVersionNotFoundException.ForId(toVersionId);
                return MemoryDiff.Between(from, to);
            },
            cancellationToken);
    }

    /// <summary>Stops further calls and, when the store made its own connection pool, closes it.</summary>
    /// <returns>A task that completes when the pool is closed.</returns>
    public ValueTask DisposeAsync() => _calls.DisposeAsync();

    /// <summary>Stops further calls and, when the store made its own connection pool, closes it.</summary>
    public void Dispose() => _calls.Dispose();

    private DateTimeOffset Now() => _time.GetUtcNow();

    /// <summary>Remembers the active version of a scope, or that it has none. Two reads racing may leave the older of two
    /// versions remembered: the next read then finds it is not the active one, and reads the version whole. The usual read,
    /// of the version already remembered, changes nothing (counting the dictionary takes all its locks).</summary>
    private void Remember(string scopeKey, MemoryVersion? known, MemoryVersion? version)
    {
        if (version is null)
        {
            _active.TryRemove(scopeKey, out _);
            return;
        }

        if (ReferenceEquals(version, known))
        {
            return;
        }

        if (!_active.ContainsKey(scopeKey) && _active.Count >= RememberedScopes)
        {
            _active.Clear();
        }

        _active[scopeKey] = version;
    }

    private Task<MemoryVersion> WriteAsync(Func<NpgsqlConnection, CancellationToken, Task<(MemoryVersion Version, bool WroteWebhooks)>> work, CancellationToken cancellationToken)
    {
        // The webhook wrapper may see only a decorator of the host's around this store: tell it, on the caller's flow,
        // that the rows go into this change's transaction, so it does not publish them again.
        WebhookStoreChange.WrittenBy(this);
        return _calls.RunWithWebhooksAsync(_webhooks, work, cancellationToken);
    }

    private Task<T> ReadAsync<T>(Func<NpgsqlConnection, CancellationToken, Task<T>> work, CancellationToken cancellationToken) =>
        _calls.RunAsync(work, "Cannot read", cancellationToken);
}
