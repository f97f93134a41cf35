namespace Dreaming.Cli.Tests;

/// <summary>The commands that create their database (<c>demo</c>, <c>import</c>, <c>orchestrate</c>) on a <c>--db</c> they
/// cannot make or open: one line naming the problem and the tool's option, before anything is printed.</summary>
public sealed class DatabaseFolderTests
{
    [Fact]
    public async Task A_database_in_a_folder_that_does_not_exist_is_refused_naming_db_not_the_librarys_option()
    {
        // The store makes its file, never its folder; its message named SqliteTraceStoreOptions.ConnectionString, which a
        // user of the tool never set.
        using var cli = new CliRunner();
        var database = Path.Combine(cli.Folder, "data", "dreaming.db");
        var log = cli.WriteFile("log.jsonl", """{"id":"a","messages":[{"role":"user","content":"hi"},{"role":"assistant","content":"hello"}],"reward":1}""");
        var plan = cli.WriteFile("plan.json", """{ "goal": "g", "agents": [ { "name": "a" } ], "items": [ { "id": "x", "agent": "a", "instructions": "do it" } ] }""");

        foreach (var args in new[] { new[] { "demo" }, ["import", log], ["orchestrate", "--plan", plan], ["demo", "--json"] })
        {
            var (exit, output, error) = await cli.RunAsync([.. args, "--db", database]);

            Assert.Equal(1, exit);
            Assert.Equal(string.Empty, output);
            Assert.Equal(
                $"error: The folder '{Path.Combine(cli.Folder, "data")}' of the database '{database}' does not exist: create it first, or pass --db (or set DREAMING_DB) with another path (the tool creates the database file, not its folder).",
                error.TrimEnd());
            Assert.False(Directory.Exists(Path.Combine(cli.Folder, "data")));
        }
    }

    [Fact]
    public async Task Demo_on_a_file_that_is_not_a_database_says_so_before_it_prints_anything()
    {
        // The demo printed its title and "before dreaming:", then an error about its first session ("Session 'ses_…' does
        // not exist: creating it in the trace store failed, so its events were dropped …") wrapping the real one.
        using var cli = new CliRunner();
        var notes = cli.WriteFile("notes.txt", string.Concat(Enumerable.Repeat("These are my notes, not a database. ", 20)));

        foreach (var json in new[] { false, true })
        {
            var (exit, output, error) = await cli.RunAsync(json ? ["demo", "--db", notes, "--json"] : ["demo", "--db", notes]);

            Assert.Equal(1, exit);
            Assert.Equal(string.Empty, output);
            Assert.StartsWith($"error: Cannot open the trace store '{notes}': the file is not a SQLite database", error, StringComparison.Ordinal);
            Assert.DoesNotContain("Session '", error, StringComparison.Ordinal);
            Assert.Single(error.TrimEnd().Split('\n'));
        }
    }
}
