using System.Text.Json;
using Dreaming.Sqlite;

namespace Dreaming.Cli.Tests;

/// <summary><c>dreaming session show RUN</c> says what the session's direct child sessions (an orchestration run's items)
/// used, which its own usage line does not hold.</summary>
public class SessionShowChildSessionsTests
{
    private static readonly DateTimeOffset s_at = new(2026, 3, 1, 9, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task A_runs_session_shows_its_direct_childrens_usage_beside_its_own()
    {
        // The run's own session holds no calls (a plan file's run): it showed 0 tokens, with nothing saying its items'
        // usage is on its child sessions.
        using var cli = new CliRunner();
        await SeedAsync(cli.Database);

        var (exit, output, error) = await cli.RunAsync("session", "show", "run-1", "--db", cli.Database);

        Assert.True(exit == 0, error);
        Assert.Contains("usage     0 in / 0 out tokens, 0 model calls\n", output.ReplaceLineEndings("\n"), StringComparison.Ordinal);
        Assert.Contains("children  357 tokens, cost 51 minor units on its 3 child sessions, 1 still running, not in the usage above (dreaming sessions --parent run-1)", output, StringComparison.Ordinal);

        var (jsonExit, json, jsonError) = await cli.RunAsync("session", "show", "run-1", "--db", cli.Database, "--json");
        Assert.True(jsonExit == 0, jsonError);
        using var document = JsonDocument.Parse(json);
        var root = document.RootElement;
        Assert.Equal((3, 1, 357, 51), (root.GetProperty("childSessions").GetInt64(), root.GetProperty("childSessionsRunning").GetInt64(), root.GetProperty("childTotalTokens").GetInt64(), root.GetProperty("childTotalCostMinorUnits").GetInt64()));
        Assert.Equal("run-1", root.GetProperty("session").GetProperty("id").GetString());
    }

    [Fact]
    public async Task A_session_without_children_has_no_children_line_and_zero_in_its_json()
    {
        using var cli = new CliRunner();
        await SeedAsync(cli.Database);

        // item-a has a child of its own (grandchild of the run, not counted for the run); solo has none.
        var (exit, output, error) = await cli.RunAsync("session", "show", "solo", "--db", cli.Database);
        var (itemExit, item, _) = await cli.RunAsync("session", "show", "item-a", "--db", cli.Database);
        var (jsonExit, json, _) = await cli.RunAsync("session", "show", "solo", "--db", cli.Database, "--json");

        Assert.True(exit == 0, error);
        Assert.DoesNotContain("children", output, StringComparison.Ordinal);
        Assert.Equal(0, itemExit);
        Assert.Contains("children  1000 tokens on its 1 child session, not in the usage above (dreaming sessions --parent item-a)", item, StringComparison.Ordinal);
        Assert.Equal(0, jsonExit);
        using var document = JsonDocument.Parse(json);
        Assert.Equal(0, document.RootElement.GetProperty("childSessions").GetInt64());
        Assert.Equal(0, document.RootElement.GetProperty("childTotalTokens").GetInt64());
    }

    // A run with no calls of its own and three items (one still running, with 5 tokens so far), a grandchild under
    // item-a, and a session of no run.
    private static async Task SeedAsync(string database)
    {
        SessionWithEvents[] sessions =
        [
            new(Ended("run-1", "coordinator", s_at, 0, 0, 0, calls: 0), []),
            new(Ended("item-a", "writer", s_at.AddSeconds(1), 100, 52, 21, parent: "run-1"), []),
            new(Ended("item-b", "reviewer", s_at.AddSeconds(2), 200, 0, 30, parent: "run-1"), []),
            new(Ended("sub-a", "helper", s_at.AddSeconds(3), 600, 400, 0, parent: "item-a"), []),
            new(Ended("solo", "writer", s_at.AddSeconds(3), 5, 5, 0), []),
        ];
        using var store = new SqliteTraceStore(database);
        await store.ImportAsync(sessions);
        await store.WriteAsync(new TraceWriteBatch(
            [new SessionRecord { Id = "item-c", AgentId = "writer", Task = "still going", ParentSessionId = "run-1", StartedAt = s_at.AddSeconds(4), Usage = new SessionUsage { InputTokens = 5, ModelCalls = 1 } }],
            []));
    }

    private static SessionRecord Ended(string id, string agent, DateTimeOffset startedAt, long input, long output, long cost, string? parent = null, int calls = 1) => new()
    {
        Id = id,
        AgentId = agent,
        Task = "task " + id,
        ParentSessionId = parent,
        Status = SessionStatus.Completed,
        StartedAt = startedAt,
        EndedAt = startedAt.AddSeconds(30),
        Usage = new SessionUsage { InputTokens = input, OutputTokens = output, CostMinorUnits = cost, ModelCalls = calls },
    };
}
