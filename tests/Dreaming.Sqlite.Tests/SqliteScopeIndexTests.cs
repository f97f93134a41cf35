using Microsoft.Data.Sqlite;

namespace Dreaming.Sqlite.Tests;

/// <summary>A team's or tenant's sessions (<see cref="SessionQuery.Scope"/>, which a team dream reads) are found through an
/// index on the scope, which files made before it existed gain on open without a new schema version.</summary>
public sealed class SqliteScopeIndexTests : IDisposable
{
    private const string ScopeIndex = "ix_sessions_scope_started";
    private static readonly DateTimeOffset BaseTime = new(2025, 3, 14, 9, 0, 0, 123, TimeSpan.Zero);
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    public static TheoryData<string> ScopeQueries() => ["newest first", "newest first after a cursor", "oldest first after a cursor", "newest first since a time"];

    [Theory]
    [MemberData(nameof(ScopeQueries))]
    public async Task The_scope_query_the_store_issues_seeks_the_scope_index_and_needs_no_sort(string name)
    {
        var path = _folder.File("plan.db");
        using (var store = new SqliteTraceStore(path))
        {
            await store.InitializeAsync();
        }

        var cursor = new SessionCursor(SqliteRows.ToMilliseconds(BaseTime), "s-5");
        var (query, after) = name switch
        {
            "newest first" => (new SessionQuery { Scope = "billing", Order = SessionOrder.NewestFirst, PageSize = SessionQuery.MaxPageSize }, (SessionCursor?)null),
            "newest first after a cursor" => (new SessionQuery { Scope = "billing", Order = SessionOrder.NewestFirst, PageSize = SessionQuery.MaxPageSize }, cursor),
            "oldest first after a cursor" => (new SessionQuery { Scope = "billing", Order = SessionOrder.OldestFirst }, cursor),
            _ => (new SessionQuery { Scope = "billing", Order = SessionOrder.NewestFirst, StartedFrom = BaseTime }, (SessionCursor?)null),
        };

        var plan = Plan(path, query, after);

        Assert.Contains($"USING INDEX {ScopeIndex} (scope=?", plan, StringComparison.Ordinal);
        Assert.DoesNotContain("TEMP B-TREE", plan, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_file_of_the_current_schema_without_the_index_gains_it_on_open_and_keeps_its_version_and_sessions()
    {
        var path = _folder.File("v5.db");
        WriteCurrentSchemaWithoutTheIndex(path);
        Assert.Equal(0, IndexCount(path));

        using (var store = new SqliteTraceStore(path))
        {
            var page = await store.QuerySessionsAsync(new SessionQuery { Scope = "billing", Order = SessionOrder.NewestFirst });
            Assert.Equal(["s-4", "s-2", "s-0"], page.Items.Select(s => s.Id));
            Assert.Equal(6, (await store.QuerySessionsAsync(new SessionQuery())).Items.Count);
        }

        // The version is unchanged, so a build of the same schema version that predates the index still opens the file.
        Assert.Equal(SqliteSchema.LatestVersion, SqliteFiles.Long(path, "PRAGMA user_version"));
        Assert.Null(SqliteSchema.FindProblem(SqliteFiles.Long(path, "PRAGMA user_version"), hasStoreTables: true, path));
        Assert.Equal(1, IndexCount(path));
        Assert.Equal("ok", SqliteFiles.Scalar(path, "PRAGMA integrity_check"));

        // Rows written as a build without the index writes them are indexed by SQLite all the same.
        SqliteFiles.InsertSessions(path, [Session("s-9", "billing", 9)]);
        using (var reopened = new SqliteTraceStore(path))
        {
            var page = await reopened.QuerySessionsAsync(new SessionQuery { Scope = "billing", Order = SessionOrder.NewestFirst, PageSize = 2 });
            Assert.Equal(["s-9", "s-4"], page.Items.Select(s => s.Id));
            var next = await reopened.QuerySessionsAsync(new SessionQuery { Scope = "billing", Order = SessionOrder.NewestFirst, PageSize = 2, Cursor = page.NextCursor });
            Assert.Equal(["s-2", "s-0"], next.Items.Select(s => s.Id));
        }

        Assert.Equal(1, IndexCount(path));
        Assert.Equal("ok", SqliteFiles.Scalar(path, "PRAGMA integrity_check"));
    }

    [Fact]
    public async Task Stores_opening_one_file_without_the_index_at_once_build_it_once_and_all_open_while_an_older_build_writes()
    {
        // Each store has its own writer connection, so stores racing on one file are processes to SQLite; each runs
        // CREATE INDEX IF NOT EXISTS in its immediate migration transaction, while a build without the index adds sessions.
        for (var round = 0; round < 3; round++)
        {
            var path = _folder.File($"race-{round}.db");
            WriteCurrentSchemaWithoutTheIndex(path);
            SqliteFiles.InsertSessions(path, Enumerable.Range(100, 2000).Select(i => Session($"s-{i}", i % 2 == 0 ? "billing" : "support", i)).ToArray());
            SqliteFiles.Scalar(path, "PRAGMA journal_mode = WAL;");
            Assert.Equal(0, IndexCount(path));

            var stores = new List<IDisposable>();
            var opens = new List<Task>();
            for (var i = 0; i < 6; i++)
            {
                Func<Task> open;
                switch (i % 3)
                {
                    case 0: { var store = new SqliteTraceStore(path); stores.Add(store); open = () => store.InitializeAsync(); break; }
                    case 1: { var store = new SqliteMemoryStore(path); stores.Add(store); open = () => store.InitializeAsync(); break; }
                    default: { var store = new SqliteWebhookOutboxStore(path); stores.Add(store); open = () => store.InitializeAsync(); break; }
                }

                opens.Add(Task.Run(open));
            }

            // An older build's writes, with no index of its own: SQLite adds them to the index whenever it exists.
            opens.Add(Task.Run(() =>
            {
                for (var i = 0; i < 20; i++)
                {
                    SqliteFiles.InsertSessions(path, [Session($"old-{round}-{i}", "billing", 5000 + i)]);
                }
            }));

            try
            {
                await Task.WhenAll(opens);
            }
            finally
            {
                stores.ForEach(store => store.Dispose());
            }

            Assert.Equal(1, IndexCount(path));
            Assert.Equal(SqliteSchema.LatestVersion, SqliteFiles.Long(path, "PRAGMA user_version"));
            Assert.Equal("ok", SqliteFiles.Scalar(path, "PRAGMA integrity_check"));
            Assert.Equal(
                SqliteFiles.Long(path, "SELECT count(*) FROM sessions NOT INDEXED WHERE scope = 'billing'"),
                SqliteFiles.Long(path, $"SELECT count(*) FROM sessions INDEXED BY {ScopeIndex} WHERE scope = 'billing'"));
            Assert.Equal(3 + 1000 + 20, SqliteFiles.Long(path, $"SELECT count(*) FROM sessions INDEXED BY {ScopeIndex} WHERE scope = 'billing'"));
        }
    }

    private static long IndexCount(string path) =>
        SqliteFiles.Long(path, $"SELECT count(*) FROM sqlite_master WHERE type = 'index' AND name = '{ScopeIndex}'");

    private static string Plan(string path, SessionQuery query, SessionCursor? after)
    {
        using var connection = new SqliteConnection($"Data Source={path};Pooling=False");
        connection.Open();
        using var command = SqliteSessionQuery.Create(connection, query, after);
        command.CommandText = "EXPLAIN QUERY PLAN " + command.CommandText;
        using var reader = command.ExecuteReader();
        var details = new List<string>();
        while (reader.Read())
        {
            details.Add(reader.GetString(3));
        }

        return string.Join(" | ", details);
    }

    private static SessionRecord Session(string id, string? scope, int minutes) => new()
    {
        Id = id,
        AgentId = "agent",
        Scope = scope,
        Task = "task " + id,
        Status = SessionStatus.Completed,
        StartedAt = BaseTime.AddMinutes(minutes),
        EndedAt = BaseTime.AddMinutes(minutes + 1),
    };

    /// <summary>Builds a file as the code before the index did: the shipped scripts, the current version, and sessions of
    /// two teams and of none.</summary>
    private static void WriteCurrentSchemaWithoutTheIndex(string path)
    {
        using (var connection = new SqliteConnection($"Data Source={path};Pooling=False"))
        {
            connection.Open();
            using var transaction = connection.BeginTransaction();
            foreach (var script in SqliteSchema.Migrations)
            {
                SqliteFiles.Execute(connection, script, transaction);
            }

            SqliteFiles.Execute(connection, $"PRAGMA user_version = {SqliteSchema.LatestVersion};", transaction);
            transaction.Commit();
        }

        SqliteFiles.InsertSessions(path, [Session("s-0", "billing", 0), Session("s-1", "support", 1), Session("s-2", "billing", 2), Session("s-3", null, 3), Session("s-4", "billing", 4), Session("s-5", "Billing", 5)]);
    }
}
