using System.Globalization;
using System.Text.Json;
using Dreaming.Sqlite;

namespace Dreaming.Cli.Tests;

/// <summary><c>dreaming report</c> shows beside an orchestration run's row what its child sessions (the items) used, which
/// its own session does not hold, without adding it to any row's totals.</summary>
public class ReportChildSessionsTests
{
    private static readonly DateTimeOffset s_at = new(2026, 3, 1, 9, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task A_runs_row_shows_its_children_usage_beside_its_own_and_no_total_counts_it_twice()
    {
        // The run's own session holds only the coordinator's calls (here 15 tokens): the report showed the run at that,
        // though its items used 352 more, with nothing saying where.
        using var cli = new CliRunner();
        await SeedAsync(cli.Database);

        var (exit, output, error) = await cli.RunAsync("report", "--db", cli.Database, "--json");

        Assert.True(exit == 0, error);
        using var document = JsonDocument.Parse(output);
        var groups = document.RootElement.GetProperty("agents").EnumerateArray()
            .ToDictionary(a => a.GetProperty("agent_id").GetString()!, a => a.GetProperty("groups").EnumerateArray().Single());
        var run = groups["coordinator"];
        Assert.Equal((1, 15, 5), (run.GetProperty("sessions").GetInt64(), run.GetProperty("total_tokens").GetInt64(), run.GetProperty("total_cost_minor_units").GetInt64()));
        Assert.Equal((3, 352, 51), (run.GetProperty("child_sessions").GetInt64(), run.GetProperty("child_total_tokens").GetInt64(), run.GetProperty("child_total_cost_minor_units").GetInt64()));
        Assert.Equal((3, 162), (groups["writer"].GetProperty("sessions").GetInt64(), groups["writer"].GetProperty("total_tokens").GetInt64()));
        Assert.Equal(0, groups["writer"].GetProperty("child_sessions").GetInt64());
        Assert.Equal(200, groups["reviewer"].GetProperty("total_tokens").GetInt64());

        // Every ended session's own tokens once: 15 + 2 + 150 + 10 + 200.
        Assert.Equal(377, groups.Values.Sum(g => g.GetProperty("total_tokens").GetInt64()));
    }

    [Fact]
    public async Task With_agent_the_runs_children_of_other_agents_are_counted_too()
    {
        using var cli = new CliRunner();
        await SeedAsync(cli.Database);

        var (exit, output, error) = await cli.RunAsync("report", "--db", cli.Database, "--agent", "coordinator", "--json");
        var (textExit, text, _) = await cli.RunAsync("report", "--db", cli.Database, "--agent", "coordinator");

        Assert.True(exit == 0, error);
        using var document = JsonDocument.Parse(output);
        var run = document.RootElement.GetProperty("agents").EnumerateArray().Single().GetProperty("groups").EnumerateArray().Single();
        Assert.Equal((3, 352, 51), (run.GetProperty("child_sessions").GetInt64(), run.GetProperty("child_total_tokens").GetInt64(), run.GetProperty("child_total_cost_minor_units").GetInt64()));
        Assert.Equal(0, textExit);
        Assert.Contains("  children of no memory: 3 ended child sessions, 352 tokens, cost 51 (counted in their own agents' rows, not in this row's)", text, StringComparison.Ordinal);
        Assert.Contains("an orchestration run's are its coordinator's; its items' are on its child sessions", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Children_of_a_run_the_report_does_not_count_are_in_no_children_line()
    {
        using var cli = new CliRunner();
        await SeedAsync(cli.Database);
        var since = s_at.AddSeconds(1).ToString("O", CultureInfo.InvariantCulture);

        var (exit, output, error) = await cli.RunAsync("report", "--db", cli.Database, "--since", since);

        Assert.True(exit == 0, error);
        Assert.DoesNotContain("agent coordinator", output, StringComparison.Ordinal);
        Assert.DoesNotContain("children of", output, StringComparison.Ordinal);
        Assert.Contains("agent reviewer: 1 ended session", output, StringComparison.Ordinal);
    }

    // A run (coordinator, 15 tokens of its own) with three ended items, one of them starting at the run's own time with
    // an id that sorts before it (so it is read first), and one item still running; and a writer session of no run.
    private static async Task SeedAsync(string database)
    {
        SessionWithEvents[] sessions =
        [
            new(Ended("run-1", "coordinator", s_at, 12, 3, 5), []),
            new(Ended("a0", "writer", s_at, 1, 1, 1, parent: "run-1"), []),
            new(Ended("item-a", "writer", s_at.AddSeconds(1), 100, 50, 20, parent: "run-1"), []),
            new(Ended("item-b", "reviewer", s_at.AddSeconds(2), 200, 0, 30, parent: "run-1"), []),
            new(Ended("solo", "writer", s_at.AddSeconds(3), 5, 5, 0), []),
        ];
        using var store = new SqliteTraceStore(database);
        await store.ImportAsync(sessions);
        await store.WriteAsync(new TraceWriteBatch([new SessionRecord { Id = "item-c", AgentId = "writer", Task = "still going", ParentSessionId = "run-1", StartedAt = s_at.AddSeconds(4) }], []));
    }

    private static SessionRecord Ended(string id, string agent, DateTimeOffset startedAt, long input, long output, long cost, string? parent = null) => new()
    {
        Id = id,
        AgentId = agent,
        Task = "task " + id,
        ParentSessionId = parent,
        Status = SessionStatus.Completed,
        StartedAt = startedAt,
        EndedAt = startedAt.AddSeconds(30),
        Usage = new SessionUsage { InputTokens = input, OutputTokens = output, CostMinorUnits = cost, ModelCalls = 1 },
    };
}
