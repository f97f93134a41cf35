using System.Text.Json;
using Dreaming.Sqlite;

namespace Dreaming.Cli.Tests;

/// <summary><c>dreaming sessions abandon --older-than</c> ends the sessions a killed process left running, and only those.</summary>
public class SessionsAbandonCommandTests
{
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Only_running_sessions_older_than_the_duration_end_abandoned_and_are_named(bool json)
    {
        using var cli = new CliRunner();
        var now = DateTimeOffset.UtcNow;
        await SeedAsync(cli.Database, Session("left-behind", now.AddDays(-3)), Session("still-live", now.AddSeconds(-5)), Session("done-long-ago", now.AddDays(-4)));
        using (var store = new SqliteTraceStore(cli.Database))
        {
            await store.CompleteSessionAsync(new SessionCompletion { SessionId = "done-long-ago", Status = SessionStatus.Completed, EndedAt = now.AddDays(-4).AddMinutes(1) });
        }

        var args = new List<string> { "sessions", "abandon", "--older-than", "6h", "--db", cli.Database };
        if (json)
        {
            args.Add("--json");
        }

        var (exit, output, error) = await cli.RunAsync([.. args]);

        Assert.True(exit == 0, error);
        if (json)
        {
            using var document = JsonDocument.Parse(output);
            Assert.Equal(1, document.RootElement.GetProperty("count").GetInt32());
            Assert.Equal(["left-behind"], document.RootElement.GetProperty("sessionIds").EnumerateArray().Select(e => e.GetString()));
            var cutOff = document.RootElement.GetProperty("startedBefore").GetDateTimeOffset();
            Assert.InRange(cutOff, now.AddHours(-6).AddMinutes(-1), DateTimeOffset.UtcNow.AddHours(-6));
        }
        else
        {
            Assert.Contains("abandoned 1 session ", output, StringComparison.Ordinal);
            Assert.Contains("left-behind", output, StringComparison.Ordinal);
            Assert.DoesNotContain("still-live", output, StringComparison.Ordinal);
            Assert.DoesNotContain("done-long-ago", output, StringComparison.Ordinal);
        }

        using (var store = new SqliteTraceStore(cli.Database))
        {
            Assert.Equal(SessionStatus.Abandoned, (await store.GetSessionAsync("left-behind"))!.Status);
            Assert.Equal(SessionStatus.Running, (await store.GetSessionAsync("still-live"))!.Status);
            Assert.Equal(SessionStatus.Completed, (await store.GetSessionAsync("done-long-ago"))!.Status);
        }

        // Run again: nothing is left to end.
        var (againExit, again, _) = await cli.RunAsync("sessions", "abandon", "--older-than", "6h", "--db", cli.Database);
        Assert.Equal(0, againExit);
        Assert.Contains("no running sessions started before", again, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("30m", 30 * 60)]
    [InlineData("6h", 6 * 3600)]
    [InlineData("2d", 2 * 86400)]
    [InlineData("90s", 90)]
    public async Task Each_unit_sets_the_cut_off(string duration, int seconds)
    {
        using var cli = new CliRunner();
        var now = DateTimeOffset.UtcNow;
        await SeedAsync(cli.Database, Session("older", now.AddSeconds(-seconds - 120)), Session("newer", now.AddSeconds(-seconds + 120)));

        var (exit, output, error) = await cli.RunAsync("sessions", "abandon", "--older-than", duration, "--db", cli.Database, "--json");

        Assert.True(exit == 0, error);
        using var document = JsonDocument.Parse(output);
        Assert.Equal(["older"], document.RootElement.GetProperty("sessionIds").EnumerateArray().Select(e => e.GetString()));
    }

    [Theory]
    [InlineData("6")]
    [InlineData("6x")]
    [InlineData("h")]
    [InlineData("0h")]
    [InlineData("-6h")]
    [InlineData("1.5h")]
    [InlineData("6 h")]
    [InlineData("6H")]
    [InlineData("99999999999d")]
    [InlineData("40000d")]
    public async Task A_bad_duration_is_a_usage_error_naming_the_option_and_value_and_ends_nothing(string duration)
    {
        using var cli = new CliRunner();
        await SeedAsync(cli.Database, Session("left-behind", DateTimeOffset.UtcNow.AddDays(-3)));

        var (exit, _, error) = await cli.RunAsync("sessions", "abandon", "--older-than", duration, "--db", cli.Database);

        Assert.Equal(1, exit);
        Assert.Contains("--older-than", error, StringComparison.Ordinal);
        Assert.Contains($"got '{duration}'", error, StringComparison.Ordinal);
        Assert.Contains("a whole number and a unit, s, m, h or d", error, StringComparison.Ordinal);
        Assert.DoesNotContain("Unrecognized", error, StringComparison.Ordinal);
        using var store = new SqliteTraceStore(cli.Database);
        Assert.Equal(SessionStatus.Running, (await store.GetSessionAsync("left-behind"))!.Status);
    }

    [Fact]
    public async Task Without_older_than_it_refuses_rather_than_ending_live_sessions()
    {
        using var cli = new CliRunner();
        await SeedAsync(cli.Database, Session("live", DateTimeOffset.UtcNow.AddSeconds(-1)));

        var (exit, _, error) = await cli.RunAsync("sessions", "abandon", "--db", cli.Database);

        Assert.Equal(1, exit);
        Assert.Contains("Option '--older-than' is required", error, StringComparison.Ordinal);
        using var store = new SqliteTraceStore(cli.Database);
        Assert.Equal(SessionStatus.Running, (await store.GetSessionAsync("live"))!.Status);
    }

    [Fact]
    public async Task Cancelled_it_exits_130_and_ends_nothing()
    {
        using var cli = new CliRunner();
        await SeedAsync(cli.Database, Session("left-behind", DateTimeOffset.UtcNow.AddDays(-3)));
        using var output = new StringWriter();
        using var error = new StringWriter();

        var exit = await DreamingCommandLine.InvokeAsync(["sessions", "abandon", "--older-than", "6h", "--db", cli.Database], output, error, cancellationToken: new CancellationToken(true), environment: CliRunner.NoEnvironment);

        Assert.Equal(130, exit);
        using var store = new SqliteTraceStore(cli.Database);
        Assert.Equal(SessionStatus.Running, (await store.GetSessionAsync("left-behind"))!.Status);
    }

    [Fact]
    public async Task Sessions_with_its_filters_still_lists_beside_the_subcommand()
    {
        using var cli = new CliRunner();
        var now = DateTimeOffset.UtcNow;
        await SeedAsync(cli.Database, Session("left-behind", now.AddDays(-3)), Session("still-live", now.AddSeconds(-5)));

        var (exit, output, error) = await cli.RunAsync("sessions", "--status", "running", "--limit", "5", "--db", cli.Database);

        Assert.True(exit == 0, error);
        Assert.Contains("left-behind", output, StringComparison.Ordinal);
        Assert.Contains("still-live", output, StringComparison.Ordinal);
    }

    private static SessionRecord Session(string id, DateTimeOffset startedAt) => new() { Id = id, AgentId = "support-bot", Task = "task of " + id, StartedAt = startedAt };

    private static async Task SeedAsync(string database, params SessionRecord[] sessions)
    {
        using var store = new SqliteTraceStore(database);
        await store.WriteAsync(new TraceWriteBatch(sessions, []));
    }
}
