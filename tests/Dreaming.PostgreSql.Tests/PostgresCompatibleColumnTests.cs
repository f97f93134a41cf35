namespace Dreaming.PostgreSql.Tests;

/// <summary><c>schema_versions.compatible_from</c> on the schemas the package before the column left: it is added by the
/// first migration of a component this package makes, once, whichever instance makes it (they migrate one at a time
/// under the schema's lock); a schema already at this package's versions is opened without DDL and read without the
/// column; and a row newer than this package that does not say which package can use the tables (the column absent, or
/// NULL) is refused as before the column, without the clause naming a version.</summary>
public sealed class PostgresCompatibleColumnTests : PostgresStoreFixture
{
    private const string TableBeforeTheColumn =
        "CREATE TABLE schema_versions (component text PRIMARY KEY, version integer NOT NULL, migrated_at timestamptz NOT NULL DEFAULT now());";

    [Fact]
    public async Task Two_instances_migrating_two_components_of_a_schema_without_the_column_together_add_it_once_and_both_say_their_version()
    {
        // The memory tables at version 1 and the trace tables at version 2, as the package before the column left them.
        await ExecuteAsync(
            $"CREATE SCHEMA {Schema}; SET search_path = {Schema}; {TableBeforeTheColumn}"
            + $"{PostgresMemoryMigrations.Scripts[0]}; {PostgresTraceSchema.Migrations[0]}; {PostgresTraceSchema.Migrations[1]};"
            + "INSERT INTO schema_versions (component, version) VALUES ('memory', 1), ('traces', 2);");

        // Two instances (each its own database object and pool) start together, each migrating one component.
        await using var memory = new PostgresMemoryStore(Options);
        await using var traces = new PostgresTraceStore(Options);
        await Task.WhenAll(memory.InitializeAsync(), traces.InitializeAsync());

        Assert.Equal(
            "memory 2 2, traces 3 3",
            await ScalarAsync("SELECT string_agg(component || ' ' || version || ' ' || compatible_from, ', ' ORDER BY component) FROM schema_versions"));
    }

    [Fact]
    public async Task A_schema_the_package_before_the_column_left_at_this_packages_version_is_opened_without_adding_it()
    {
        await ExecuteAsync(
            $"CREATE SCHEMA {Schema}; SET search_path = {Schema}; {TableBeforeTheColumn}"
            + $"{PostgresMemoryMigrations.Scripts[0]}; {PostgresMemoryMigrations.Scripts[1]};"
            + "INSERT INTO schema_versions (component, version) VALUES ('memory', 2);");

        await using var memory = new PostgresMemoryStore(Options);
        var proposed = await memory.ProposeAsync(Proposal(MemoryScope.Agent("bot"), null, MemoryAuthor.Person("alice"), "i1"));

        Assert.Equal(proposed.Id, (await memory.GetVersionAsync(proposed.Id))!.Id);
        Assert.Equal(0L, await ScalarAsync("SELECT count(*) FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = 'schema_versions' AND column_name = 'compatible_from'"));
    }

    [Theory]
    [InlineData(false)] // the table as the package before the column made it
    [InlineData(true)] // the column there, NULL: the row's package did not say
    public async Task A_newer_row_that_does_not_say_which_package_can_use_the_tables_is_refused_without_naming_a_version(bool column)
    {
        await ExecuteAsync(
            $"CREATE SCHEMA {Schema}; SET search_path = {Schema}; {TableBeforeTheColumn}"
            + (column ? "ALTER TABLE schema_versions ADD COLUMN compatible_from integer;" : string.Empty)
            + $"{PostgresMemoryMigrations.Scripts[0]}; {PostgresMemoryMigrations.Scripts[1]};"
            + "INSERT INTO schema_versions (component, version) VALUES ('memory', 3);");

        await using var memory = new PostgresMemoryStore(Options);
        var refused = await Assert.ThrowsAsync<TraceStoreException>(() => memory.GetActiveVersionAsync(MemoryScope.Agent("bot")));

        Assert.Contains("holds version 3 of the memory tables, newer than this version of Dreaming.PostgreSql knows (2): a newer package migrated them", refused.Message, StringComparison.Ordinal);
        Assert.Equal(3, await ScalarAsync("SELECT version FROM schema_versions WHERE component = 'memory'"));
    }

    [Fact]
    public async Task A_newer_schema_this_package_can_use_is_opened_without_building_its_ensured_indexes_on_tables_it_does_not_know()
    {
        await using (var newer = new PostgresDreamRunStore(Options))
        {
            await newer.CreateAsync(new DreamRunRequest { Scope = MemoryScope.Agent("bot") });
        }

        // A newer package's migration 3 of dream_runs, which it says a package of version 2 can use, replaced the indexes
        // this package ensures (say, by others of its own): building them on tables this package does not know could fail.
        await ExecuteAsync(
            "DROP INDEX ix_dream_runs_requested; DROP INDEX ix_dream_runs_status_requested;"
            + "UPDATE schema_versions SET version = 3, compatible_from = 2 WHERE component = 'dream_runs'");

        await using var older = new PostgresDreamRunStore(Options);
        Assert.Single((await older.QueryRunsAsync(new DreamRunQuery())).Items);

        Assert.Equal(0L, await ScalarAsync($"SELECT count(*) FROM pg_indexes WHERE schemaname = '{Schema}' AND indexname IN ('ix_dream_runs_requested', 'ix_dream_runs_status_requested')"));
        Assert.Equal("3 2", await ScalarAsync("SELECT version || ' ' || compatible_from FROM schema_versions WHERE component = 'dream_runs'"));
    }
}
