namespace Dreaming.PostgreSql.Tests;

/// <summary><c>schema_versions.compatible_from</c>: the oldest version of a component's tables whose package can use them
/// as a migration left them. A package meets a schema a newer package migrated (an instance of the older build started, or
/// rolled back to, after a rolling upgrade): it refused every version above its own, though none of the migrations so far
/// changed what an older package's statements rely on, because only a build that knew the migration could tell. The newer
/// package now says so in the row it writes, and a package that knows the column opens a schema whose row names its own
/// version or an older one, as it is; a package before the column reads and writes the table as it did.</summary>
public sealed class PostgresCompatibleSchemaTests : PostgresStoreFixture
{
    private const string AddColumn = "ALTER TABLE schema_versions ADD COLUMN IF NOT EXISTS compatible_from integer;";

    [Fact]
    public async Task A_schema_a_newer_package_migrated_saying_this_version_can_use_it_is_opened_as_it_is()
    {
        await using (var before = new PostgresMemoryStore(Options))
        {
            await before.InitializeAsync();
        }

        // What a newer package's migration 3 of memory would leave, saying a package of version 2 can use the tables.
        await ExecuteAsync(AddColumn + "UPDATE schema_versions SET version = 3, compatible_from = 2, migrated_at = '2026-11-20 09:30:05+00' WHERE component = 'memory'");

        await using var older = new PostgresMemoryStore(Options);
        var proposed = await older.ProposeAsync(Proposal(MemoryScope.Agent("bot"), null, MemoryAuthor.Person("alice"), "i1"));
        await older.ApproveAsync(proposed.Id, MemoryAuthor.Person("bob"));

        Assert.Equal(proposed.Id, (await older.GetActiveVersionAsync(MemoryScope.Agent("bot")))!.Id);
        Assert.Equal("3 2", await ScalarAsync("SELECT version || ' ' || compatible_from FROM schema_versions WHERE component = 'memory'"));
    }

    [Fact]
    public async Task A_schema_a_newer_package_migrated_saying_only_a_newer_version_can_use_it_is_refused_and_left_as_it_is()
    {
        await using (var before = new PostgresMemoryStore(Options))
        {
            await before.InitializeAsync();
        }

        await ExecuteAsync(AddColumn + "UPDATE schema_versions SET version = 4, compatible_from = 3 WHERE component = 'memory'");

        await using var older = new PostgresMemoryStore(Options);
        var refused = await Assert.ThrowsAsync<TraceStoreException>(() => older.GetActiveVersionAsync(MemoryScope.Agent("bot")));

        Assert.Contains("holds version 4 of the memory tables, newer than this version of Dreaming.PostgreSql knows (2)", refused.Message, StringComparison.Ordinal);
        Assert.Contains("which no package before version 3 can use", refused.Message, StringComparison.Ordinal);
        Assert.Equal("4 3", await ScalarAsync("SELECT version || ' ' || compatible_from FROM schema_versions WHERE component = 'memory'"));
    }

    [Fact]
    public async Task Each_component_this_package_makes_says_its_own_version_and_a_package_before_the_column_still_reads_and_writes_the_table()
    {
        await using (var traces = new PostgresTraceStore(Options))
        await using (var runs = new PostgresDreamRunStore(Options))
        await using (var outbox = new PostgresWebhookOutboxStore(Options))
        {
            await traces.QuerySessionsAsync(new SessionQuery());
            await runs.QueryRunsAsync(new DreamRunQuery());
            await outbox.ListUnroutedAsync();
        }

        Assert.Equal(
            "dream_runs 2 2, memory 2 2, traces 3 3, webhooks 1 1",
            await ScalarAsync("SELECT string_agg(component || ' ' || version || ' ' || compatible_from, ', ' ORDER BY component) FROM schema_versions"));

        // The statements of the package before the column, as it runs them: its read, its table, its row of a component.
        Assert.Equal(2, await ScalarAsync("SELECT version FROM schema_versions WHERE component = 'memory'"));
        await ExecuteAsync(
            "CREATE TABLE IF NOT EXISTS schema_versions (component text PRIMARY KEY, version integer NOT NULL, migrated_at timestamptz NOT NULL DEFAULT now());"
            + "INSERT INTO schema_versions (component, version) VALUES ('other', 1) ON CONFLICT (component) DO UPDATE SET version = excluded.version, migrated_at = now()");
        Assert.Equal("1 none", await ScalarAsync("SELECT version || ' ' || coalesce(compatible_from::text, 'none') FROM schema_versions WHERE component = 'other'"));
    }

    [Fact]
    public async Task A_schema_the_package_before_the_column_made_gains_it_when_this_one_migrates_a_component()
    {
        // The memory tables at version 1, as the package before the column made them and their row.
        await ExecuteAsync(
            $"CREATE SCHEMA IF NOT EXISTS {Schema}; SET search_path = {Schema}; {PostgresMemoryMigrations.Scripts[0]};"
            + "CREATE TABLE schema_versions (component text PRIMARY KEY, version integer NOT NULL, migrated_at timestamptz NOT NULL DEFAULT now());"
            + "INSERT INTO schema_versions (component, version) VALUES ('memory', 1);");

        await using (var memory = new PostgresMemoryStore(Options))
        {
            await memory.InitializeAsync();
        }

        Assert.Equal("2 2", await ScalarAsync("SELECT version || ' ' || compatible_from FROM schema_versions WHERE component = 'memory'"));
    }
}
