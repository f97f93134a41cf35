using System.Text.Json;
using Dreaming.Sqlite;

namespace Dreaming.Cli.Tests;

/// <summary>A log's session id longer than <see cref="SessionRecord.MaxIdLength"/> is stored as its start, <c>~</c> and a
/// hash of the whole; the commands that look a session up by the id a person types find it by the id as the log gave it.</summary>
public class ImportedLongIdTests
{
    private static readonly string LongId = "run-" + new string('x', 296);

    private static string Log(string id) =>
        JsonSerializer.Serialize(new { id, messages = new[] { new { role = "user", content = "hi" }, new { role = "assistant", content = "hello" } }, reward = 1 });

    private static async Task<string> ImportLongAsync(CliRunner cli)
    {
        var (exit, _, error) = await cli.RunAsync("import", cli.WriteFile("log.jsonl", Log(LongId)), "--db", cli.Database);
        Assert.True(exit == 0, error);
        var (_, list, _) = await cli.RunAsync("sessions", "--db", cli.Database, "--json");
        var stored = JsonDocument.Parse(list).RootElement.EnumerateArray().Single().GetProperty("id").GetString()!;
        Assert.Equal(SessionRecord.MaxIdLength, stored.Length);
        Assert.StartsWith(LongId[..200], stored, StringComparison.Ordinal);
        return stored;
    }

    [Theory]
    [InlineData("session", "show")]
    [InlineData("inspect")]
    public async Task Session_show_of_an_imported_sessions_id_as_the_log_gave_it_finds_the_session_stored_under_its_capped_id(params string[] command)
    {
        using var cli = new CliRunner();
        var stored = await ImportLongAsync(cli);

        var (exit, output, error) = await cli.RunAsync([.. command, LongId, "--db", cli.Database, "--json"]);
        var (byStored, _, _) = await cli.RunAsync([.. command, stored, "--db", cli.Database, "--json"]);

        Assert.True(exit == 0, error);
        Assert.Equal(stored, JsonDocument.Parse(output).RootElement.GetProperty("session").GetProperty("id").GetString());
        Assert.Equal(0, byStored);
    }

    [Fact]
    public async Task Session_show_of_another_long_id_still_says_it_does_not_exist_naming_the_id_typed()
    {
        using var cli = new CliRunner();
        await ImportLongAsync(cli);
        var other = LongId[..^1] + "y";

        var (exit, _, error) = await cli.RunAsync("session", "show", other, "--db", cli.Database);

        Assert.Equal(1, exit);
        Assert.Contains($"Session '{other}' does not exist", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Sessions_parent_given_an_imported_sessions_id_as_the_log_gave_it_lists_its_sub_sessions()
    {
        using var cli = new CliRunner();
        var stored = await ImportLongAsync(cli);
        using (var traces = new SqliteTraceStore(cli.Database))
        {
            await traces.WriteAsync(new TraceWriteBatch(
                [new SessionRecord { Id = "child", AgentId = "bot", ParentSessionId = stored, Task = "follow up", StartedAt = DateTimeOffset.UnixEpoch }],
                []));
        }

        var (exit, output, error) = await cli.RunAsync("sessions", "--parent", LongId, "--db", cli.Database, "--json");

        Assert.True(exit == 0, error);
        Assert.Equal(["child"], JsonDocument.Parse(output).RootElement.EnumerateArray().Select(s => s.GetProperty("id").GetString()));
    }

    private static async Task<string> ImportLongAgentAsync(CliRunner cli)
    {
        var log = JsonSerializer.Serialize(new { id = "a1", agent = LongId, messages = new[] { new { role = "user", content = "hi" } }, reward = 1 });
        var (exit, _, error) = await cli.RunAsync("import", cli.WriteFile("agent.jsonl", log), "--db", cli.Database);
        Assert.True(exit == 0, error);
        return IdentifierCap.StoredId(LongId);
    }

    [Fact]
    public async Task Sessions_agent_given_an_imported_agents_id_as_the_log_gave_it_lists_its_sessions()
    {
        using var cli = new CliRunner();
        var stored = await ImportLongAgentAsync(cli);

        var (exit, output, error) = await cli.RunAsync("sessions", "--agent", LongId, "--db", cli.Database, "--json");

        Assert.True(exit == 0, error);
        var session = Assert.Single(JsonDocument.Parse(output).RootElement.EnumerateArray());
        Assert.Equal(("a1", stored), (session.GetProperty("id").GetString(), session.GetProperty("agentId").GetString()));
    }

    [Fact]
    public async Task Sessions_agent_given_a_long_agent_id_stored_whole_lists_those_and_not_the_capped_ones()
    {
        using var cli = new CliRunner();
        await ImportLongAgentAsync(cli);
        using (var traces = new SqliteTraceStore(cli.Database))
        {
            // As a build before the cap imported it: the agent id whole.
            await traces.ImportAsync([new SessionWithEvents(new SessionRecord { Id = "old", AgentId = LongId, Task = "t", Status = SessionStatus.Completed, StartedAt = DateTimeOffset.UnixEpoch, EndedAt = DateTimeOffset.UnixEpoch }, [])]);
        }

        var (exit, output, error) = await cli.RunAsync("sessions", "--agent", LongId, "--db", cli.Database, "--json");

        Assert.True(exit == 0, error);
        Assert.Equal(["old"], JsonDocument.Parse(output).RootElement.EnumerateArray().Select(s => s.GetProperty("id").GetString()));
    }

    [Fact]
    public async Task Dream_agent_given_an_imported_agents_id_as_the_log_gave_it_dreams_over_its_sessions_under_the_capped_id()
    {
        using var cli = new CliRunner();
        var stored = await ImportLongAgentAsync(cli);

        var (exit, output, error) = await cli.RunAsync("dream", "--agent", LongId, "--min-sessions", "1", "--db", cli.Database, "--json");

        Assert.True(exit == 0, error + output);
        var root = JsonDocument.Parse(output).RootElement;
        Assert.Equal(("agent:" + stored, 1), (root.GetProperty("scope").GetString(), root.GetProperty("sessions_read").GetInt32()));
    }

    [Fact]
    public async Task Dream_scope_agent_given_an_imported_agents_id_as_the_log_gave_it_is_the_same_as_dream_agent()
    {
        // cli.md: --scope agent:ID is the same as --agent ID, so it finds the sessions stored under the capped id too.
        using var cli = new CliRunner();
        var stored = await ImportLongAgentAsync(cli);

        var (exit, output, error) = await cli.RunAsync("dream", "--scope", "agent:" + LongId, "--min-sessions", "1", "--db", cli.Database, "--json");

        Assert.True(exit == 0, error + output);
        var root = JsonDocument.Parse(output).RootElement;
        Assert.Equal(("agent:" + stored, 1), (root.GetProperty("scope").GetString(), root.GetProperty("sessions_read").GetInt32()));
    }

    [Theory]
    [InlineData("--agent", "")]
    [InlineData("--scope", "agent:")]
    public async Task Runs_of_an_imported_agents_id_as_the_log_gave_it_lists_the_dream_dream_agent_made_of_it(string option, string prefix)
    {
        // 'dream --agent ID' dreams for the capped id's scope; 'runs' given the same ID lists that run, as 'sessions' does.
        using var cli = new CliRunner();
        var stored = await ImportLongAgentAsync(cli);
        var (dreamt, _, dreamError) = await cli.RunAsync("dream", "--agent", LongId, "--min-sessions", "1", "--db", cli.Database);
        Assert.True(dreamt == 0, dreamError);

        var (exit, output, error) = await cli.RunAsync("runs", option, prefix + LongId, "--db", cli.Database, "--json");

        Assert.True(exit == 0, error);
        var run = Assert.Single(JsonDocument.Parse(output).RootElement.EnumerateArray());
        Assert.Equal("agent:" + stored, run.GetProperty("scope").GetString());
    }

    [Fact]
    public async Task A_UTF16_database_file_is_refused_by_a_command_naming_the_encoding_and_the_way_out()
    {
        using var cli = new CliRunner();
        using (var connection = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={cli.Database};Pooling=False"))
        {
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = "PRAGMA encoding = 'UTF-16le'; CREATE TABLE host_notes (text TEXT);";
            command.ExecuteNonQuery();
        }

        var (exit, output, error) = await cli.RunAsync("sessions", "--db", cli.Database);

        Assert.True(exit != 0, output);
        Assert.Contains("its text encoding is UTF-16le", error, StringComparison.Ordinal);
        Assert.Contains("sqlite3 old.db .dump | sqlite3 new.db", error, StringComparison.Ordinal);

        // The tool's user gave --db, never the library's option: the start-time check's message named it.
        Assert.StartsWith($"error: Cannot open the trace store '{cli.Database}': its text encoding", error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--agent", "\u0001", "--agent has the control character U+0001 at index 2")]
    [InlineData("--scope", "\u0001", "--scope has the control character U+0001 at index 2")]
    [InlineData("--agent", "long", "--agent is 300 characters long; an id is at most 256")]
    [InlineData("--scope", "long", "--scope is 300 characters long; an id is at most 256")]
    public async Task Import_with_an_agent_or_scope_that_is_no_id_is_a_parse_error_naming_the_option(string option, string what, string expected)
    {
        using var cli = new CliRunner();
        var value = what == "long" ? new string('a', 300) : "ab" + what + "c";
        var file = cli.WriteFile("log.jsonl", Log("a"));

        var (exit, output, error) = await cli.RunAsync("import", file, option, value, "--db", cli.Database, "--json");

        Assert.Equal(1, exit);
        Assert.Equal(string.Empty, output);
        Assert.Contains(expected, error, StringComparison.Ordinal);
        Assert.DoesNotContain("SessionImportOptions", error, StringComparison.Ordinal);
        Assert.False(File.Exists(cli.Database));
    }

    [Fact]
    public async Task Import_with_an_agent_with_half_a_surrogate_pair_is_a_parse_error_naming_the_option_as_scope_is()
    {
        using var cli = new CliRunner();
        var file = cli.WriteFile("log.jsonl", Log("a"));

        var (exit, _, error) = await cli.RunAsync("import", file, "--agent", "a" + (char)0xD800, "--db", cli.Database);

        Assert.Equal(1, exit);
        Assert.Contains("--agent has half a character (an unpaired surrogate, U+D800) at index 1", error, StringComparison.Ordinal);
        Assert.False(File.Exists(cli.Database));
    }
}
