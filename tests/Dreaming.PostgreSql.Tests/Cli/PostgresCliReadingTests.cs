using Dreaming.Cli;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace Dreaming.PostgreSql.Tests.Cli;

/// <summary>The reading commands create no table: on a schema where the app made only some stores' tables (here the trace
/// tables of an app that records sessions and has not dreamed yet), <c>sessions</c>, <c>session show</c>, <c>report</c>,
/// <c>runs</c>, <c>memory list</c>, <c>webhooks list</c> and <c>view</c> read the stores whose tables are there, find
/// nothing in the others, leave the schema as it was, and so run for a role that may only read.</summary>
public sealed class PostgresCliReadingTests
{
    private const string OneSession = """{"id":"a","messages":[{"role":"user","content":"hi"},{"role":"assistant","content":"hello"}],"reward":1}""";

    private static readonly string[][] s_readingCommands =
    [
        ["sessions"], ["session", "show", "a"], ["inspect", "a", "--json"], ["report"], ["report", "--agent", "legacy", "--json"],
        ["runs", "--agent", "legacy"], ["memory", "list", "--agent", "legacy"], ["memory", "list", "--scope", "global", "--json"],
        ["webhooks", "list"], ["webhooks", "list", "--unrouted", "--json"],
    ];

    private static readonly string[] s_viewPages = ["/", "/sessions", "/sessions/a", "/memory", "/runs", "/agents", "/webhooks"];

    [Fact]
    public async Task The_reading_commands_create_no_table_of_a_store_the_schema_does_not_have_yet()
    {
        await using var cli = new PostgresCliRunner();
        await cli.RunOkAsync("import", cli.WriteFile("log.jsonl", OneSession), "--agent", "legacy");
        var before = await TablesAsync(cli.Schema);

        foreach (var command in s_readingCommands)
        {
            await cli.RunOkAsync(command);
        }

        await ViewAsync(cli);

        Assert.Contains("sessions", before);
        Assert.DoesNotContain("memory_versions", before);
        Assert.Equal(before, await TablesAsync(cli.Schema));
    }

    [Fact]
    public async Task A_role_that_may_only_read_runs_the_reading_commands_on_a_schema_with_only_the_trace_tables()
    {
        await using var cli = new PostgresCliRunner();
        await cli.RunOkAsync("import", cli.WriteFile("log.jsonl", OneSession), "--agent", "legacy");
        var role = "t_reader_" + Guid.NewGuid().ToString("N")[..12];
        await ExecuteAsync($"CREATE ROLE {role} LOGIN; GRANT USAGE ON SCHEMA {cli.Schema} TO {role}; GRANT SELECT ON ALL TABLES IN SCHEMA {cli.Schema} TO {role};");
        try
        {
            cli.Environment["DREAMING_DB"] = new NpgsqlConnectionStringBuilder(PostgresTestServer.ConnectionString) { Username = role }.ConnectionString + ";Schema=" + cli.Schema;
            foreach (var command in s_readingCommands)
            {
                await cli.RunOkAsync(command);
            }

            Assert.Contains("agent legacy: 1 ended session\n", await cli.RunOkAsync("report"), StringComparison.Ordinal);
            Assert.Contains("no memory versions for agent:legacy", await cli.RunOkAsync("memory", "list", "--agent", "legacy"), StringComparison.Ordinal);
            await ViewAsync(cli);
        }
        finally
        {
            await ExecuteAsync($"DROP OWNED BY {role}; DROP ROLE {role};");
        }
    }

    // The view's only change that finds nothing first: disabling an endpoint (a hand-made POST, with the token of any form
    // the view shows, such as a memory version's). On a schema without the outbox's tables it went to the empty stand-in,
    // answered 303 as done, and the app's dispatcher never saw it; it goes to the database, which makes the tables then.
    [Fact]
    public async Task Disabling_an_endpoint_on_a_schema_without_the_outbox_tables_writes_it_to_the_database()
    {
        await using var cli = new PostgresCliRunner();
        await cli.RunOkAsync("import", cli.WriteFile("log.jsonl", OneSession), "--agent", "legacy");
        var database = CliDatabase.Parse(cli.Database, null);
        var components = await CliServices.RequireDatabaseAsync(database, CancellationToken.None);
        Assert.DoesNotContain("webhooks", components!.Present);

        // As the view builds its services.
        var services = new ServiceCollection();
        database.Use(services.AddDreamingAgents(), unroutedWebhooks: true);
        CliServices.ReadMissingAsEmpty(services, components);
        var before = await TablesAsync(cli.Schema);
        await using (var provider = services.BuildServiceProvider())
        {
            var outbox = provider.GetRequiredService<IWebhookOutboxStore>();
            Assert.Empty(await outbox.ListAsync());
            Assert.False((await outbox.GetEndpointAsync("crm")).IsDisabled);
            Assert.Equal(before, await TablesAsync(cli.Schema));

            await outbox.SetEndpointDisabledAsync("crm", "disabled in the agent view by alice", DateTimeOffset.UtcNow);
            Assert.True((await outbox.GetEndpointAsync("crm")).IsDisabled);
        }

        await using var app = new PostgresWebhookOutboxStore(cli.Options);
        Assert.Equal("disabled in the agent view by alice", (await app.GetEndpointAsync("crm")).DisabledReason);
    }

    // Serves the view and reads every page that lists something; each must answer 200.
    private static async Task ViewAsync(PostgresCliRunner cli)
    {
        using var cancel = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var output = new StringWriter();
        var error = new StringWriter();
        var synced = TextWriter.Synchronized(output);
        var run = DreamingCommandLine.InvokeAsync(["view", "--port", "0", "--read-only"], synced, TextWriter.Synchronized(error), environment: name => cli.Environment.GetValueOrDefault(name), cancellationToken: cancel.Token);
        string? line = null;
        for (var i = 0; i < 600 && line is null; i++)
        {
            lock (synced)
            {
                line = output.ToString().Split('\n').FirstOrDefault(l => l.Contains("http://", StringComparison.Ordinal));
            }

            Assert.False(run.IsCompleted && line is null, "the view stopped before printing its address: " + error);
            await Task.Delay(50);
        }

        Assert.NotNull(line);
        var address = line[line.IndexOf("http://", StringComparison.Ordinal)..line.IndexOf("/ (", StringComparison.Ordinal)];
        using var client = new HttpClient { BaseAddress = new Uri(address) };
        foreach (var page in s_viewPages)
        {
            using var response = await client.GetAsync(new Uri(page, UriKind.Relative));
            Assert.True(response.IsSuccessStatusCode, $"{page}: {(int)response.StatusCode}");
        }

        await cancel.CancelAsync();
        Assert.Equal(0, await run);
    }

    private static async Task<List<string>> TablesAsync(string schema)
    {
        await using var connection = new NpgsqlConnection(PostgresTestServer.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT table_name FROM information_schema.tables WHERE table_schema = @s ORDER BY table_name", connection);
        command.Parameters.AddWithValue("s", schema);
        var tables = new List<string>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            tables.Add(reader.GetString(0));
        }

        return tables;
    }

    private static async Task ExecuteAsync(string sql)
    {
        await using var connection = new NpgsqlConnection(PostgresTestServer.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }
}
