using Microsoft.Data.Sqlite;

namespace Dreaming.Sqlite.Tests;

/// <summary>Files written before dream runs existed (schema version 2) gain the dream run table and keep their sessions and memory.</summary>
public sealed class SqliteDreamRunMigrationTests : IDisposable
{
    private static readonly DateTimeOffset BaseTime = new(2025, 3, 14, 9, 0, 0, 123, TimeSpan.Zero);
    private static readonly MemoryScope Bot = MemoryScope.Agent("agent");
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Fact]
    public async Task A_version_2_store_opened_by_the_dream_run_store_is_migrated_keeping_its_sessions_and_memory()
    {
        var path = _folder.File("v2.db");
        WriteVersion2Store(path);

        using (var runs = new SqliteDreamRunStore(path))
        {
            var run = await runs.CreateAsync(new DreamRunRequest { Scope = Bot });
            await runs.StartAsync(run.Id, "host", TimeSpan.FromMinutes(1));
        }

        Assert.Equal(SqliteSchema.LatestVersion, SqliteFiles.Long(path, "PRAGMA user_version"));
        Assert.Equal("ok", SqliteFiles.Scalar(path, "PRAGMA integrity_check"));
        using var traces = new SqliteTraceStore(path);
        Assert.Equal("refund order #1 — café ☕", (await traces.GetSessionAsync("old-session"))!.Task);
        using var memory = new SqliteMemoryStore(path);
        var active = (await memory.GetActiveVersionAsync(Bot))!;
        Assert.Equal("mv-old", active.Id);
        Assert.Equal("kept across the migration", Assert.Single(active.Insights).Text);
        using var runsAgain = new SqliteDreamRunStore(path);
        Assert.Equal(DreamRunStatus.Running, Assert.Single(await runsAgain.ListAsync(Bot)).Status);
    }

    [Fact]
    public async Task A_version_3_run_is_migrated_without_a_token_budget_and_the_budget_stays_immutable()
    {
        var path = WriteStoreWithAPendingRun(3);

        using var runs = new SqliteDreamRunStore(path);
        var old = (await runs.GetAsync("dr-old"))!;

        Assert.Null(old.Request.TokenBudget);
        Assert.False(old.Results.BudgetReached);
        Assert.Equal(SqliteSchema.LatestVersion, SqliteFiles.Long(path, "PRAGMA user_version"));
        var budgeted = await runs.CreateAsync(new DreamRunRequest { Scope = Bot, TokenBudget = 1234 });
        Assert.Equal(1234, (await runs.GetAsync(budgeted.Id))!.Request.TokenBudget);
        var refused = Assert.ThrowsAny<SqliteException>(() => SqliteFiles.Execute(path, $"UPDATE dream_runs SET token_budget = 1 WHERE id = '{budgeted.Id}'"));
        Assert.Contains("the request of a dream run never changes", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_version_5_run_is_migrated_without_a_lookback_and_the_lookback_stays_immutable()
    {
        var path = WriteStoreWithAPendingRun(5);

        using var runs = new SqliteDreamRunStore(path);
        var old = (await runs.GetAsync("dr-old"))!;

        Assert.Null(old.Request.Lookback);
        Assert.Equal(DreamRunRequest.DefaultMaxLookbackSessions, old.Request.MaxLookbackSessions);
        Assert.Equal(SqliteSchema.LatestVersion, SqliteFiles.Long(path, "PRAGMA user_version"));
        var withLookback = await runs.CreateAsync(new DreamRunRequest { Scope = Bot, Lookback = TimeSpan.FromDays(3), MaxLookbackSessions = 9 });
        var stored = (await runs.GetAsync(withLookback.Id))!.Request;
        Assert.Equal((TimeSpan.FromDays(3), 9), (stored.Lookback!.Value, stored.MaxLookbackSessions));
        foreach (var column in new[] { "lookback_ticks", "max_lookback_sessions" })
        {
            var refused = Assert.ThrowsAny<SqliteException>(() => SqliteFiles.Execute(path, $"UPDATE dream_runs SET {column} = 1 WHERE id = '{withLookback.Id}'"));
            Assert.Contains("the request of a dream run never changes", refused.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task A_version_6_file_gains_min_scopes_keeping_its_version_so_the_build_before_them_opens_and_writes_it()
    {
        // A file as the build before MinScopes (schema version 6) left it, with its pending run.
        var path = WriteStoreWithAPendingRun(6);

        using (var runs = new SqliteDreamRunStore(path))
        {
            Assert.Null((await runs.GetAsync("dr-old"))!.Request.MinScopes);
            var withScopes = await runs.CreateAsync(new DreamRunRequest { Scope = MemoryScope.Global, MinScopes = 3 });
            Assert.Equal(3, (await runs.GetAsync(withScopes.Id))!.Request.MinScopes);
        }

        // Still version 6, which that build opens (it refuses a newer one, and then its trace store too): a rollback works.
        Assert.Equal(6, SqliteFiles.Long(path, "PRAGMA user_version"));
        Assert.Equal(6, SqliteSchema.LatestVersion);

        // That build's statements, which name no min_scopes: it creates a run (stored with none, what its dream applies:
        // the options), starts and completes it, which the request's immutability trigger lets through.
        SqliteFiles.Execute(
            path,
            "INSERT INTO dream_runs (id, scope, status, requested_ms, instructions, max_sessions, min_sessions, review_mode, input_version_id, "
            + "session_ids, cursor_ended_ms, cursor_session_id, stage_usage, report, output_version_id, note, token_budget, budget_reached, lookback_ticks, max_lookback_sessions) "
            + "VALUES ('dr-older', 'global', 'pending', 1741942800123, NULL, 100, 10, 'auto', NULL, '[]', NULL, NULL, '[]', '{}', NULL, NULL, NULL, 0, NULL, 100);");
        SqliteFiles.Execute(path, "UPDATE dream_runs SET status = 'running', started_ms = 1741942800124, lease_holder = 'older', lease_expires_ms = 1741943400124 WHERE id = 'dr-older'");
        SqliteFiles.Execute(path, "UPDATE dream_runs SET status = 'completed', ended_ms = 1741942800125, lease_expires_ms = NULL WHERE id = 'dr-older'");

        using var reopened = new SqliteDreamRunStore(path);
        var older = (await reopened.GetAsync("dr-older"))!;
        Assert.Equal(DreamRunStatus.Completed, older.Status);
        Assert.Null(older.Request.MinScopes);
        foreach (var id in new[] { "dr-old", "dr-older" })
        {
            var refused = Assert.ThrowsAny<SqliteException>(() => SqliteFiles.Execute(path, $"UPDATE dream_runs SET min_scopes = 2 WHERE id = '{id}'"));
            Assert.Contains("the request of a dream run never changes", refused.Message, StringComparison.Ordinal);
        }

        Assert.Equal("ok", SqliteFiles.Scalar(path, "PRAGMA integrity_check"));
    }

    // Several stores (as several processes) open a version-6 file at once: one adds the column, the others find it (none
    // fails on a duplicate column), and each keeps its run's MinScopes.
    [Fact]
    public async Task Stores_opening_a_version_6_file_at_once_add_min_scopes_once_and_each_keeps_its_own()
    {
        var path = WriteStoreWithAPendingRun(6);
        var stores = Enumerable.Range(1, 4).Select(_ => new SqliteDreamRunStore(path)).ToList();
        try
        {
            var created = await Task.WhenAll(stores.Select((store, i) => Task.Run(() => store.CreateAsync(new DreamRunRequest { Scope = MemoryScope.Global, MinScopes = i + 1 }))));
            Assert.Equal(new[] { 1, 2, 3, 4 }, await Task.WhenAll(created.Select(async run => (await stores[0].GetAsync(run.Id))!.Request.MinScopes!.Value)));
        }
        finally
        {
            stores.ForEach(static s => s.Dispose());
        }

        Assert.Equal(6, SqliteFiles.Long(path, "PRAGMA user_version"));
        Assert.Equal(1, SqliteFiles.Long(path, "SELECT count(*) FROM pragma_table_info('dream_runs') WHERE name = 'min_scopes'"));
        Assert.Equal(1, SqliteFiles.Long(path, "SELECT count(*) FROM sqlite_master WHERE type = 'trigger' AND name = 'dream_runs_request_immutable' AND instr(sql, 'min_scopes') > 0"));
    }

    [Fact]
    public async Task A_new_store_has_the_dream_run_table_indexes_and_triggers()
    {
        var path = _folder.File("new.db");
        using (var traces = new SqliteTraceStore(path))
        {
            await traces.InitializeAsync();
        }

        Assert.Equal(SqliteSchema.LatestVersion, SqliteFiles.Long(path, "PRAGMA user_version"));
        Assert.Equal(0, SqliteFiles.Long(path, "SELECT count(*) FROM dream_runs"));
        Assert.Equal(1, SqliteFiles.Long(path, "SELECT count(*) FROM sqlite_master WHERE type = 'index' AND name = 'ux_dream_runs_running'"));
        Assert.Equal(3, SqliteFiles.Long(path, "SELECT count(*) FROM sqlite_master WHERE type = 'trigger' AND name LIKE 'dream_runs_%'"));
    }

    /// <summary>Builds a file as the version-2 code did: the shipped scripts 1 and 2, then a session and an active memory version.</summary>
    private static void WriteVersion2Store(string path)
    {
        var session = new SessionRecord
        {
            Id = "old-session",
            AgentId = "agent",
            Task = "refund order #1 — café ☕",
            Status = SessionStatus.Completed,
            StartedAt = BaseTime,
            EndedAt = BaseTime.AddMinutes(1),
        };

        using var connection = new SqliteConnection($"Data Source={path};Pooling=False");
        connection.Open();
        Execute(connection, "PRAGMA journal_mode = WAL;");
        using var transaction = connection.BeginTransaction();
        Execute(connection, SqliteSchema.Migrations[0], transaction);
        Execute(connection, SqliteSchema.Migrations[1], transaction);
        Execute(connection, "PRAGMA user_version = 2;", transaction);
        using (var insertSession = SqliteRows.CreateInsertSession(connection))
        {
            insertSession.Transaction = transaction;
            SqliteRows.BindSession(insertSession, session);
            insertSession.ExecuteNonQuery();
        }

        Execute(
            connection,
            "INSERT INTO memory_versions (id, scope, number, author_kind, author_id, state, created_ms, insight_count) "
            + "VALUES ('mv-old', 'agent:agent', 1, 'person', 'alice', 'active', 1741942800123, 1);"
            + "INSERT INTO memory_insights (version_id, id, position, kind, text, trigger_tools, trigger_keywords, evidence, helpful, harmful, seen, "
            + "status, source, created_ms, updated_ms) VALUES ('mv-old', 'ins-1', 0, 'lesson', 'kept across the migration', '[]', '[]', "
            + "'[{\"session\":\"old-session\"}]', 1, 0, 2, 'active', 'human', 1741942800123, 1741942800123);",
            transaction);
        transaction.Commit();
    }

    /// <summary>Builds a file as the code of schema <paramref name="version"/> did: the shipped scripts up to it, then one
    /// pending dream run 'dr-old' written with that version's columns.</summary>
    private string WriteStoreWithAPendingRun(int version)
    {
        var path = _folder.File($"v{version}.db");
        using var connection = new SqliteConnection($"Data Source={path};Pooling=False");
        connection.Open();
        using var transaction = connection.BeginTransaction();
        for (var i = 0; i < version; i++)
        {
            Execute(connection, SqliteSchema.Migrations[i], transaction);
        }

        Execute(connection, $"PRAGMA user_version = {version};", transaction);
        Execute(
            connection,
            "INSERT INTO dream_runs (id, scope, status, requested_ms, max_sessions, min_sessions, review_mode, session_ids, stage_usage, report) "
            + "VALUES ('dr-old', 'agent:agent', 'pending', 1741942800123, 100, 10, 'auto', '[]', '[]', '{}');",
            transaction);
        transaction.Commit();
        return path;
    }

    private static void Execute(SqliteConnection connection, string sql, SqliteTransaction? transaction = null)
    {
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }
}
