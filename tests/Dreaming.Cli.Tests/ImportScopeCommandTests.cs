using System.Text.Json;

namespace Dreaming.Cli.Tests;

public class ImportScopeCommandTests
{
    private const string TwoSessions = """
        {"id":"a","messages":[{"role":"user","content":"hi"},{"role":"assistant","content":"sorry"}],"reward":0}
        {"id":"b","messages":[{"role":"user","content":"hello"},{"role":"assistant","content":"hi there"}],"reward":1}
        """;

    [Fact]
    public async Task Import_with_a_scope_gives_every_session_the_team_so_the_teams_dream_reads_them()
    {
        using var cli = new CliRunner();
        var file = cli.WriteFile("log.jsonl", TwoSessions);

        var (exit, output, error) = await cli.RunAsync("import", file, "--db", cli.Database, "--agent", "legacy", "--scope", "billing");

        Assert.True(exit == 0, error);
        Assert.Contains("imported 2 sessions", output, StringComparison.Ordinal);
        var (_, list, _) = await cli.RunAsync("sessions", "--db", cli.Database, "--json");
        var scopes = JsonDocument.Parse(list).RootElement.EnumerateArray().Select(s => s.GetProperty("scope").GetString()).ToList();
        Assert.Equal(["billing", "billing"], scopes);
        var (dreamExit, dream, dreamError) = await cli.RunAsync("dream", "--scope", "team:billing", "--db", cli.Database, "--json", "--min-sessions", "1");
        Assert.True(dreamExit == 0, dreamError);
        Assert.Equal(2, JsonDocument.Parse(dream).RootElement.GetProperty("sessions_read").GetInt32());
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Re_importing_with_another_scope_keeps_the_stored_scope_and_warns_that_it_did(bool json)
    {
        using var cli = new CliRunner();
        var file = cli.WriteFile("log.jsonl", TwoSessions);
        Assert.Equal(0, (await cli.RunAsync("import", file, "--db", cli.Database, "--scope", "billing")).Exit);
        var more = cli.WriteFile("more.jsonl", TwoSessions + "\n" + """{"id":"c","messages":[{"role":"user","content":"hey"}],"reward":1}""");

        string[] tail = json ? ["--json"] : [];
        var (exit, output, error) = await cli.RunAsync(["import", more, "--db", cli.Database, "--scope", "support", .. tail]);

        Assert.True(exit == 0, error);
        Assert.Contains("warning: 2 sessions were already in the database with another scope and keep the scope they had; --scope sets it only for the sessions imported now.", error, StringComparison.Ordinal);
        Assert.DoesNotContain("warning", output, StringComparison.Ordinal);
        var (_, list, _) = await cli.RunAsync("sessions", "--db", cli.Database, "--json");
        var scopes = JsonDocument.Parse(list).RootElement.EnumerateArray().ToDictionary(s => s.GetProperty("id").GetString()!, s => s.GetProperty("scope").GetString());
        Assert.Equal(new Dictionary<string, string?> { ["a"] = "billing", ["b"] = "billing", ["c"] = "support" }, scopes);
    }

    [Fact]
    public async Task Re_importing_with_an_agent_and_a_scope_names_both_and_a_first_import_or_one_without_them_warns_nothing()
    {
        using var cli = new CliRunner();
        var file = cli.WriteFile("log.jsonl", TwoSessions);
        var first = await cli.RunAsync("import", file, "--db", cli.Database, "--agent", "legacy", "--scope", "billing");
        var plain = await cli.RunAsync("import", file, "--db", cli.Database);
        var both = await cli.RunAsync("import", file, "--db", cli.Database, "--agent", "other", "--scope", "support");

        Assert.Equal((0, string.Empty), (first.Exit, first.Error));
        Assert.Equal((0, string.Empty), (plain.Exit, plain.Error));
        Assert.Equal(0, both.Exit);
        Assert.Contains("warning: 2 sessions were already in the database with another agent or scope and keep the agent and scope they had; --agent and --scope set them only for the sessions imported now.", both.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Re_importing_with_the_scope_and_agent_the_stored_sessions_have_warns_nothing()
    {
        // The warning came on every re-import with --scope or --agent, though nothing was kept that differed.
        using var cli = new CliRunner();
        var file = cli.WriteFile("log.jsonl", TwoSessions);
        Assert.Equal(0, (await cli.RunAsync("import", file, "--db", cli.Database, "--agent", "legacy", "--scope", "billing")).Exit);
        var more = cli.WriteFile("more.jsonl", TwoSessions + "\n" + """{"id":"c","messages":[{"role":"user","content":"hey"}],"reward":1}""");

        var again = await cli.RunAsync("import", file, "--db", cli.Database, "--agent", "legacy", "--scope", "billing");
        var scopeOnly = await cli.RunAsync("import", more, "--db", cli.Database, "--scope", "billing", "--json");
        var agentOnly = await cli.RunAsync("import", file, "--db", cli.Database, "--agent", "legacy");

        Assert.Equal((0, string.Empty), (again.Exit, again.Error));
        Assert.Contains("imported 0 of 2 sessions", again.Output, StringComparison.Ordinal);
        Assert.Equal((0, string.Empty), (scopeOnly.Exit, scopeOnly.Error));
        Assert.Equal(1, JsonDocument.Parse(scopeOnly.Output).RootElement.GetProperty("imported").GetInt32());
        Assert.Equal((0, string.Empty), (agentOnly.Exit, agentOnly.Error));
    }

    [Fact]
    public async Task Re_importing_counts_only_the_stored_sessions_whose_scope_or_agent_differs()
    {
        using var cli = new CliRunner();
        Assert.Equal(0, (await cli.RunAsync("import", cli.WriteFile("a.jsonl", TwoSessions.Split('\n', StringSplitOptions.TrimEntries)[0]), "--db", cli.Database, "--agent", "legacy", "--scope", "billing")).Exit);
        Assert.Equal(0, (await cli.RunAsync("import", cli.WriteFile("b.jsonl", TwoSessions.Split('\n', StringSplitOptions.TrimEntries)[1]), "--db", cli.Database, "--agent", "legacy", "--scope", "support")).Exit);
        var file = cli.WriteFile("log.jsonl", TwoSessions);

        var scope = await cli.RunAsync("import", file, "--db", cli.Database, "--scope", "support");
        var agent = await cli.RunAsync("import", file, "--db", cli.Database, "--agent", "legacy", "--scope", "billing");
        var other = await cli.RunAsync("import", file, "--db", cli.Database, "--agent", "other");

        Assert.Equal(0, scope.Exit);
        Assert.Equal("warning: 1 session was already in the database with another scope and keeps the scope it had; --scope sets it only for the sessions imported now.", scope.Error.TrimEnd());
        Assert.Equal("warning: 1 session was already in the database with another agent or scope and keeps the agent and scope it had; --agent and --scope set them only for the sessions imported now.", agent.Error.TrimEnd());
        Assert.Equal("warning: 2 sessions were already in the database with another agent and keep the agent they had; --agent sets it only for the sessions imported now.", other.Error.TrimEnd());
    }

    [Fact]
    public async Task Import_without_a_scope_leaves_the_sessions_without_a_team()
    {
        using var cli = new CliRunner();
        var file = cli.WriteFile("log.jsonl", TwoSessions);

        var (exit, _, error) = await cli.RunAsync("import", file, "--db", cli.Database);

        Assert.True(exit == 0, error);
        var (_, list, _) = await cli.RunAsync("sessions", "--db", cli.Database, "--json");
        Assert.All(JsonDocument.Parse(list).RootElement.EnumerateArray(), s => Assert.True(!s.TryGetProperty("scope", out var scope) || scope.ValueKind == JsonValueKind.Null));
    }

    [Fact]
    public async Task Import_refuses_a_scope_with_half_a_surrogate_pair_and_imports_nothing()
    {
        using var cli = new CliRunner();
        var file = cli.WriteFile("log.jsonl", TwoSessions);

        var (exit, output, error) = await cli.RunAsync("import", file, "--db", cli.Database, "--scope", "team\uD800");

        Assert.Equal(1, exit);
        Assert.DoesNotContain("imported 2", output, StringComparison.Ordinal);
        Assert.Contains("--scope has half a character (an unpaired surrogate, U+D800) at index 4", error, StringComparison.Ordinal);
        Assert.False(File.Exists(cli.Database));
    }

    [Fact]
    public async Task Import_warns_when_the_scope_looks_like_a_memory_scope_key_which_would_be_stored_as_the_team_id()
    {
        using var cli = new CliRunner();
        var file = cli.WriteFile("log.jsonl", TwoSessions);

        var (exit, output, error) = await cli.RunAsync("import", file, "--db", cli.Database, "--scope", "team:billing");

        Assert.True(exit == 0, error);
        Assert.Contains("imported 2 sessions", output, StringComparison.Ordinal);
        Assert.Contains("--scope takes the team id: the sessions are stored in the team 'team:billing'; for the team 'billing' give --scope billing", error, StringComparison.Ordinal);
    }
}
