using System.Text.Json;
using Dreaming.Sqlite;

namespace Dreaming.Cli.Tests;

public class DreamScopeCommandTests
{
    [Fact]
    public async Task A_dream_for_a_team_scope_reads_only_the_teams_sessions_and_names_its_scope()
    {
        using var cli = new CliRunner();
        await SeedAsync(cli.Database);

        var (exit, json, error) = await cli.RunAsync("dream", "--scope", "team:billing", "--db", cli.Database, "--json");

        Assert.True(exit == 0, error);
        var root = JsonDocument.Parse(json).RootElement;
        Assert.Equal("team:billing", root.GetProperty("scope").GetString());
        Assert.Equal("completed", root.GetProperty("status").GetString());
        Assert.Equal(10, root.GetProperty("sessions_read").GetInt32());

        // The global memory reads every session, the team's included; text names the scope on its first line.
        var (globalExit, text, globalError) = await cli.RunAsync("dream", "--scope", "global", "--db", cli.Database);
        Assert.True(globalExit == 0, globalError);
        var first = text.Split('\n')[0];
        Assert.Contains("(global): completed", first, StringComparison.Ordinal);
        Assert.Contains("sessions read 22", text, StringComparison.Ordinal);

        // --agent works as before, and --scope agent:ID is the same scope.
        var (agentExit, agentJson, _) = await cli.RunAsync("dream", "--agent", "solo", "--db", cli.Database, "--json", "--min-sessions", "1");
        Assert.Equal(0, agentExit);
        Assert.Equal("agent:solo", JsonDocument.Parse(agentJson).RootElement.GetProperty("scope").GetString());
        Assert.Equal(12, JsonDocument.Parse(agentJson).RootElement.GetProperty("sessions_read").GetInt32());
        var (againExit, again, _) = await cli.RunAsync("dream", "--scope", "agent:solo", "--db", cli.Database, "--min-sessions", "1");
        Assert.Equal(0, againExit);
        Assert.Contains("(agent:solo): completed", again, StringComparison.Ordinal);
        Assert.Contains("not enough sessions", again, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Give --agent ID or --scope KEY, not both.", "dream", "--json", "--agent", "a", "--scope", "team:billing")]
    [InlineData("'team:' is not a memory scope for --scope", "dream", "--json", "--scope", "team:")]
    [InlineData("'Global' is not a memory scope for --scope", "dream", "--json", "--scope", "Global")]
    [InlineData("Option '--agent' is required (or give --scope", "dream", "--json")]
    public async Task Both_neither_or_a_malformed_scope_is_a_parse_error_naming_the_options(string message, params string[] args)
    {
        using var cli = new CliRunner();
        await SeedAsync(cli.Database);

        var (exit, output, error) = await cli.RunAsync([.. args, "--db", cli.Database]);

        Assert.Equal(1, exit);
        Assert.Equal(string.Empty, output);
        Assert.Contains(message, error, StringComparison.Ordinal);
        Assert.Contains("Usage:", error, StringComparison.Ordinal);
    }

    private static async Task SeedAsync(string database)
    {
        // Ten sessions of the billing team (two agents), twelve unscoped ones of another agent.
        var start = new DateTimeOffset(2026, 11, 1, 9, 0, 0, TimeSpan.Zero);
        var sessions = Enumerable.Range(0, 22).Select(i => new SessionWithEvents(
            new SessionRecord
            {
                Id = $"s{i:D2}",
                AgentId = i < 5 ? "billing-a" : i < 10 ? "billing-b" : "solo",
                Scope = i < 10 ? "billing" : null,
                Task = "refund an order",
                Status = SessionStatus.Completed,
                StartedAt = start.AddMinutes(i),
                EndedAt = start.AddMinutes(i).AddSeconds(30),
                Outcome = i % 2 == 0 ? SessionOutcome.Succeeded() : SessionOutcome.Failed(),
            },
            [])).ToList();
        using var store = new SqliteTraceStore("Data Source=" + database);
        Assert.Equal(22, await store.ImportAsync(sessions));
    }
}
