using Microsoft.Data.Sqlite;

namespace Dreaming.Sqlite.Tests;

/// <summary>The table of unrouted webhook events is created on open like an ensured index, without a new schema version,
/// so files made before it gain it and builds that predate it still open them; a file that has it is current and its
/// first reads take no write lock.</summary>
public sealed class SqliteUnroutedTableTests : IDisposable
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(30);
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Fact]
    public async Task A_file_made_before_the_table_gains_it_on_open_keeps_its_version_and_takes_unrouted_events()
    {
        var path = _folder.File("older.db");
        using (var store = new SqliteTraceStore(path))
        {
            await store.InitializeAsync().WaitAsync(Bound);
        }

        SqliteFiles.Execute(path, "DROP TABLE webhook_unrouted;");
        Assert.False(ReadState(path).IsCurrent);

        using (var memory = new SqliteMemoryStore(new SqliteTraceStoreOptions { ConnectionString = path, WriteUnroutedWebhooks = true }))
        {
            await memory.ProposeAsync(new MemoryProposal { Scope = MemoryScope.Global, Author = MemoryAuthor.Person("ada"), Insights = [] }).WaitAsync(Bound);
        }

        Assert.True(ReadState(path).IsCurrent);
        Assert.Equal(SqliteSchema.LatestVersion, SqliteFiles.Long(path, "PRAGMA user_version"));
        Assert.Null(SqliteSchema.FindProblem(SqliteFiles.Long(path, "PRAGMA user_version"), hasStoreTables: true, path));
        Assert.Equal(1, SqliteFiles.Long(path, "SELECT count(*) FROM webhook_unrouted"));
        Assert.Equal("ok", SqliteFiles.Scalar(path, "PRAGMA integrity_check"));
    }

    [Fact]
    public async Task The_first_reads_of_a_file_with_the_table_do_not_wait_for_another_process_holding_the_write_lock()
    {
        var path = _folder.File("held.db");
        using (var store = new SqliteWebhookOutboxStore(path))
        {
            await store.InitializeAsync().WaitAsync(Bound);
        }

        Assert.True(ReadState(path).IsCurrent);
        using var other = new SqliteConnection($"Data Source={path};Pooling=False");
        other.Open();
        using var held = other.BeginTransaction(deferred: false);

        using var outbox = new SqliteWebhookOutboxStore(new SqliteTraceStoreOptions { ConnectionString = path, BusyTimeout = TimeSpan.FromSeconds(1) });
        Assert.Empty(await outbox.ListUnroutedAsync().WaitAsync(Bound));

        // A pass with nothing to route reads only, so it does not wait for the lock either.
        Assert.Equal((0, 0), await outbox.RouteUnroutedAsync(_ => ["ci"], DateTimeOffset.UtcNow, 10).WaitAsync(Bound));
    }

    [Theory]
    [InlineData("routing")]
    [InlineData("listing")]
    public async Task Reading_the_oldest_unrouted_events_walks_an_index_in_order_and_sorts_nothing(string which)
    {
        // Without the index SQLite joins every waiting event, its body included, and sorts them all, at each dispatcher
        // pass, to keep the oldest few hundred: a backlog of months was read whole every second while it drained.
        var path = _folder.File("plan.db");
        using (var store = new SqliteWebhookOutboxStore(path))
        {
            await store.InitializeAsync().WaitAsync(Bound);
        }

        var plan = Plan(path, which == "routing" ? SqliteWebhookRows.ReadUnroutedSql : SqliteWebhookRows.ListUnroutedSql);

        Assert.Contains("ix_webhook_unrouted_created", plan, StringComparison.Ordinal);
        Assert.DoesNotContain("TEMP B-TREE", plan, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_file_without_the_unrouted_index_gains_it_on_open_and_keeps_its_version()
    {
        var path = _folder.File("no-index.db");
        using (var store = new SqliteWebhookOutboxStore(path))
        {
            await store.InitializeAsync().WaitAsync(Bound);
        }

        SqliteFiles.Execute(path, "DROP INDEX ix_webhook_unrouted_created;");
        Assert.False(ReadState(path).IsCurrent);

        using (var outbox = new SqliteWebhookOutboxStore(path))
        {
            Assert.Empty(await outbox.ListUnroutedAsync().WaitAsync(Bound));
        }

        Assert.True(ReadState(path).IsCurrent);
        Assert.Equal(1, SqliteFiles.Long(path, "SELECT count(*) FROM sqlite_master WHERE type = 'index' AND name = 'ix_webhook_unrouted_created'"));
        Assert.Equal(SqliteSchema.LatestVersion, SqliteFiles.Long(path, "PRAGMA user_version"));
    }

    private static string Plan(string path, string sql)
    {
        using var connection = new SqliteConnection($"Data Source={path};Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "EXPLAIN QUERY PLAN " + sql;
        command.Parameters.AddWithValue("$limit", 500);
        using var reader = command.ExecuteReader();
        var details = new List<string>();
        while (reader.Read())
        {
            details.Add(reader.GetString(3));
        }

        return string.Join(" | ", details);
    }

    private static SqliteSchemaState ReadState(string path)
    {
        using var connection = new SqliteConnection($"Data Source={path};Pooling=False");
        connection.Open();
        return SqliteSchema.Read(connection);
    }
}
