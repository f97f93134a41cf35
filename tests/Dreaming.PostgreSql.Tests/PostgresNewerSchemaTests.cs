namespace Dreaming.PostgreSql.Tests;

/// <summary>A schema a newer package migrated, opened by this one (an instance of the older build started after a
/// rolling upgrade, or rolled back to): refused, left as it is, with what a team rolling back needs to know.</summary>
public sealed class PostgresNewerSchemaTests : PostgresStoreFixture
{
    [Fact]
    public async Task A_schema_a_newer_package_migrated_is_refused_naming_the_versions_when_it_was_migrated_and_what_to_do()
    {
        await using (var newer = new PostgresMemoryStore(Options))
        {
            await newer.InitializeAsync();
        }

        // What a newer package's migration 3 of memory would leave, as it records it: one that an older package's statements
        // could not use says so (schema_versions.compatible_from, PostgresCompatibleSchemaTests).
        await ExecuteAsync("UPDATE schema_versions SET version = 3, compatible_from = 3, migrated_at = '2026-11-20 09:30:05.25+00' WHERE component = 'memory'");

        await using var older = new PostgresMemoryStore(Options);
        var refused = await Assert.ThrowsAsync<TraceStoreException>(() => older.GetActiveVersionAsync(MemoryScope.Agent("bot")));

        Assert.Equal(
            $"The PostgreSQL schema '{older.Location}' holds version 3 of the memory tables, newer than this version of Dreaming.PostgreSql knows (2), which no package before version 3 can use: "
            + "a newer package migrated them at 2026-11-20 09:30:05 UTC, and no package migrates them back. Run the newer package (on every instance, "
            + "and the dreaming tool), or, to roll back to this one, restore the schema from a backup that holds version 2 or older (taken before that time, and before any "
            + "other package newer than this one started on it), or use another schema.",
            refused.Message);
        Assert.Equal(3, await ScalarAsync("SELECT version FROM schema_versions WHERE component = 'memory'"));
    }
}
