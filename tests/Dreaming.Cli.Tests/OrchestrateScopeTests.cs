using System.Text.Json;

namespace Dreaming.Cli.Tests;

public class OrchestrateScopeTests
{
    [Fact]
    public async Task A_plan_files_scope_is_the_team_scope_of_the_run_and_its_items_sessions()
    {
        using var cli = new CliRunner();
        var plan = cli.WriteFile("plan.json", """
            {"goal":"g","agents":[{"name":"w","instructions":"i"}],
             "items":[{"id":"one","agent":"w","instructions":"x"},{"id":"two","agent":"w","instructions":"y","dependsOn":["one"]}],
             "scope":"billing"}
            """);

        var (exit, json, error) = await cli.RunAsync("orchestrate", "--plan", plan, "--db", cli.Database, "--json");

        Assert.True(exit == 0, error + json);
        var (_, list, _) = await cli.RunAsync("sessions", "--db", cli.Database, "--json");
        var scopes = JsonDocument.Parse(list).RootElement.EnumerateArray().Select(s => s.GetProperty("scope").GetString()).ToList();
        Assert.Equal(3, scopes.Count);
        Assert.All(scopes, scope => Assert.Equal("billing", scope));
    }

    [Theory]
    [InlineData("")]
    [InlineData(""" ,"scope":null""")]
    [InlineData(""" ,"scope":"  " """)]
    public async Task Without_a_scope_or_with_a_blank_one_the_run_has_no_team(string scope)
    {
        using var cli = new CliRunner();
        var plan = cli.WriteFile("plan.json", $$"""
            {"goal":"g","agents":[{"name":"w","instructions":"i"}],"items":[{"id":"one","agent":"w","instructions":"x"}]{{scope}}}
            """);

        var (exit, json, error) = await cli.RunAsync("orchestrate", "--plan", plan, "--db", cli.Database, "--json");

        Assert.True(exit == 0, error + json);
        var (_, list, _) = await cli.RunAsync("sessions", "--db", cli.Database, "--json");
        var sessions = JsonDocument.Parse(list).RootElement.EnumerateArray().ToList();
        Assert.Equal(2, sessions.Count);
        Assert.All(sessions, s => Assert.True(!s.TryGetProperty("scope", out var value) || value.ValueKind == JsonValueKind.Null, s.ToString()));
    }

    [Fact]
    public async Task A_scope_with_half_a_surrogate_pair_is_not_a_valid_plan_and_nothing_is_recorded()
    {
        using var cli = new CliRunner();
        var plan = cli.WriteFile("plan.json", """
            {"goal":"g","agents":[{"name":"w","instructions":"i"}],"items":[{"id":"one","agent":"w","instructions":"x"}],"scope":"team\uD800"}
            """);

        var (exit, _, error) = await cli.RunAsync("orchestrate", "--plan", plan, "--db", cli.Database);

        Assert.Equal(1, exit);
        // System.Text.Json reads no string with half a surrogate pair, so the file never reaches the orchestrator's own check.
        Assert.Contains("is not a valid plan", error, StringComparison.Ordinal);
        Assert.Contains("$.scope", error, StringComparison.Ordinal);
        Assert.False(File.Exists(cli.Database));
    }
}
