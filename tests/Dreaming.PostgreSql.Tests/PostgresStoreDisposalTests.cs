namespace Dreaming.PostgreSql.Tests;

/// <summary>The four stores dispose alike: one made from options closes its own pool, one on the shared database (the one
/// <c>UsePostgresStore</c> registers, which the container disposes) leaves it open, and either refuses every call after
/// disposal with <see cref="ObjectDisposedException"/> naming the store, as the SQLite stores do.</summary>
public sealed class PostgresStoreDisposalTests : PostgresStoreFixture
{
    [Fact]
    public async Task A_store_on_the_shared_database_refuses_calls_after_disposal_and_leaves_the_database_open()
    {
        await using var database = new PostgresDatabase(Options);
        foreach (var (store, call) in Stores(database))
        {
            await call();
            ((IDisposable)store).Dispose();
            await ((IAsyncDisposable)store).DisposeAsync();

            var exception = await Assert.ThrowsAsync<ObjectDisposedException>(call);
            Assert.Contains(store.GetType().Name, exception.ObjectName, StringComparison.Ordinal);
            await using var connection = await database.OpenAsync(CancellationToken.None);
        }
    }

    [Fact]
    public async Task A_store_made_from_options_closes_its_pool_when_disposed_synchronously_and_refuses_calls_after()
    {
        foreach (var (store, call) in Stores(database: null))
        {
            await call();
            ((IDisposable)store).Dispose();

            var exception = await Assert.ThrowsAsync<ObjectDisposedException>(call);
            Assert.Contains(store.GetType().Name, exception.ObjectName, StringComparison.Ordinal);
        }
    }

    /// <summary>Each store, on <paramref name="database"/> or (without) from options, with a call that reads it.</summary>
    private IEnumerable<(object Store, Func<Task> Call)> Stores(PostgresDatabase? database)
    {
        var trace = database is null ? new PostgresTraceStore(Options) : new PostgresTraceStore(database);
        yield return (trace, () => trace.GetSessionAsync("s"));
        var memory = database is null ? new PostgresMemoryStore(Options) : new PostgresMemoryStore(database);
        yield return (memory, () => memory.GetActiveVersionAsync(MemoryScope.Agent("bot")));
        var runs = database is null ? new PostgresDreamRunStore(Options) : new PostgresDreamRunStore(database);
        yield return (runs, () => runs.GetAsync("r"));
        var outbox = database is null ? new PostgresWebhookOutboxStore(Options) : new PostgresWebhookOutboxStore(database);
        yield return (outbox, () => outbox.GetEndpointAsync("ci"));
    }
}
