using Microsoft.Data.Sqlite;

namespace Dreaming.Sqlite.Tests;

/// <summary>A store's first use in a process opens its writer and checks the schema: on a file already at the current
/// schema that check only reads, so it does not wait for another process's long write (an import).</summary>
public sealed class SqliteSchemaLockTests : IDisposable
{
    private static readonly DateTimeOffset BaseTime = new(2025, 3, 14, 9, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(30);
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Fact]
    public async Task The_first_reads_of_a_file_at_the_current_schema_do_not_wait_for_another_process_holding_the_write_lock()
    {
        var path = _folder.File("held.db");
        using (var store = new SqliteTraceStore(path))
        {
            await store.InitializeAsync().WaitAsync(Bound);
        }

        InsertSessions(path, Session("s-1"));

        // Another process's import: one immediate transaction, not committed while the stores below first read.
        using var importer = new SqliteConnection($"Data Source={path};Pooling=False");
        importer.Open();
        using var import = importer.BeginTransaction(deferred: false);
        using (var insert = SqliteRows.CreateInsertSession(importer))
        {
            insert.Transaction = import;
            SqliteRows.BindSession(insert, Session("s-2"));
            insert.ExecuteNonQuery();
        }

        var options = new SqliteTraceStoreOptions { ConnectionString = path, BusyTimeout = TimeSpan.FromSeconds(1) };
        using (var traces = new SqliteTraceStore(options))
        using (var memory = new SqliteMemoryStore(options))
        {
            // The snapshot before the held transaction: s-1, not the import's s-2.
            Assert.Equal("s-1", (await traces.GetSessionAsync("s-1").WaitAsync(Bound))?.Id);
            Assert.Equal(["s-1"], (await traces.QuerySessionsAsync(new SessionQuery()).WaitAsync(Bound)).Items.Select(s => s.Id));
            Assert.Null(await memory.GetActiveVersionAsync(MemoryScope.Global).WaitAsync(Bound));

            // Once the import commits, the same store sees it and writes as before.
            import.Commit();
            Assert.Equal(["s-1", "s-2"], (await traces.QuerySessionsAsync(new SessionQuery()).WaitAsync(Bound)).Items.Select(s => s.Id));
            await traces.SetOutcomeAsync("s-2", new SessionOutcome { Label = "success" }).WaitAsync(Bound);
            Assert.Equal("success", (await traces.GetSessionAsync("s-2").WaitAsync(Bound))?.Outcome?.Label);
        }

        Assert.Equal(SqliteSchema.LatestVersion, SqliteFiles.Long(path, "PRAGMA user_version"));
        Assert.Equal("wal", SqliteFiles.Scalar(path, "PRAGMA journal_mode"));
        Assert.Equal("ok", SqliteFiles.Scalar(path, "PRAGMA integrity_check"));
    }

    [Fact]
    public async Task A_file_lacking_an_ensured_index_still_takes_the_write_lock_on_first_use_to_create_it()
    {
        var path = _folder.File("no-index.db");
        using (var store = new SqliteTraceStore(path))
        {
            await store.InitializeAsync().WaitAsync(Bound);
        }

        foreach (var name in SqliteSchema.EnsuredIndexNames)
        {
            SqliteFiles.Execute(path, $"DROP INDEX {name};");
        }

        var options = new SqliteTraceStoreOptions { ConnectionString = path, BusyTimeout = TimeSpan.FromSeconds(1) };
        using (var importer = new SqliteConnection($"Data Source={path};Pooling=False"))
        {
            importer.Open();
            using var import = importer.BeginTransaction(deferred: false);
            using var blocked = new SqliteTraceStore(options);
            var error = await Assert.ThrowsAsync<TraceStoreException>(() => blocked.GetSessionAsync("s-1").WaitAsync(Bound));
            Assert.Contains("locked by another connection or process", error.Message, StringComparison.Ordinal);
        }

        using (var store = new SqliteTraceStore(options))
        {
            Assert.Null(await store.GetSessionAsync("s-1").WaitAsync(Bound));
        }

        foreach (var name in SqliteSchema.EnsuredIndexNames)
        {
            Assert.Equal(1, SqliteFiles.Long(path, $"SELECT count(*) FROM sqlite_master WHERE type = 'index' AND name = '{name}'"));
        }
    }

    private static SessionRecord Session(string id) => new()
    {
        Id = id,
        AgentId = "agent",
        Task = "task " + id,
        Status = SessionStatus.Completed,
        StartedAt = BaseTime.AddMinutes(id == "s-1" ? 1 : 2),
        EndedAt = BaseTime.AddMinutes(3),
    };

    private static void InsertSessions(string path, SessionRecord session)
    {
        using var connection = new SqliteConnection($"Data Source={path};Pooling=False");
        connection.Open();
        using var insert = SqliteRows.CreateInsertSession(connection);
        SqliteRows.BindSession(insert, session);
        insert.ExecuteNonQuery();
    }
}
