using System.Text.Json;
using Dreaming.Sqlite;

namespace Dreaming.Cli.Tests;

/// <summary><c>dreaming dream --min-scopes N</c>: an agent or global dream keeps only what several tenants' sessions show
/// (<see cref="MiningOptions.MinScopes"/>), from the tool as from code.</summary>
public class DreamMinScopesCommandTests
{
    private const string OneTenantTool = "check_stock";
    private const string SharedTool = "get_user_details";

    [Fact]
    public async Task With_two_scopes_an_agent_dream_keeps_what_two_tenants_show_and_drops_what_one_shows()
    {
        using var cli = new CliRunner();
        await SeedAsync(cli.Database);
        using var again = new CliRunner();
        await SeedAsync(again.Database);

        var (byDefault, defaultJson, defaultError) = await cli.RunAsync("dream", "--agent", "bot", "--db", cli.Database, "--json");
        var (filtered, filteredJson, filteredError) = await again.RunAsync("dream", "--agent", "bot", "--db", again.Database, "--json", "--min-scopes", "2");

        Assert.True(byDefault == 0, defaultError);
        Assert.True(filtered == 0, filteredError);
        var all = Tools(defaultJson);
        var kept = Tools(filteredJson);
        Assert.Contains(OneTenantTool, all);
        Assert.Contains(SharedTool, all);
        Assert.DoesNotContain(OneTenantTool, kept);
        Assert.Contains(SharedTool, kept);
        Assert.Equal(1, JsonDocument.Parse(defaultJson).RootElement.GetProperty("min_scopes").GetInt32());
        Assert.Equal(2, JsonDocument.Parse(filteredJson).RootElement.GetProperty("min_scopes").GetInt32());

        // The run records what it applied: the request's MinScopes, none when the option was left at 1.
        using var defaultRuns = new SqliteDreamRunStore(cli.Database);
        using var filteredRuns = new SqliteDreamRunStore(again.Database);
        Assert.Null(Assert.Single(await defaultRuns.ListAsync(MemoryScope.Agent("bot"), 10)).Request.MinScopes);
        Assert.Equal(2, Assert.Single(await filteredRuns.ListAsync(MemoryScope.Agent("bot"), 10)).Request.MinScopes);
    }

    [Fact]
    public async Task The_text_output_says_which_findings_were_kept()
    {
        using var cli = new CliRunner();
        await SeedAsync(cli.Database);

        var (exit, text, error) = await cli.RunAsync("dream", "--scope", "global", "--db", cli.Database, "--min-scopes", "3");

        Assert.True(exit == 0, error);
        Assert.Contains("findings kept: only those shown by the sessions of at least 3 team scopes", text, StringComparison.Ordinal);
        Assert.DoesNotContain(SharedTool, text, StringComparison.Ordinal); // two tenants show it, three are needed
    }

    [Theory]
    [InlineData("--min-scopes applies to agent and global dreams; a dream for --scope team:acme", "--scope", "team:acme", "--min-scopes", "2")]
    [InlineData("--min-scopes", "--agent", "bot", "--min-scopes", "0")]
    public async Task A_team_dream_or_a_count_below_one_is_a_parse_error_naming_the_option(string message, params string[] args)
    {
        using var cli = new CliRunner();
        await SeedAsync(cli.Database);

        var (exit, output, error) = await cli.RunAsync(["dream", "--json", .. args, "--db", cli.Database]);

        Assert.Equal(1, exit);
        Assert.Equal(string.Empty, output);
        Assert.Contains(message, error, StringComparison.Ordinal);
    }

    private static List<string> Tools(string json) =>
        JsonDocument.Parse(json).RootElement.GetProperty("findings").EnumerateArray()
            .Select(f => f.GetProperty("tool").GetString() ?? string.Empty).ToList();

    // Sixteen sessions of one agent in two tenants: acme's failed sessions meet an error of acme's own (check_stock);
    // two failed sessions of each tenant meet an error both share (get_user_details); the rest pass.
    private static async Task SeedAsync(string database)
    {
        var start = new DateTimeOffset(2026, 11, 1, 9, 0, 0, TimeSpan.Zero);
        var sessions = Enumerable.Range(0, 16).Select(i =>
        {
            var id = $"s{i:D2}";
            var scope = i < 8 ? "acme" : "globex";
            var failed = i % 8 < 4;
            var tool = failed && i < 8 && i % 8 < 2 ? OneTenantTool : SharedTool;
            var time = start.AddMinutes(i);
            List<SessionEvent> events =
            [
                new ToolCallEvent { SessionId = id, Sequence = 1, Timestamp = time, CallId = "c1", ToolName = tool, Arguments = "{}" },
                new ToolResultEvent { SessionId = id, Sequence = 2, Timestamp = time, CallId = "c1", ToolName = tool, IsError = failed, Result = failed ? $"Error: {tool} is unavailable" : "ok" },
            ];
            if (failed && i < 8 && i % 8 >= 2)
            {
                events.Add(new ToolCallEvent { SessionId = id, Sequence = 3, Timestamp = time, CallId = "c2", ToolName = OneTenantTool, Arguments = "{}" });
                events.Add(new ToolResultEvent { SessionId = id, Sequence = 4, Timestamp = time, CallId = "c2", ToolName = OneTenantTool, IsError = true, Result = $"Error: {OneTenantTool} is unavailable" });
            }

            return new SessionWithEvents(
                new SessionRecord
                {
                    Id = id,
                    AgentId = "bot",
                    Scope = scope,
                    Task = "answer a customer",
                    Status = SessionStatus.Completed,
                    StartedAt = time,
                    EndedAt = time.AddSeconds(30),
                    Outcome = failed ? SessionOutcome.Failed() : SessionOutcome.Succeeded(),
                },
                events);
        }).ToList();
        using var store = new SqliteTraceStore("Data Source=" + database);
        Assert.Equal(16, await store.ImportAsync(sessions));
    }
}
