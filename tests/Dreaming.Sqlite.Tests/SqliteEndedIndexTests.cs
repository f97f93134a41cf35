using Microsoft.Data.Sqlite;

namespace Dreaming.Sqlite.Tests;

/// <summary>The start-time indexes with the end time (what <see cref="SessionQuery.EndedFrom"/> compares) replace those of
/// migration 1 when a file made before them is opened, without a new schema version.</summary>
public sealed class SqliteEndedIndexTests : IDisposable
{
    private static readonly string[] s_new = ["ix_sessions_started_ended", "ix_sessions_agent_started_ended"];
    private static readonly string[] s_old = ["ix_sessions_started", "ix_sessions_agent_started"];
    private static readonly DateTimeOffset BaseTime = new(2025, 3, 14, 9, 0, 0, 123, TimeSpan.Zero);
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Fact]
    public async Task A_new_file_has_the_indexes_with_the_end_time_and_not_those_they_replace()
    {
        var path = _folder.File("new.db");
        using (var store = new SqliteTraceStore(path))
        {
            await store.InitializeAsync();
        }

        Assert.Equal(s_new, s_new.Where(name => IndexExists(path, name)));
        Assert.All(s_old, name => Assert.False(IndexExists(path, name), name));
    }

    [Fact]
    public async Task A_file_made_before_them_gains_them_on_open_loses_the_old_ones_and_an_older_build_still_writes_it()
    {
        // A file of the current schema version as a build before these indexes left it: the shipped scripts, the version,
        // the older build's ensured team index, and sessions.
        var path = _folder.File("older.db");
        WriteAsAnOlderBuild(path);
        Assert.Equal(s_old, s_old.Where(name => IndexExists(path, name)));
        Assert.All(s_new, name => Assert.False(IndexExists(path, name), name));

        using (var store = new SqliteTraceStore(path))
        {
            var ended = await store.QuerySessionsAsync(new SessionQuery { EndedFrom = BaseTime.AddMinutes(3), Order = SessionOrder.NewestFirst });
            Assert.Equal(["s-5", "s-4", "s-3", "s-2"], ended.Items.Select(s => s.Id));   // s-2 started first and ended last
        }

        Assert.Equal(s_new, s_new.Where(name => IndexExists(path, name)));
        Assert.All(s_old, name => Assert.False(IndexExists(path, name), name));
        Assert.True(IndexExists(path, "ix_sessions_scope_started"));
        Assert.Equal(SqliteSchema.LatestVersion, SqliteFiles.Long(path, "PRAGMA user_version"));
        Assert.Null(SqliteSchema.FindProblem(SqliteFiles.Long(path, "PRAGMA user_version"), hasStoreTables: true, path));

        // An older build opens the file as it is (it looks only for its own ensured indexes, all there) and writes sessions
        // and their ends as it always did: SQLite keeps the new indexes up to date, and this build reads them.
        SqliteFiles.InsertSessions(path, [Session("s-9", "agent-b", 9, ended: null)]);
        SqliteFiles.Execute(path, $"UPDATE sessions SET status = 1, ended_ms = {BaseTime.AddMinutes(30).ToUnixTimeMilliseconds()} WHERE id = 's-9'");
        using (var reopened = new SqliteTraceStore(path))
        {
            var page = await reopened.QuerySessionsAsync(new SessionQuery { AgentId = "agent-b", EndedFrom = BaseTime.AddMinutes(20), Order = SessionOrder.NewestFirst });
            Assert.Equal(["s-9"], page.Items.Select(s => s.Id));
            Assert.Equal(7, (await reopened.QuerySessionsAsync(new SessionQuery())).Items.Count);
        }

        foreach (var name in s_new)
        {
            Assert.Equal(
                SqliteFiles.Long(path, "SELECT count(*) FROM sessions NOT INDEXED WHERE ended_ms >= 0"),
                SqliteFiles.Long(path, $"SELECT count(*) FROM sessions INDEXED BY {name} WHERE ended_ms >= 0"));
        }

        Assert.Equal("ok", SqliteFiles.Scalar(path, "PRAGMA integrity_check"));
    }

    private static bool IndexExists(string path, string name) =>
        SqliteFiles.Long(path, $"SELECT count(*) FROM sqlite_master WHERE type = 'index' AND name = '{name}'") == 1;

    private static SessionRecord Session(string id, string agent, int minutes, int? ended) => new()
    {
        Id = id,
        AgentId = agent,
        Task = "task " + id,
        Status = ended is null ? SessionStatus.Running : SessionStatus.Completed,
        StartedAt = BaseTime.AddMinutes(minutes),
        EndedAt = ended is { } e ? BaseTime.AddMinutes(e) : null,
    };

    private static void WriteAsAnOlderBuild(string path)
    {
        SqliteFiles.WriteOlderBuildSchema(path);
        SqliteFiles.InsertSessions(
            path,
            [
                Session("s-0", "agent-a", 0, 1), Session("s-1", "agent-b", 1, 2), Session("s-2", "agent-a", 2, 10),
                Session("s-3", "agent-b", 3, 4), Session("s-4", "agent-a", 4, 5), Session("s-5", "agent-a", 5, 6),
            ]);
    }
}
