using Dreaming.Sqlite;

namespace Dreaming.Cli.Tests;

/// <summary><c>DREAMING_DB</c> names the database when <c>--db</c> is not given; an explicit <c>--db</c> wins.</summary>
public class DatabaseVariableTests
{
    [Fact]
    public async Task DREAMING_DB_names_the_database_of_every_command_run_without_db()
    {
        // Every command needed --db, or a dreaming.db in the current folder.
        using var cli = new CliRunner();
        await SeedAsync(cli.Database, "from-variable");
        cli.Environment["DREAMING_DB"] = cli.Database;

        var (exit, output, error) = await cli.RunAsync("sessions");
        var (showExit, shown, _) = await cli.RunAsync("session", "show", "from-variable");

        Assert.True(exit == 0, error);
        Assert.Contains("from-variable", output, StringComparison.Ordinal);
        Assert.Equal(0, showExit);
        Assert.Contains("task of from-variable", shown, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_explicit_db_wins_over_DREAMING_DB()
    {
        using var cli = new CliRunner();
        await SeedAsync(cli.Database, "from-option");
        var other = Path.Combine(cli.Folder, "other.db");
        await SeedAsync(other, "from-variable");
        cli.Environment["DREAMING_DB"] = other;

        var (exit, output, error) = await cli.RunAsync("sessions", "--db", cli.Database);

        Assert.True(exit == 0, error);
        Assert.Contains("from-option", output, StringComparison.Ordinal);
        Assert.DoesNotContain("from-variable", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_missing_database_named_by_DREAMING_DB_is_named_in_the_error_and_not_created()
    {
        using var cli = new CliRunner();
        var missing = Path.Combine(cli.Folder, "missing.db");
        cli.Environment["DREAMING_DB"] = missing;

        var (exit, _, error) = await cli.RunAsync("memory", "list", "--agent", "a");

        Assert.Equal(1, exit);
        Assert.Equal($"error: No database at '{missing}'. Run 'dreaming demo' or 'dreaming import' first, or pass --db (or set DREAMING_DB).", error.TrimEnd());
        Assert.False(File.Exists(missing));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("  ")]
    public async Task Without_DREAMING_DB_or_with_a_blank_one_the_default_stays_dreaming_db_in_the_current_folder(string? value)
    {
        using var cli = new CliRunner();
        if (value is not null)
        {
            cli.Environment["DREAMING_DB"] = value;
        }

        var (exit, help, _) = await cli.RunAsync("sessions", "--help");

        Assert.Equal(0, exit);
        Assert.Contains("overrides DREAMING_DB", help, StringComparison.Ordinal);
        Assert.Contains("[default: dreaming.db]", help, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_help_shows_the_database_DREAMING_DB_names_as_the_default()
    {
        using var cli = new CliRunner();
        cli.Environment["DREAMING_DB"] = cli.Database;

        var (exit, help, _) = await cli.RunAsync("sessions", "--help");

        Assert.Equal(0, exit);
        Assert.Contains($"[default: {cli.Database}]", help, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Demo_never_writes_into_the_database_DREAMING_DB_names_only_into_one_given_by_db()
    {
        // With DREAMING_DB exported for a shell on an app's database (as cli.md shows), 'dreaming demo' wrote its simulated
        // sessions, dream, memory for support-bot, outcome loop and orchestration into that database.
        using var cli = new CliRunner();
        var app = Path.Combine(cli.Folder, "app.db");
        await SeedAsync(app, "real-session");
        cli.Environment["DREAMING_DB"] = app;

        var (exit, output, error) = await cli.RunAsync("demo", "--json");

        Assert.Equal(1, exit);
        Assert.Equal(string.Empty, output);
        Assert.Equal($"error: 'dreaming demo' writes simulated sessions and memory, so it does not take its database from DREAMING_DB ('{app}'): pass --db with the path of a database for the demo.", error.TrimEnd());
        using (var store = new SqliteTraceStore(app))
        {
            Assert.Equal(["real-session"], (await store.QuerySessionsAsync(new SessionQuery())).Items.Select(s => s.Id));
        }

        var (demoExit, _, demoError) = await cli.RunAsync("demo", "--json", "--db", cli.Database);

        Assert.True(demoExit == 0, demoError);
        using var demo = new SqliteTraceStore(cli.Database);
        Assert.NotEmpty((await demo.QuerySessionsAsync(new SessionQuery())).Items);
    }

    private static async Task SeedAsync(string database, string sessionId)
    {
        using var store = new SqliteTraceStore(database);
        var session = new SessionRecord { Id = sessionId, AgentId = "support-bot", Task = "task of " + sessionId, StartedAt = DateTimeOffset.UtcNow };
        await store.WriteAsync(new TraceWriteBatch([session], []));
    }
}
