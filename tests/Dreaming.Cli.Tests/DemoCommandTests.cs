using System.Text.Json;

namespace Dreaming.Cli.Tests;

public class DemoCommandTests
{
    [Fact]
    public async Task The_outcome_loop_lines_mark_a_required_gap_as_the_agents_feedback_does()
    {
        using var cli = new CliRunner();
        var (exit, output, error) = await cli.RunAsync("demo", "--db", cli.Database);

        Assert.True(exit == 0, error);
        Assert.Contains("iteration 1: score 0.25, not passed - gaps: [required] Mentions the order number; States the refund amount; Is valid JSON", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Demo_records_the_simulated_sessions_that_sessions_then_lists()
    {
        using var cli = new CliRunner();
        var (exit, output, error) = await cli.RunAsync("demo", "--db", cli.Database);

        Assert.True(exit == 0, error);
        Assert.Contains("SIMULATED agent", output, StringComparison.Ordinal);
        Assert.Contains("recorded 24 support sessions and 1 outcome-loop session", output, StringComparison.Ordinal);
        Assert.Contains("pass rate before the dream 8/12, after it 11/12", output, StringComparison.Ordinal);
        Assert.Contains("lesson:", output, StringComparison.Ordinal);
        Assert.Contains("iteration 1: score", output, StringComparison.Ordinal);
        Assert.Contains("result: satisfied", output, StringComparison.Ordinal);
        Assert.Contains("orchestration: a simulated coordinator runs 3 independent checks in parallel", output, StringComparison.Ordinal);
        Assert.Contains("result: completed in", output, StringComparison.Ordinal);
        Assert.Contains(cli.Database, output, StringComparison.Ordinal);

        var (listExit, listJson, _) = await cli.RunAsync("sessions", "--db", cli.Database, "--json");
        Assert.Equal(0, listExit);
        var sessions = JsonDocument.Parse(listJson).RootElement;
        Assert.Equal(30, sessions.GetArrayLength());
        var coordinator = Assert.Single(sessions.EnumerateArray(), s => s.GetProperty("agentId").GetString() == "support-coordinator");
        var coordinatorId = coordinator.GetProperty("id").GetString();
        Assert.Equal(4, sessions.EnumerateArray().Count(s => s.TryGetProperty("parentSessionId", out var parent) && parent.GetString() == coordinatorId));
        Assert.Equal(24, sessions.EnumerateArray().Count(s => s.GetProperty("agentId").GetString() == "support-bot"));
        var loop = Assert.Single(sessions.EnumerateArray(), s => s.GetProperty("agentId").GetString() == "report-writer");
        Assert.Equal("satisfied", loop.GetProperty("outcome").GetProperty("label").GetString());
        Assert.Equal(5, sessions.EnumerateArray().Count(s => s.GetProperty("status").GetString() == "failed"));

        var (failedExit, failedJson, _) = await cli.RunAsync("sessions", "--db", cli.Database, "--json", "--outcome", "failure");
        Assert.Equal(0, failedExit);
        Assert.Equal(5, JsonDocument.Parse(failedJson).RootElement.GetArrayLength());
    }

    [Fact]
    public async Task Demo_output_shows_the_recorded_tool_errors_and_redacts_secrets()
    {
        using var cli = new CliRunner();
        var (exit, json, _) = await cli.RunAsync("demo", "--db", cli.Database, "--json");
        Assert.Equal(0, exit);
        var root = JsonDocument.Parse(json).RootElement;
        Assert.True(root.GetProperty("simulated").GetBoolean());
        Assert.Equal(15, root.GetProperty("toolErrors").GetInt32());
        var orchestration = root.GetProperty("orchestration");
        Assert.Equal("completed", orchestration.GetProperty("status").GetString());
        var checks = orchestration.GetProperty("items").EnumerateArray().Where(i => i.GetProperty("id").GetString() != "reply").ToList();
        Assert.Equal(3, checks.Count);
        Assert.True(
            checks.Max(i => i.GetProperty("startedAt").GetDateTimeOffset()) < checks.Min(i => i.GetProperty("endedAt").GetDateTimeOffset()),
            "the three independent checks overlap in time");

        var failing = root.GetProperty("runs").EnumerateArray().First(r => r.GetProperty("task").GetString()!.Contains("#W1007", StringComparison.Ordinal));
        var (showExit, show, _) = await cli.RunAsync("session", "show", failing.GetProperty("sessionId").GetString()!, "--db", cli.Database, "--json");
        Assert.Equal(0, showExit);
        var events = JsonDocument.Parse(show).RootElement.GetProperty("events").EnumerateArray().ToList();
        var errors = events.Where(e => e.GetProperty("type").GetString() == "tool.result" && e.GetProperty("data").GetProperty("isError").GetBoolean()).ToList();
        Assert.Equal(3, errors.Count);
        Assert.All(errors, e => Assert.Contains("payment amount does not add up", e.GetProperty("data").GetProperty("errorMessage").GetString(), StringComparison.Ordinal));

        var everything = File.ReadAllBytes(cli.Database);
        var text = System.Text.Encoding.UTF8.GetString(everything);
        Assert.DoesNotContain("sk-demo0123456789abcdefXYZ", text, StringComparison.Ordinal);
        Assert.DoesNotContain("jane.doe@example.com", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_commands_the_demo_suggests_next_can_be_pasted_into_a_shell_when_the_path_has_spaces_or_quotes()
    {
        if (OperatingSystem.IsWindows())
        {
            return; // POSIX shell quoting; Windows gets double quotes.
        }

        using var cli = new CliRunner();
        var database = Path.Combine(cli.Folder, "my agent's.db");
        var (exit, output, error) = await cli.RunAsync("demo", "--db", database);
        Assert.True(exit == 0, error);
        var quoted = "'" + database.Replace("'", "'\\''", StringComparison.Ordinal) + "'";
        Assert.Contains("next:  dreaming sessions --db " + quoted + "\n", output, StringComparison.Ordinal);
        Assert.Contains(" --db " + quoted + "\n", output.Split("next:")[1].Split('\n')[1] + "\n", StringComparison.Ordinal);
        Assert.Contains("into " + database + "\n", output, StringComparison.Ordinal);
        Assert.Contains("       dreaming view --db " + quoted + "    # the agent view (dashboard) in a browser\n", output, StringComparison.Ordinal);
    }
}
