using System.Text.Json;
using Npgsql;

namespace Dreaming.PostgreSql.Tests.Cli;

/// <summary>The <c>dreaming</c> tool on a PostgreSQL schema: import, then the reading commands; errors that name the
/// database and never the password; the reading commands never create a schema.</summary>
public sealed class PostgresCliTests
{
    private const string Password = "hunter2-secret";

    private const string TwoSessions = """
        {"id":"a","messages":[{"role":"user","content":"hi"},{"role":"assistant","content":null,"tool_calls":[{"id":"t1","type":"function","function":{"name":"find","arguments":"{\"q\":1}"}}]},{"role":"tool","tool_call_id":"t1","content":"Error: nothing found"},{"role":"assistant","content":"sorry"}],"reward":0}
        {"id":"b","messages":[{"role":"user","content":"hello"},{"role":"assistant","content":"hi there"}],"reward":1}
        """;

    [Fact]
    public async Task Import_then_sessions_session_show_and_report_read_the_schema()
    {
        await using var cli = new PostgresCliRunner();
        var file = cli.WriteFile("log.jsonl", TwoSessions);

        var imported = await cli.RunOkAsync("import", file, "--agent", "legacy");
        var again = await cli.RunOkAsync("import", file, "--agent", "legacy");
        var list = await cli.RunOkAsync("sessions");
        var shown = await cli.RunOkAsync("session", "show", "a");
        var (missingExit, _, missing) = await cli.RunAsync("session", "show", "nope");
        var report = await cli.RunOkAsync("report", "--agent", "legacy");
        var json = JsonDocument.Parse(await cli.RunOkAsync("report", "--json")).RootElement;
        var abandoned = await cli.RunOkAsync("sessions", "abandon", "--older-than", "1d");

        Assert.Contains("imported 2 sessions, 6 events, 1 tool errors", imported, StringComparison.Ordinal);
        Assert.Contains("imported 0 of 2 sessions (2 were already in the database", again, StringComparison.Ordinal);
        Assert.Contains("legacy", list, StringComparison.Ordinal);
        Assert.Equal(2, list.Split('\n').Count(line => line.StartsWith("a ", StringComparison.Ordinal) || line.StartsWith("b ", StringComparison.Ordinal)));
        Assert.Contains("session   a", shown, StringComparison.Ordinal);
        Assert.Contains("find", shown, StringComparison.Ordinal);
        Assert.Equal(1, missingExit);
        Assert.Equal($"error: Session 'nope' does not exist in '{cli.Location}'.", missing.TrimEnd());
        Assert.Contains("agent legacy: 2 ended sessions", report, StringComparison.Ordinal);
        Assert.Equal(2, json.GetProperty("agents")[0].GetProperty("sessions").GetInt32());
        Assert.StartsWith("no running sessions started before", abandoned, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_db_option_takes_a_keyword_string_with_schema_or_a_URI_as_DREAMING_DB_does()
    {
        await using var cli = new PostgresCliRunner();
        await cli.RunOkAsync("import", cli.WriteFile("log.jsonl", TwoSessions), "--agent", "legacy");
        cli.Environment.Clear();
        var server = new NpgsqlConnectionStringBuilder(PostgresTestServer.ConnectionString);

        var byOption = await cli.RunOkAsync("sessions", "--db", PostgresTestServer.ConnectionString!, "--schema", cli.Schema, "--json");
        var byUri = await cli.RunOkAsync("sessions", "--json", "--db", $"postgresql://{server.Username}@{server.Host}:{server.Port}/{server.Database}?schema={cli.Schema}");

        Assert.Equal(2, JsonDocument.Parse(byOption).RootElement.GetArrayLength());
        Assert.Equal(byOption, byUri);
    }

    [Fact]
    public async Task The_reading_commands_refuse_a_missing_schema_naming_it_and_create_nothing()
    {
        await using var cli = new PostgresCliRunner();
        string[][] commands =
        [
            ["sessions"], ["sessions", "abandon", "--older-than", "1d"], ["session", "show", "a"], ["inspect", "a"], ["report"],
            ["runs", "--agent", "a"], ["memory", "list", "--agent", "a"], ["memory", "show", "--agent", "a"], ["memory", "approve", "mv-1"],
            ["memory", "edit", "mv-1", "--add", "x"], ["dream", "--agent", "a"], ["purge", "--older-than", "1d"], ["webhooks", "list"],
            ["webhooks", "replay", "--all-dead"], ["webhooks", "drop-unrouted", "--older-than", "1d"],
        ];

        foreach (var command in commands)
        {
            var (exit, output, error) = await cli.RunAsync(command);

            Assert.True(exit == 1, $"{string.Join(' ', command)}: {exit} {error}");
            Assert.Equal(string.Empty, output);
            Assert.StartsWith($"error: No database at '{cli.Location}': the PostgreSQL database has no schema '{cli.Schema}'.", error, StringComparison.Ordinal);
        }

        Assert.False(await cli.SchemaExistsAsync());
        await using (var connection = new NpgsqlConnection(PostgresTestServer.ConnectionString))
        {
            await connection.OpenAsync();
            await using var create = new NpgsqlCommand($"CREATE SCHEMA \"{cli.Schema}\"", connection);
            await create.ExecuteNonQueryAsync();
        }

        var (emptyExit, _, empty) = await cli.RunAsync("memory", "list", "--agent", "a");
        Assert.Equal(1, emptyExit);
        Assert.Contains($"the schema '{cli.Schema}' holds none of the stores' tables", empty, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_refused_login_is_one_line_naming_host_database_and_schema_never_the_password()
    {
        await using var cli = new PostgresCliRunner();
        var login = new NpgsqlConnectionStringBuilder(PostgresTestServer.ConnectionString) { Username = "no_such_role_cli", Password = Password };
        cli.Environment["DREAMING_DB"] = login.ConnectionString;

        var (exit, output, error) = await cli.RunAsync("sessions", "--json", "--schema", cli.Schema);
        var (importExit, _, importError) = await cli.RunAsync("import", cli.WriteFile("log.jsonl", TwoSessions), "--schema", cli.Schema);

        Assert.Equal(1, exit);
        Assert.Equal(string.Empty, output);
        Assert.Equal($"error: Cannot open the PostgreSQL database at '{cli.Location}': 28000: role \"no_such_role_cli\" does not exist", error.TrimEnd());
        Assert.Equal(1, importExit);
        Assert.StartsWith($"error: Cannot write to the PostgreSQL trace store at '{cli.Location}': 28000", importError, StringComparison.Ordinal);
        Assert.DoesNotContain(Password, error + importError, StringComparison.Ordinal);
        Assert.False(await cli.SchemaExistsAsync());
    }

    [Fact]
    public async Task Orchestrate_records_its_run_and_items_in_the_schema_it_creates()
    {
        await using var cli = new PostgresCliRunner();
        var plan = cli.WriteFile("plan.json", """
            {
              "goal": "Check two things",
              "agents": [ { "name": "checker", "instructions": "You check." } ],
              "items": [
                { "id": "one", "agent": "checker", "instructions": "Check one", "dependsOn": [] },
                { "id": "two", "agent": "checker", "instructions": "Check two", "dependsOn": ["one"] }
              ]
            }
            """);

        var run = JsonDocument.Parse(await cli.RunOkAsync("orchestrate", "--plan", plan, "--json")).RootElement;
        var sessionId = run.GetProperty("sessionId").GetString()!;
        var items = JsonDocument.Parse(await cli.RunOkAsync("sessions", "--parent", sessionId, "--json")).RootElement;
        var shown = await cli.RunOkAsync("session", "show", sessionId);

        Assert.Equal("completed", run.GetProperty("status").GetString());
        Assert.Equal(2, items.GetArrayLength());
        Assert.Contains("orchestration.completed", shown, StringComparison.Ordinal);
        Assert.Contains("on its 2 child sessions", shown, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Purge_deletes_the_ended_sessions_keeping_the_unread_ones_when_asked()
    {
        await using var cli = new PostgresCliRunner();
        await cli.RunOkAsync("import", cli.WriteFile("log.jsonl", TwoSessions), "--agent", "legacy");
        await Task.Delay(TimeSpan.FromSeconds(1.1));

        var dry = await cli.RunOkAsync("purge", "--older-than", "1s", "--dry-run");
        var kept = await cli.RunOkAsync("purge", "--older-than", "1s", "--keep-unread-for", "agent:legacy");
        var purged = JsonDocument.Parse(await cli.RunOkAsync("purge", "--older-than", "1s", "--json")).RootElement;
        var (compactExit, _, compact) = await cli.RunAsync("purge", "--older-than", "1s", "--compact");

        Assert.StartsWith("would purge 2 ended sessions", dry, StringComparison.Ordinal);
        Assert.StartsWith("purged 0 ended sessions", kept, StringComparison.Ordinal);
        Assert.Contains("has not been read by a dream of agent:legacy yet", kept, StringComparison.Ordinal);
        Assert.Equal(2, purged.GetProperty("count").GetInt32());
        Assert.Contains("no sessions match", await cli.RunOkAsync("sessions"), StringComparison.Ordinal);
        Assert.Equal(1, compactExit);
        Assert.Contains("--compact rewrites a SQLite file (VACUUM)", compact, StringComparison.Ordinal);
    }
}
