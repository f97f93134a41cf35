using Microsoft.Data.Sqlite;

namespace Dreaming.Sqlite.Tests;

/// <summary>Files written before memory existed (schema version 1) gain the memory tables and keep their sessions.</summary>
public sealed class SqliteMemoryMigrationTests : IDisposable
{
    private static readonly DateTimeOffset BaseTime = new(2025, 3, 14, 9, 0, 0, 123, TimeSpan.Zero);
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Fact]
    public async Task A_version_1_store_opened_by_the_memory_store_is_migrated_to_version_2_keeping_its_sessions()
    {
        var path = _folder.File("v1.db");
        var (session, note) = WriteVersion1Store(path);

        using (var memory = new SqliteMemoryStore(path))
        {
            var proposed = await memory.ProposeAsync(new MemoryProposal { Scope = MemoryScope.Agent("agent"), Author = MemoryAuthor.Person("alice"), Insights = [] });
            await memory.ApproveAsync(proposed.Id, MemoryAuthor.Person("alice"));
        }

        Assert.Equal(SqliteSchema.LatestVersion, SqliteFiles.Long(path, "PRAGMA user_version"));
        Assert.Equal("ok", SqliteFiles.Scalar(path, "PRAGMA integrity_check"));
        using var traces = new SqliteTraceStore(path);
        var stored = await traces.GetSessionAsync(session.Id);
        Assert.Equal(session.Task, stored!.Task);
        Assert.Equal(SessionOutcome.Failed(0.25, "import"), stored.Outcome);
        Assert.Equal(1, stored.EventCount);
        Assert.Equal([note], await traces.GetEventsAsync(session.Id));
        using var memoryAgain = new SqliteMemoryStore(path);
        Assert.NotNull(await memoryAgain.GetActiveVersionAsync(MemoryScope.Agent("agent")));
    }

    [Fact]
    public async Task A_version_1_store_opened_by_the_trace_store_is_migrated_and_gains_the_memory_tables()
    {
        var path = _folder.File("v1-traces.db");
        var (session, _) = WriteVersion1Store(path);

        using (var traces = new SqliteTraceStore(path))
        {
            Assert.NotNull(await traces.GetSessionAsync(session.Id));
        }

        Assert.Equal(SqliteSchema.LatestVersion, SqliteFiles.Long(path, "PRAGMA user_version"));
        Assert.Equal(2, SqliteFiles.Long(path, "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name IN ('memory_versions', 'memory_insights')"));
        Assert.Equal(0, SqliteFiles.Long(path, "SELECT count(*) FROM memory_versions"));
        Assert.Equal(1, SqliteFiles.Long(path, "SELECT count(*) FROM sessions"));
    }

    [Fact]
    public async Task A_new_store_has_the_memory_tables_index_and_triggers()
    {
        var path = _folder.File("new.db");
        using (var memory = new SqliteMemoryStore(path))
        {
            await memory.InitializeAsync();
        }

        Assert.Equal(SqliteSchema.LatestVersion, SqliteFiles.Long(path, "PRAGMA user_version"));
        Assert.Equal(1, SqliteFiles.Long(path, "SELECT count(*) FROM sqlite_master WHERE type = 'index' AND name = 'ux_memory_versions_active'"));
        Assert.Equal(4, SqliteFiles.Long(path, "SELECT count(*) FROM sqlite_master WHERE type = 'trigger' AND name LIKE 'memory_%'"));
    }

    /// <summary>Builds a file exactly as the version-1 code did: the shipped version-1 script, then rows through the row code.</summary>
    private static (SessionRecord Session, NoteEvent Note) WriteVersion1Store(string path)
    {
        var session = new SessionRecord
        {
            Id = "old-session",
            AgentId = "agent",
            Task = "refund order #1 — café ☕",
            Status = SessionStatus.Completed,
            StartedAt = BaseTime,
            EndedAt = BaseTime.AddMinutes(1),
            Outcome = SessionOutcome.Failed(0.25, "import"),
        };
        var note = new NoteEvent { SessionId = session.Id, Sequence = 1, Timestamp = BaseTime, Text = "kept across the migration" };

        using var connection = new SqliteConnection($"Data Source={path};Pooling=False");
        connection.Open();
        Execute(connection, "PRAGMA journal_mode = WAL;");
        using var transaction = connection.BeginTransaction();
        Execute(connection, SqliteSchema.Migrations[0], transaction);
        Execute(connection, "PRAGMA user_version = 1;", transaction);
        using (var insertSession = SqliteRows.CreateInsertSession(connection))
        {
            insertSession.Transaction = transaction;
            SqliteRows.BindSession(insertSession, session);
            insertSession.ExecuteNonQuery();
        }

        using (var insertEvent = SqliteRows.CreateInsertEvent(connection))
        {
            insertEvent.Transaction = transaction;
            SqliteRows.BindEvent(insertEvent, session.Id, note);
            insertEvent.ExecuteNonQuery();
        }

        Execute(connection, "UPDATE sessions SET event_count = 1;", transaction);
        transaction.Commit();
        return (session, note);
    }

    private static void Execute(SqliteConnection connection, string sql, SqliteTransaction? transaction = null)
    {
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }
}
