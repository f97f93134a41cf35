using Microsoft.Data.Sqlite;

namespace Dreaming.Sqlite.Tests;

/// <summary>The sessions' change numbers (<see cref="SessionRecord.ChangeNumber"/>): an ensured column, counter, index and
/// triggers, added to a file made before them on open without a new schema version, numbering the changes of any build
/// that writes the file, read by their own index.</summary>
public sealed class SqliteChangeNumberTests : IDisposable
{
    private static readonly DateTimeOffset BaseTime = new(2025, 3, 14, 9, 0, 0, 123, TimeSpan.Zero);
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Fact]
    public async Task A_file_made_before_them_gains_them_on_open_and_an_older_build_writing_it_numbers_its_changes()
    {
        var path = _folder.File("older.db");
        WriteAsAnOlderBuild(path);

        using (var store = new SqliteTraceStore(path))
        {
            // The sessions already there changed before every number: none, and not after the horizon.
            Assert.Equal(0, await store.GetSessionChangeHorizonAsync());
            Assert.All((await store.QuerySessionsAsync(new SessionQuery())).Items, session => Assert.Null(session.ChangeNumber));
            Assert.Empty((await store.QuerySessionsAsync(new SessionQuery { ChangedAfter = 0 })).Items);
            await store.SetOutcomeAsync("s-1", SessionOutcome.Failed());
            Assert.Equal(1, (await store.GetSessionAsync("s-1"))!.ChangeNumber);
        }

        Assert.Equal(SqliteSchema.LatestVersion, SqliteFiles.Long(path, "PRAGMA user_version"));
        Assert.Null(SqliteSchema.FindProblem(SqliteFiles.Long(path, "PRAGMA user_version"), hasStoreTables: true, path));

        // An older build (its statements, which name no change column) records a session and ends it: the triggers number
        // the end (a session created running gets its number when it ends), and its events change nothing; an import of
        // a finished session is numbered as it is inserted.
        SqliteFiles.InsertSessions(path, [Session("s-9", 9, ended: null)]);
        Assert.Equal(DBNull.Value, SqliteFiles.Scalar(path, "SELECT change_no FROM sessions WHERE id = 's-9'"));
        SqliteFiles.Execute(path, $"UPDATE sessions SET status = 1, ended_ms = {BaseTime.AddMinutes(30).ToUnixTimeMilliseconds()} WHERE id = 's-9'");
        SqliteFiles.Execute(path, "UPDATE sessions SET event_count = event_count + 3 WHERE id = 's-9'");
        SqliteFiles.InsertSessions(path, [Session("s-10", 10, ended: 11)]);
        using (var reopened = new SqliteTraceStore(path))
        {
            Assert.Equal(3, await reopened.GetSessionChangeHorizonAsync());
            Assert.Equal(["s-9", "s-10"], (await reopened.QuerySessionsAsync(new SessionQuery { ChangedAfter = 1 })).Items.Select(s => s.Id));
            Assert.Equal(2, (await reopened.GetSessionAsync("s-9"))!.ChangeNumber);
            Assert.Equal(3, (await reopened.GetSessionAsync("s-10"))!.ChangeNumber);
        }

        Assert.Equal("ok", SqliteFiles.Scalar(path, "PRAGMA integrity_check"));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("bot")]
    public async Task The_query_of_sessions_changed_since_seeks_the_change_index_and_walks_no_other(string? agent)
    {
        // An agent's query in start order walks every session of the agent; the scheduler's poll after its first wants the
        // few changed since, whatever the agent: the change index is sought, and those few are sorted.
        var path = _folder.File("changed.db");
        using (var store = new SqliteTraceStore(path))
        {
            await store.InitializeAsync();
        }

        foreach (var after in new SessionCursor?[] { null, new SessionCursor(5, "s-5") })
        {
            using var connection = new SqliteConnection($"Data Source={path};Pooling=False");
            connection.Open();
            using var command = SqliteSessionQuery.Create(connection, new SessionQuery { AgentId = agent, ChangedAfter = 42, Order = SessionOrder.NewestFirst, PageSize = SessionQuery.MaxPageSize }, after);
            var plan = SqliteReadPlanTests.Plan(path, command.CommandText, [.. command.Parameters.Cast<SqliteParameter>().Select(p => (p.ParameterName, p.Value!))]);

            Assert.Contains("USING INDEX ix_sessions_change (change_no>?)", plan, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Two_stores_on_one_file_number_their_changes_in_commit_order_and_a_reader_misses_none()
    {
        // Two app instances on one file (two store objects, each with its own writer), writing at once, and a reader that
        // polls with the horizon as the scheduler does: every session written is seen.
        var path = _folder.File("shared.db");
        using var first = new SqliteTraceStore(path);
        using var second = new SqliteTraceStore(path);
        await first.InitializeAsync();
        await second.InitializeAsync();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        long horizon = 0;
        async Task ReadAsync()
        {
            var next = (await first.GetSessionChangeHorizonAsync())!.Value;
            string? cursor = null;
            do
            {
                var page = await first.QuerySessionsAsync(new SessionQuery { ChangedAfter = horizon, PageSize = SessionQuery.MaxPageSize, Cursor = cursor });
                seen.UnionWith(page.Items.Select(s => s.Id));
                cursor = page.NextCursor;
            }
            while (cursor is not null);
            horizon = next;
        }

        var writers = new[] { first, second }.Select((store, w) => Task.Run(async () =>
        {
            for (var i = 0; i < 40; i++)
            {
                await store.ImportAsync([new SessionWithEvents(Session($"w{w}-{i}", i, ended: i + 1), [])]);
            }
        })).ToArray();
        while (!writers.All(static writer => writer.IsCompleted))
        {
            await ReadAsync();
        }

        await Task.WhenAll(writers);
        await ReadAsync();
        Assert.Equal(80, seen.Count);
        Assert.Equal(80, await second.GetSessionChangeHorizonAsync());
        Assert.Equal(80, SqliteFiles.Long(path, "SELECT count(DISTINCT change_no) FROM sessions"));
    }

    private static SessionRecord Session(string id, int minutes, int? ended) => new()
    {
        Id = id,
        AgentId = "bot",
        Task = "task " + id,
        Status = ended is null ? SessionStatus.Running : SessionStatus.Completed,
        StartedAt = BaseTime.AddMinutes(minutes),
        EndedAt = ended is { } e ? BaseTime.AddMinutes(e) : null,
        Outcome = ended is null ? null : SessionOutcome.Succeeded(),
    };

    // A file of the current schema version as a build before the change numbers left it: the shipped scripts, the
    // version, the ensured tables and indexes of that build, and sessions.
    private static void WriteAsAnOlderBuild(string path)
    {
        SqliteFiles.WriteOlderBuildSchema(path);
        SqliteFiles.InsertSessions(path, [Session("s-0", 0, 1), Session("s-1", 1, 2), Session("s-2", 2, 10)]);
    }
}
