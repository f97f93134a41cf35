using Npgsql;

namespace Dreaming.PostgreSql;

/// <summary>The call plumbing the PostgreSQL memory and dream run stores share: the components migrated on first use, a
/// pooled connection per call, disposal, and Npgsql errors turned into <see cref="TraceStoreException"/>s that name the
/// store's location (never its password).</summary>
internal sealed class PostgresStoreCalls : IAsyncDisposable, IDisposable
{
    private readonly (string Component, IReadOnlyList<string> Migrations, IReadOnlyList<(string Name, string On)> EnsuredIndexes)[] _components;
    private readonly PostgresStoreLifetime _lifetime;

    /// <summary>Initializes a new instance. Nothing connects until first use.</summary>
    /// <param name="database">The database the store's tables are in.</param>
    /// <param name="ownsDatabase">Whether disposing the store disposes <paramref name="database"/> (a store constructed from
    /// options) or leaves it to its owner (the shared one of <c>UsePostgresStore</c>).</param>
    /// <param name="owner">The store, named by <see cref="ObjectDisposedException"/> after disposal.</param>
    /// <param name="components">The components whose tables the store's statements use, migrated in this order, each with
    /// the indexes ensured after its migrations.</param>
    public PostgresStoreCalls(PostgresDatabase database, bool ownsDatabase, object owner, params (string Component, IReadOnlyList<string> Migrations, IReadOnlyList<(string Name, string On)> EnsuredIndexes)[] components)
    {
        ArgumentNullException.ThrowIfNull(database);
        Database = database;
        _lifetime = new PostgresStoreLifetime(database, ownsDatabase, owner);
        _components = components;
    }

    /// <summary>Gets the database.</summary>
    public PostgresDatabase Database { get; }

    /// <summary>Migrates the store's components (once per database object).</summary>
    public Task InitializeAsync(CancellationToken cancellationToken) => RunAsync(static (_, _) => Task.FromResult(true), "Cannot open", cancellationToken);

    /// <summary>Runs <paramref name="work"/> on a pooled connection, after the migrations.</summary>
    /// <param name="work">The work; it begins and commits its own transaction when it writes.</param>
    /// <param name="verb">How a failure's message starts, such as <c>Cannot write to</c>.</param>
    /// <param name="cancellationToken">Cancels the call; Npgsql cancels a running statement on the server.</param>
    /// <returns>What <paramref name="work"/> returned.</returns>
    /// <exception cref="TraceStoreException">The server could not be reached or refused a statement.</exception>
    public Task<T> RunAsync<T>(Func<NpgsqlConnection, CancellationToken, Task<T>> work, string verb, CancellationToken cancellationToken) =>
        RunAsync(work, verb, webhookTables: false, cancellationToken);

    /// <summary>Runs <paramref name="work"/> on a pooled connection, after the migrations (and, with
    /// <paramref name="webhookTables"/>, the outbox's), which take connections of their own before the call takes its
    /// one: a pool of one connection must not wait for itself.</summary>
    private async Task<T> RunAsync<T>(Func<NpgsqlConnection, CancellationToken, Task<T>> work, string verb, bool webhookTables, CancellationToken cancellationToken)
    {
        _lifetime.ThrowIfDisposed();
        cancellationToken.ThrowIfCancellationRequested();
        try
        {
            foreach (var (component, migrations, ensuredIndexes) in _components)
            {
                await Database.EnsureMigratedAsync(component, migrations, ensuredIndexes, cancellationToken).ConfigureAwait(false);
            }

            if (webhookTables)
            {
                await PostgresWebhookSchema.EnsureAsync(Database, cancellationToken).ConfigureAwait(false);
            }

            await using var connection = await Database.OpenAsync(cancellationToken).ConfigureAwait(false);
            return await work(connection, cancellationToken).ConfigureAwait(false);
        }
        catch (NpgsqlException exception) when (!cancellationToken.IsCancellationRequested)
        {
            throw Explain(exception, verb);
        }
        catch (NpgsqlException exception)
        {
            throw new OperationCanceledException(exception.Message, exception, cancellationToken);
        }
        catch (ObjectDisposedException exception) when (_lifetime.IsDisposed)
        {
            throw _lifetime.Disposed(exception);
        }
    }

    /// <summary>Runs a change that may write webhook rows in its transaction: with <paramref name="webhooks"/> (a publisher
    /// with endpoints, or the one without endpoints that writes unrouted events) the outbox tables are ensured first, and the dispatcher is woken once the change committed
    /// deliveries. Without, it is <see cref="RunAsync{T}(Func{NpgsqlConnection, CancellationToken, Task{T}}, string, CancellationToken)"/>.</summary>
    public async Task<T> RunWithWebhooksAsync<T>(WebhookPublisher? webhooks, Func<NpgsqlConnection, CancellationToken, Task<(T Value, bool WroteWebhooks)>> work, CancellationToken cancellationToken)
    {
        var (value, wrote) = await RunAsync(work, "Cannot write to", webhookTables: webhooks is not null, cancellationToken).ConfigureAwait(false);
        if (wrote)
        {
            webhooks!.NotifyWritten();
        }

        return value;
    }

    /// <summary>Turns an Npgsql error into a <see cref="TraceStoreException"/> that names the location: host, port, database
    /// and schema, never the password (Npgsql's own messages do not hold it either).</summary>
    public TraceStoreException Explain(NpgsqlException exception, string verb)
    {
        var reason = exception is PostgresException postgres ? $"{postgres.SqlState}: {postgres.MessageText}" : exception.Message;
        return new TraceStoreException($"{verb} the PostgreSQL store at '{Database.Location}': {reason}", exception);
    }

    /// <summary>Stops further calls and, when the store owns it, closes the database's connection pool.</summary>
    /// <returns>A task that completes when the pool is closed.</returns>
    public ValueTask DisposeAsync() => _lifetime.DisposeAsync();

    /// <summary>Stops further calls and, when the store owns it, closes the database's connection pool.</summary>
    public void Dispose() => _lifetime.Dispose();
}
