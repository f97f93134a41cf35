using Microsoft.Extensions.Time.Testing;
using Npgsql;

namespace Dreaming.PostgreSql.Tests;

/// <summary>Dream hosts on several instances sharing one database: the scope lease, a host killed mid-dream and its
/// recovery by another instance, and the database's own guards.</summary>
public sealed partial class PostgresDreamRunStoreTests : PostgresStoreFixture
{
    private static readonly MemoryScope Bot = MemoryScope.Agent("bot");
    private static readonly TimeSpan Lease = TimeSpan.FromMinutes(5);

    [Fact]
    public async Task Two_hosts_taking_the_same_scopes_lease_at_once_one_wins_and_the_other_gets_DreamConflictException()
    {
        var clock = new FakeTimeProvider(BaseTime);
        await using var first = new PostgresDreamRunStore(Options, clock);
        await using var second = new PostgresDreamRunStore(Options, clock);

        for (var round = 0; round < 10; round++)
        {
            var mine = await first.CreateAsync(new DreamRunRequest { Scope = Bot });
            var theirs = await second.CreateAsync(new DreamRunRequest { Scope = Bot });
            var outcomes = await Task.WhenAll(
                Task.Run(() => OutcomeAsync(() => first.StartAsync(mine.Id, "host-a", Lease))),
                Task.Run(() => OutcomeAsync(() => second.StartAsync(theirs.Id, "host-b", Lease))));

            var winner = Assert.Single(outcomes, outcome => outcome.Run is not null).Run!;
            Assert.IsType<DreamConflictException>(Assert.Single(outcomes, outcome => outcome.Error is not null).Error);
            Assert.Equal(1L, await ScalarAsync("SELECT count(*) FROM dream_runs WHERE status = 'running'"));
            await first.CompleteAsync(winner.Id, DreamRunResults.Empty);
            await first.CancelAsync(winner.Id == mine.Id ? theirs.Id : mine.Id);
        }
    }

    [Fact]
    public async Task A_version_1_run_is_migrated_without_min_scopes_and_they_stay_immutable_and_listed_across_scopes()
    {
        // The dream_runs table as version 1 left it, with a pending run.
        await ExecuteAsync(
            $"CREATE SCHEMA {Schema}; SET search_path = {Schema};"
            + "CREATE TABLE schema_versions (component text PRIMARY KEY, version integer NOT NULL, migrated_at timestamptz NOT NULL DEFAULT now());"
            + $"{PostgresDreamRunMigrations.Scripts[0]};"
            + "INSERT INTO schema_versions (component, version) VALUES ('dream_runs', 1);"
            + "INSERT INTO dream_runs (id, scope, status, requested_ms, max_sessions, min_sessions, review_mode, session_ids, stage_usage, report) "
            + "VALUES ('dr-old', 'agent:bot', 'pending', 1741942800123, 100, 10, 'auto', '[]', '[]', '{}');");
        await using var runs = new PostgresDreamRunStore(Options);

        Assert.Null((await runs.GetAsync("dr-old"))!.Request.MinScopes);
        Assert.Equal(2, await ScalarAsync("SELECT version FROM schema_versions WHERE component = 'dream_runs'"));
        Assert.Equal(2L, await ScalarAsync($"SELECT count(*) FROM pg_indexes WHERE schemaname = '{Schema}' AND indexname IN ('ix_dream_runs_requested', 'ix_dream_runs_status_requested')"));
        Assert.Equal(["dr-old"], (await runs.QueryRunsAsync(new DreamRunQuery { Status = DreamRunStatus.Pending })).Items.Select(run => run.Id));
        var withScopes = await runs.CreateAsync(new DreamRunRequest { Scope = MemoryScope.Global, MinScopes = 3 });
        Assert.Equal(3, (await runs.GetAsync(withScopes.Id))!.Request.MinScopes);
        foreach (var id in new[] { withScopes.Id, "dr-old" })
        {
            var refused = await Assert.ThrowsAsync<PostgresException>(() => ExecuteAsync($"UPDATE dream_runs SET min_scopes = 1 WHERE id = '{id}'"));
            Assert.Contains("the request of a dream run never changes", refused.MessageText, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task The_indexes_of_every_scopes_runs_are_ensured_so_the_schema_stays_at_dream_runs_version_2_which_the_package_before_them_opens()
    {
        // The dream_runs table as the package before QueryRunsAsync left it (version 2), with a pending run, and an
        // invalid index of one of the ensured names, as a CREATE INDEX CONCURRENTLY that failed leaves it.
        await ExecuteAsync(
            $"CREATE SCHEMA {Schema}; SET search_path = {Schema};"
            + "CREATE TABLE schema_versions (component text PRIMARY KEY, version integer NOT NULL, migrated_at timestamptz NOT NULL DEFAULT now());"
            + $"{PostgresDreamRunMigrations.Scripts[0]}; {PostgresDreamRunMigrations.Scripts[1]};"
            + "INSERT INTO schema_versions (component, version) VALUES ('dream_runs', 2);"
            + "INSERT INTO dream_runs (id, scope, status, requested_ms, max_sessions, min_sessions, review_mode, session_ids, stage_usage, report) "
            + "VALUES ('dr-old', 'agent:bot', 'pending', 1741942800123, 100, 10, 'auto', '[]', '[]', '{}'), ('dr-old2', 'agent:bot', 'failed', 1741942800124, 100, 10, 'auto', '[]', '[]', '{}');");
        await Assert.ThrowsAsync<PostgresException>(() => ExecuteAsync("CREATE UNIQUE INDEX CONCURRENTLY ix_dream_runs_status_requested ON dream_runs (scope)"));
        Assert.Equal(false, await ScalarAsync("SELECT indisvalid FROM pg_index WHERE indexrelid = 'ix_dream_runs_status_requested'::regclass"));

        await using (var runs = new PostgresDreamRunStore(Options))
        {
            Assert.Equal(["dr-old"], (await runs.QueryRunsAsync(new DreamRunQuery { Status = DreamRunStatus.Pending })).Items.Select(run => run.Id));
        }

        Assert.Equal(2, await ScalarAsync("SELECT version FROM schema_versions WHERE component = 'dream_runs'"));
        Assert.Equal(
            "CREATE INDEX ix_dream_runs_requested ON SCHEMA.dream_runs USING btree (requested_ms, seq) | CREATE INDEX ix_dream_runs_status_requested ON SCHEMA.dream_runs USING btree (status, requested_ms, seq)",
            ((string)(await ScalarAsync(
                "SELECT string_agg(pg_get_indexdef(i.indexrelid), ' | ' ORDER BY c.relname) FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid "
                + $"JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = '{Schema}' AND c.relname IN ('ix_dream_runs_requested', 'ix_dream_runs_status_requested') AND i.indisvalid"))!).Replace(Schema, "SCHEMA", StringComparison.Ordinal));

        // The package before them (migrations 1 and 2 only) still opens the schema, with the indexes it does not know.
        await using var before = new PostgresDatabase(Options);
        await before.EnsureMigratedAsync(PostgresDreamRunMigrations.Component, PostgresDreamRunMigrations.Scripts.Take(2).ToList(), CancellationToken.None);
    }

    [Fact]
    public async Task Instances_starting_at_once_on_a_schema_without_the_ensured_indexes_build_them_once()
    {
        await using (var owner = new PostgresDreamRunStore(Options))
        {
            await owner.InitializeAsync();
        }

        await ExecuteAsync("DROP INDEX ix_dream_runs_requested; DROP INDEX ix_dream_runs_status_requested;");
        var stores = Enumerable.Range(0, 4).Select(_ => new PostgresDreamRunStore(Options)).ToList();
        try
        {
            await Task.WhenAll(stores.Select(store => Task.Run(() => store.InitializeAsync())));
        }
        finally
        {
            foreach (var store in stores)
            {
                await store.DisposeAsync();
            }
        }

        Assert.Equal(2L, await ScalarAsync($"SELECT count(*) FROM pg_indexes WHERE schemaname = '{Schema}' AND indexname IN ('ix_dream_runs_requested', 'ix_dream_runs_status_requested')"));
        Assert.Equal(2, await ScalarAsync("SELECT version FROM schema_versions WHERE component = 'dream_runs'"));
    }

    [Fact]
    public async Task A_role_that_may_only_read_lists_the_runs_of_every_scope_on_a_schema_without_the_ensured_indexes()
    {
        await using (var owner = new PostgresDreamRunStore(Options))
        {
            await owner.CreateAsync(new DreamRunRequest { Scope = Bot });
        }

        // As the package before QueryRunsAsync left it: no ensured index; a role that may only read (a reviewer's tool).
        var role = "t_reader_" + Guid.NewGuid().ToString("N")[..12];
        await ExecuteAsync(
            "DROP INDEX ix_dream_runs_requested; DROP INDEX ix_dream_runs_status_requested; UPDATE schema_versions SET version = 2 WHERE component = 'dream_runs';"
            + $"CREATE ROLE {role} LOGIN; GRANT USAGE ON SCHEMA {Schema} TO {role}; GRANT SELECT ON ALL TABLES IN SCHEMA {Schema} TO {role};");
        try
        {
            var reader = new NpgsqlConnectionStringBuilder(PostgresTestServer.ConnectionString) { Username = role };
            await using var runs = new PostgresDreamRunStore(new PostgresStoreOptions { ConnectionString = reader.ConnectionString, Schema = Schema });

            Assert.Single((await runs.QueryRunsAsync(new DreamRunQuery())).Items);
            Assert.Single(await runs.ListAsync(Bot));
            Assert.Equal(0L, await ScalarAsync($"SELECT count(*) FROM pg_indexes WHERE schemaname = '{Schema}' AND indexname IN ('ix_dream_runs_requested', 'ix_dream_runs_status_requested')"));
        }
        finally
        {
            await ExecuteAsync($"DROP OWNED BY {role}; DROP ROLE {role};");
        }
    }

    [Theory]
    [InlineData("DELETE FROM dream_runs", "dream runs are never deleted")]
    [InlineData("TRUNCATE dream_runs", "dream runs are never deleted")]
    [InlineData("UPDATE dream_runs SET max_sessions = 1 WHERE status = 'pending'", "the request of a dream run never changes")]
    [InlineData("UPDATE dream_runs SET note = 'x' WHERE status = 'canceled'", "a finished dream run never changes")]
    public async Task The_database_refuses_to_delete_runs_or_change_requests_and_finished_runs(string sql, string expected)
    {
        await using var store = new PostgresDreamRunStore(Options);
        var run = await store.CreateAsync(new DreamRunRequest { Scope = Bot });
        await store.CancelAsync(run.Id);
        var pending = await store.CreateAsync(new DreamRunRequest { Scope = Bot });

        var exception = await Assert.ThrowsAsync<PostgresException>(() => ExecuteAsync(sql));

        Assert.Contains(expected, exception.MessageText, StringComparison.Ordinal);
        Assert.Equal(DreamRunStatus.Canceled, (await store.GetAsync(run.Id))!.Status);
        Assert.Equal(pending.Request, (await store.GetAsync(pending.Id))!.Request);
    }

    [Fact]
    public async Task Hostile_text_in_a_run_is_stored()
    {
        await using var store = new PostgresDreamRunStore(Options, new FakeTimeProvider(BaseTime));
        var run = await store.CreateAsync(new DreamRunRequest { Scope = Bot, Instructions = "be\0brief \uD800" });
        await store.StartAsync(run.Id, "host\0a", Lease);

        var failed = await store.FailAsync(run.Id, "model said \0\uDFFF" + new string('x', 1_100_000), new DreamRunResults { SessionIds = ["s\01"], Note = "n\0" });

        var read = (await store.GetAsync(run.Id))!;
        Assert.Equal("be\0brief \uFFFD", read.Request.Instructions);
        Assert.Equal("host\0a", read.LeaseHolder);
        Assert.Equal("model said \0\uFFFD" + new string('x', 1_100_000), read.Error);
        Assert.Equal(["s\01"], read.Results.SessionIds);
        Assert.Equal("n\0", read.Results.Note);
        Assert.Equal(read.Error, failed.Error);
    }

    [Fact]
    public async Task The_server_going_away_is_a_TraceStoreException_naming_the_location_and_the_store_works_again_after()
    {
        await using var proxy = await TcpProxy.StartAsync();
        var options = Options;
        options.ConnectionString = proxy.Through(options.ConnectionString);
        await using var store = new PostgresDreamRunStore(options, new FakeTimeProvider(BaseTime));
        var run = await store.CreateAsync(new DreamRunRequest { Scope = Bot });

        proxy.Down();
        var exception = await Assert.ThrowsAsync<TraceStoreException>(() => store.StartAsync(run.Id, "host-a", Lease));

        Assert.Contains($"127.0.0.1:{proxy.Port}/postgres/{Schema}", exception.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(TcpProxy.Password, exception.ToString(), StringComparison.Ordinal);
        await proxy.UpAsync();
        Assert.Equal(DreamRunStatus.Running, (await store.StartAsync(run.Id, "host-a", Lease)).Status);
    }

    /// <summary>The result of one racing call: the run, or the state exception.</summary>
    private static async Task<(DreamRun? Run, Exception? Error)> OutcomeAsync(Func<Task<DreamRun>> call)
    {
        try
        {
            return (await call(), null);
        }
        catch (Exception exception) when (exception is DreamConflictException or DreamRunStateException)
        {
            return (null, exception);
        }
    }
}
