using System.Text.Json;

namespace Dreaming.Cli.Tests;

public class DreamCommandTests
{
    [Fact]
    public async Task A_dream_over_the_demo_sessions_finds_the_refund_failures_and_writes_a_memory_version()
    {
        using var cli = new CliRunner();
        await cli.RunAsync("demo", "--db", cli.Database);

        var (exit, json, error) = await cli.RunAsync("dream", "--agent", "support-bot", "--db", cli.Database, "--json");

        Assert.True(exit == 0, error);
        var root = JsonDocument.Parse(json).RootElement;
        Assert.Equal("completed", root.GetProperty("status").GetString());
        Assert.Equal(12, root.GetProperty("sessions_read").GetInt32());
        Assert.Equal(4.0 / 12, root.GetProperty("base_failure_rate").GetDouble(), 3);
        var findings = root.GetProperty("findings").EnumerateArray().ToList();
        var refund = findings.First(f => f.GetProperty("tool").GetString() == "refund" && f.GetProperty("kind").GetString() == "tool_error");
        Assert.Equal(3, refund.GetProperty("sessions").GetInt32());
        Assert.Equal(3, refund.GetProperty("failed_sessions").GetInt32());
        Assert.Contains("payment amount does not add up", refund.GetProperty("signature").GetString(), StringComparison.Ordinal);
        Assert.Equal(3, refund.GetProperty("evidence").GetArrayLength());
        Assert.Contains(root.GetProperty("changes").EnumerateArray(), c => c.GetProperty("op").GetString() == "add" && c.GetProperty("kind").GetString() == "pitfall");
        var version = root.GetProperty("output_version").GetString();

        var (showExit, shown, _) = await cli.RunAsync("memory", "show", "--agent", "support-bot", "--db", cli.Database);
        Assert.Equal(0, showExit);
        Assert.Contains(version!, shown, StringComparison.Ordinal);
        Assert.Contains("`refund`", shown, StringComparison.Ordinal);

        var (againExit, again, _) = await cli.RunAsync("dream", "--agent", "support-bot", "--db", cli.Database);
        Assert.Equal(0, againExit);
        Assert.Contains("not enough sessions (0 < 10)", again, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Approval_mode_leaves_the_version_proposed_until_approved_from_the_command_line()
    {
        using var cli = new CliRunner();
        await cli.RunAsync("demo", "--db", cli.Database);

        var (exit, json, _) = await cli.RunAsync("dream", "--agent", "support-bot", "--review", "approval", "--db", cli.Database, "--json");
        Assert.Equal(0, exit);
        var version = JsonDocument.Parse(json).RootElement.GetProperty("output_version").GetString()!;
        var (noActive, _, _) = await cli.RunAsync("memory", "show", "--agent", "support-bot", "--db", cli.Database);
        Assert.Equal(1, noActive);

        var (approveExit, _, _) = await cli.RunAsync("memory", "approve", version, "--by", "ada", "--db", cli.Database);
        Assert.Equal(0, approveExit);
        var (showExit, shown, _) = await cli.RunAsync("memory", "show", "--agent", "support-bot", "--db", cli.Database);
        Assert.Equal(0, showExit);
        Assert.Contains(version, shown, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Bad_input_is_named()
    {
        using var cli = new CliRunner();
        await cli.RunAsync("demo", "--db", cli.Database);

        var (exit, _, error) = await cli.RunAsync("dream", "--agent", "support-bot", "--instructions", new string('x', 5000), "--db", cli.Database);
        Assert.Equal(1, exit);
        Assert.Contains("4096", error.Replace(",", string.Empty, StringComparison.Ordinal), StringComparison.Ordinal);

        var (unknownExit, unknown, _) = await cli.RunAsync("dream", "--agent", "nobody", "--db", cli.Database);
        Assert.Equal(0, unknownExit);
        Assert.Contains("not enough sessions (0 < 10)", unknown, StringComparison.Ordinal);
    }
}
