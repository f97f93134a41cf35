using System.Globalization;
using System.Text.Json;
using Dreaming.Cli.Reports;
using Dreaming.Sqlite;
using NSubstitute;

namespace Dreaming.Cli.Tests;

/// <summary><c>dreaming report</c>: each agent's ended sessions grouped by the memory version they were given.</summary>
public class ReportCommandTests
{
    [Fact]
    public async Task Groups_are_counted_per_memory_version_in_version_order_with_outcomes_failures_tokens_and_costs()
    {
        using var cli = new CliRunner();
        var seed = await SeedAsync(cli.Database);

        var (exit, output, error) = await cli.RunAsync("report", "--db", cli.Database, "--json");

        Assert.True(exit == 0, error);
        using var document = JsonDocument.Parse(output);
        var root = document.RootElement;
        Assert.Equal(JsonValueKind.Null, root.GetProperty("since").ValueKind);
        var agents = root.GetProperty("agents").EnumerateArray().ToList();
        Assert.Equal(["bot", "other"], agents.Select(a => a.GetProperty("agent_id").GetString()));
        var bot = agents[0];
        Assert.Equal(8, bot.GetProperty("sessions").GetInt64());
        Assert.Equal(1, bot.GetProperty("running_sessions").GetInt64());
        var groups = bot.GetProperty("groups").EnumerateArray().ToList();
        Assert.Equal(["no memory", "v1 (superseded)", "v2 (active)"], groups.Select(g => g.GetProperty("memory").GetString()));

        var none = groups[0];
        Assert.Equal(JsonValueKind.Null, none.GetProperty("memory_version_id").ValueKind);
        Assert.Equal(JsonValueKind.Null, none.GetProperty("memory_version_number").ValueKind);
        AssertGroup(none, sessions: 3, failed: 1, abandoned: 0, withOutcome: 2, passed: 1, passRate: 0.5, scored: 2, meanScore: 0.55, tokens: 465, meanTokens: 155, cost: 4000, meanCost: 1333.3333);
        Assert.Equal(seed.Base, none.GetProperty("first_started_at").GetDateTimeOffset());
        Assert.Equal(seed.Base.AddMinutes(2), none.GetProperty("last_started_at").GetDateTimeOffset());

        var v1 = groups[1];
        Assert.Equal(seed.V1, v1.GetProperty("memory_version_id").GetString());
        Assert.Equal(1, v1.GetProperty("memory_version_number").GetInt32());
        Assert.Equal("superseded", v1.GetProperty("memory_version_state").GetString());
        Assert.Equal("agent:bot", v1.GetProperty("memory_scope").GetString());
        AssertGroup(v1, sessions: 2, failed: 0, abandoned: 1, withOutcome: 1, passed: 1, passRate: 1, scored: 1, meanScore: 1, tokens: 300, meanTokens: 150, cost: 500, meanCost: 250);

        // A blocked session graded success did not pass (as dreaming counts it), and the session given v2 only through its
        // memory.injected event (UseDreaming()'s way) counts under v2.
        var v2 = groups[2];
        Assert.Equal(seed.V2, v2.GetProperty("memory_version_id").GetString());
        Assert.Equal("active", v2.GetProperty("memory_version_state").GetString());
        AssertGroup(v2, sessions: 3, failed: 1, abandoned: 0, withOutcome: 3, passed: 2, passRate: 0.6667, scored: 2, meanScore: 0.7, tokens: 50, meanTokens: 16.6667, cost: 7, meanCost: 2.3333);

        var other = agents[1].GetProperty("groups").EnumerateArray().Single();
        AssertGroup(other, sessions: 1, failed: 0, abandoned: 0, withOutcome: 0, passed: 0, passRate: null, scored: 0, meanScore: null, tokens: 0, meanTokens: 0, cost: 0, meanCost: 0);
    }

    [Fact]
    public async Task The_text_shows_each_group_on_a_line_with_its_numbers()
    {
        using var cli = new CliRunner();
        await SeedAsync(cli.Database);

        var (exit, output, error) = await cli.RunAsync("report", "--db", cli.Database);

        Assert.True(exit == 0, error);
        Assert.Contains("agent bot: 8 ended sessions (1 still running, not counted)", output, StringComparison.Ordinal);
        var lines = output.Split('\n');
        var none = lines.Single(l => l.TrimStart().StartsWith("no memory", StringComparison.Ordinal) && l.Contains("1/2", StringComparison.Ordinal));
        Assert.Matches(@"no memory\s+3\s+1\s+0\s+1/2 50\.0%\s+0\.550\s+155\s+4,000\s+1,333\.3\s", none);
        var v2 = lines.Single(l => l.TrimStart().StartsWith("v2 (active)", StringComparison.Ordinal));
        Assert.Matches(@"v2 \(active\)\s+3\s+1\s+0\s+2/3 66\.7%\s+0\.700\s+17\s+7\s+2\.3\s", v2);
        Assert.Contains("agent other: 1 ended session", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Agent_and_since_filter_the_sessions_counted()
    {
        using var cli = new CliRunner();
        var seed = await SeedAsync(cli.Database);
        var since = seed.Base.AddDays(1).ToString("O", CultureInfo.InvariantCulture);

        var (exit, output, error) = await cli.RunAsync("report", "--db", cli.Database, "--agent", "bot", "--since", since, "--json");

        Assert.True(exit == 0, error);
        using var document = JsonDocument.Parse(output);
        Assert.Equal(seed.Base.AddDays(1), document.RootElement.GetProperty("since").GetDateTimeOffset());
        var agent = document.RootElement.GetProperty("agents").EnumerateArray().Single();
        Assert.Equal("bot", agent.GetProperty("agent_id").GetString());
        Assert.Equal(5, agent.GetProperty("sessions").GetInt64());
        Assert.Equal(["v1 (superseded)", "v2 (active)"], agent.GetProperty("groups").EnumerateArray().Select(g => g.GetProperty("memory").GetString()));

        // A date alone is midnight UTC; a time later than every session leaves nothing to report, which is not an error.
        var (laterExit, later, laterError) = await cli.RunAsync("report", "--db", cli.Database, "--agent", "bot", "--since", "2999-01-01");
        Assert.True(laterExit == 0, laterError);
        Assert.Contains("no sessions started since 2999-01-01 00:00:00 UTC", later, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_unknown_agent_is_an_error_naming_it_and_a_bad_since_a_usage_error()
    {
        using var cli = new CliRunner();
        await SeedAsync(cli.Database);

        var (exit, output, error) = await cli.RunAsync("report", "--db", cli.Database, "--agent", "bott", "--json");
        Assert.Equal(1, exit);
        Assert.Equal(string.Empty, output);
        Assert.Contains("Agent 'bott' has no sessions", error, StringComparison.Ordinal);

        var (badExit, _, badError) = await cli.RunAsync("report", "--db", cli.Database, "--since", "last tuesday");
        Assert.Equal(1, badExit);
        Assert.Contains("--since must be a date", badError, StringComparison.Ordinal);
        Assert.Contains("got 'last tuesday'", badError, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_empty_store_says_so_and_json_has_no_agents()
    {
        using var cli = new CliRunner();
        using (var store = new SqliteTraceStore(cli.Database))
        {
            await store.InitializeAsync();
        }

        var (exit, output, error) = await cli.RunAsync("report", "--db", cli.Database);
        Assert.True(exit == 0, error);
        Assert.Contains("no sessions recorded yet", output, StringComparison.Ordinal);

        var (jsonExit, json, _) = await cli.RunAsync("report", "--db", cli.Database, "--json");
        Assert.Equal(0, jsonExit);
        using var document = JsonDocument.Parse(json);
        Assert.Equal(0, document.RootElement.GetProperty("agents").GetArrayLength());
    }

    [Fact]
    public async Task Every_page_of_sessions_is_counted()
    {
        using var cli = new CliRunner();
        var start = new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
        var many = Enumerable.Range(0, SessionQuery.MaxPageSize + 205)
            .Select(i => new SessionWithEvents(Ended($"m{i:D5}", "many", start.AddSeconds(i), SessionStatus.Completed, cost: 2), []))
            .ToList();
        using (var store = new SqliteTraceStore(cli.Database))
        {
            await store.ImportAsync(many);
        }

        var (exit, output, error) = await cli.RunAsync("report", "--db", cli.Database, "--json");

        Assert.True(exit == 0, error);
        using var document = JsonDocument.Parse(output);
        var group = document.RootElement.GetProperty("agents")[0].GetProperty("groups")[0];
        Assert.Equal(1205, group.GetProperty("sessions").GetInt64());
        Assert.Equal(2410, group.GetProperty("total_cost_minor_units").GetInt64());
        Assert.Equal(start.AddSeconds(1204), group.GetProperty("last_started_at").GetDateTimeOffset());
    }

    [Fact]
    public async Task A_hostile_agent_id_reaches_the_terminal_escaped_and_json_keeps_it()
    {
        using var cli = new CliRunner();
        const string agent = "evil\u001b]0;pwned\u0007bot";
        using (var store = new SqliteTraceStore(cli.Database))
        {
            await store.ImportAsync([new SessionWithEvents(Ended("h1", agent, DateTimeOffset.UtcNow, SessionStatus.Completed, memoryVersionId: "mv-\u001b[31mred"), [])]);
        }

        var (exit, output, error) = await cli.RunAsync("report", "--db", cli.Database);
        Assert.True(exit == 0, error);
        Assert.DoesNotContain('\u001b', output);
        Assert.DoesNotContain('\u0007', output);
        Assert.Contains(@"agent evil\x1B]0;pwned\x07bot:", output, StringComparison.Ordinal);
        Assert.Contains(@"mv-\x1B[31mred (unknown)", output, StringComparison.Ordinal);

        var (_, json, _) = await cli.RunAsync("report", "--db", cli.Database, "--json");
        using var document = JsonDocument.Parse(json);
        Assert.Equal(agent, document.RootElement.GetProperty("agents")[0].GetProperty("agent_id").GetString());
    }

    [Fact]
    public async Task Cancelled_it_exits_130()
    {
        using var cli = new CliRunner();
        await SeedAsync(cli.Database);
        using var output = new StringWriter();
        using var error = new StringWriter();

        var exit = await DreamingCommandLine.InvokeAsync(["report", "--db", cli.Database], output, error, environment: CliRunner.NoEnvironment, cancellationToken: new CancellationToken(true));

        Assert.Equal(130, exit);
        Assert.Equal(string.Empty, output.ToString());
    }

    [Fact]
    public async Task Cancelled_between_pages_it_stops_paging()
    {
        using var cancel = new CancellationTokenSource();
        var sessions = Substitute.For<ITraceStore>();
        var first = Ended("p1", "bot", DateTimeOffset.UtcNow, SessionStatus.Completed);
        var calls = 0;
        sessions.QuerySessionsAsync(Arg.Any<SessionQuery>(), Arg.Any<CancellationToken>()).Returns(_ =>
        {
            if (Interlocked.Increment(ref calls) > 1)
            {
                return Task.FromResult(new SessionPage([], null)); // a report that ignored the token would end here, unharmed
            }

            cancel.Cancel(); // Ctrl+C while the first page is read
            return Task.FromResult(new SessionPage([first], "next-page"));
        });
        var memory = Substitute.For<IMemoryStore>();
        memory.ListVersionsAsync(Arg.Any<MemoryScope>(), Arg.Any<int>(), Arg.Any<int?>(), Arg.Any<CancellationToken>()).Returns(Task.FromResult<IReadOnlyList<MemoryVersionSummary>>([]));

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => SessionReportBuilder.BuildAsync(sessions, memory, null, null, cancel.Token));

        await sessions.Received(1).QuerySessionsAsync(Arg.Any<SessionQuery>(), Arg.Any<CancellationToken>());
    }

    [Fact]
    public async Task After_the_demo_the_report_shows_its_sessions_before_and_after_the_dream_with_the_demos_pass_rates()
    {
        using var cli = new CliRunner();
        var (demoExit, demo, demoError) = await cli.RunAsync("demo", "--db", cli.Database, "--json");
        Assert.True(demoExit == 0, demoError);
        using var demoDocument = JsonDocument.Parse(demo);
        var outputVersion = demoDocument.RootElement.GetProperty("dream").GetProperty("outputVersion").GetString();

        var (exit, output, error) = await cli.RunAsync("report", "--db", cli.Database, "--json");

        Assert.True(exit == 0, error);
        using var document = JsonDocument.Parse(output);
        var agents = document.RootElement.GetProperty("agents").EnumerateArray().ToList();
        // The orchestration's child sessions count under their own agents, beside the coordinator's.
        Assert.Equal(["order-agent", "payments-agent", "policy-agent", "report-writer", "support-bot", "support-coordinator", "writer"], agents.Select(a => a.GetProperty("agent_id").GetString()));
        var groups = agents.Single(a => a.GetProperty("agent_id").GetString() == "support-bot").GetProperty("groups").EnumerateArray().ToList();
        Assert.Equal(2, groups.Count);
        Assert.Equal("no memory", groups[0].GetProperty("memory").GetString());
        Assert.Equal(12, groups[0].GetProperty("sessions").GetInt64());
        Assert.Equal(demoDocument.RootElement.GetProperty("passRateBefore").GetDouble(), groups[0].GetProperty("pass_rate").GetDouble(), 4);
        Assert.Equal(outputVersion, groups[1].GetProperty("memory_version_id").GetString());
        Assert.Equal(1, groups[1].GetProperty("memory_version_number").GetInt32());
        Assert.Equal(12, groups[1].GetProperty("sessions").GetInt64());
        Assert.Equal(demoDocument.RootElement.GetProperty("passRateAfter").GetDouble(), groups[1].GetProperty("pass_rate").GetDouble(), 4);
        Assert.True(groups[1].GetProperty("pass_rate").GetDouble() > groups[0].GetProperty("pass_rate").GetDouble());

        var (textExit, text, _) = await cli.RunAsync("report", "--db", cli.Database, "--agent", "support-bot");
        Assert.Equal(0, textExit);
        Assert.Contains("agent support-bot: 24 ended sessions", text, StringComparison.Ordinal);
        Assert.Matches(@"no memory\s+12\s+4\s+0\s+8/12 66\.7%", text);
        Assert.Matches(@"v1 \(active\)\s+12\s+1\s+0\s+11/12 91\.7%", text);
    }

    private static void AssertGroup(JsonElement group, long sessions, long failed, long abandoned, long withOutcome, long passed, double? passRate, long scored, double? meanScore, long tokens, double meanTokens, long cost, double meanCost)
    {
        Assert.Equal(sessions, group.GetProperty("sessions").GetInt64());
        Assert.Equal(failed, group.GetProperty("failed_sessions").GetInt64());
        Assert.Equal(abandoned, group.GetProperty("abandoned_sessions").GetInt64());
        Assert.Equal(withOutcome, group.GetProperty("sessions_with_outcome").GetInt64());
        Assert.Equal(passed, group.GetProperty("passed_sessions").GetInt64());
        AssertNumber(passRate, group.GetProperty("pass_rate"));
        Assert.Equal(scored, group.GetProperty("scored_sessions").GetInt64());
        AssertNumber(meanScore, group.GetProperty("mean_score"));
        Assert.Equal(tokens, group.GetProperty("total_tokens").GetInt64());
        Assert.Equal(meanTokens, group.GetProperty("mean_tokens").GetDouble(), 4);
        Assert.Equal(cost, group.GetProperty("total_cost_minor_units").GetInt64());
        Assert.Equal(meanCost, group.GetProperty("mean_cost_minor_units").GetDouble(), 4);
    }

    private static void AssertNumber(double? expected, JsonElement actual)
    {
        if (expected is { } value)
        {
            Assert.Equal(value, actual.GetDouble(), 4);
        }
        else
        {
            Assert.Equal(JsonValueKind.Null, actual.ValueKind);
        }
    }

    private static SessionRecord Ended(string id, string agent, DateTimeOffset startedAt, SessionStatus status, SessionOutcome? outcome = null, long input = 0, long output = 0, long cost = 0, string? memoryVersionId = null) => new()
    {
        Id = id,
        AgentId = agent,
        Task = "task " + id,
        Status = status,
        StartedAt = startedAt,
        EndedAt = startedAt.AddSeconds(30),
        Outcome = outcome,
        Usage = new SessionUsage { InputTokens = input, OutputTokens = output, CostMinorUnits = cost, ModelCalls = 1 },
        MemoryVersionId = memoryVersionId,
    };

    /// <summary>Agent bot: 3 sessions without memory, 2 given v1 (superseded), 3 given v2 (active; one only through its
    /// memory.injected event), 1 still running; agent other: 1 session without memory. The memory versions are stored
    /// first, at the real time, and every session starts an hour after them.</summary>
    private static async Task<(string V1, string V2, DateTimeOffset Base)> SeedAsync(string database)
    {
        var scope = MemoryScope.Agent("bot");
        using var memory = new SqliteMemoryStore("Data Source=" + database);
        var now = DateTimeOffset.UtcNow;
        var insight = new Insight { Id = "ins-1", Text = "Check the total first.", Scope = scope, Source = InsightSource.Mined, CreatedAt = now, UpdatedAt = now };
        var v1 = await memory.ProposeAsync(new MemoryProposal { Scope = scope, Author = MemoryAuthor.DreamRun("dr-1"), Insights = [insight] });
        await memory.ApproveAsync(v1.Id, MemoryAuthor.Person("ann"));
        var v2 = await memory.ProposeAsync(new MemoryProposal { Scope = scope, ParentVersionId = v1.Id, Author = MemoryAuthor.DreamRun("dr-2"), Insights = [insight with { Text = "Always check the total first." }] });
        await memory.ApproveAsync(v2.Id, MemoryAuthor.Person("ann"));

        var at = new DateTimeOffset(now.Year, now.Month, now.Day, now.Hour, now.Minute, now.Second, TimeSpan.Zero).AddHours(1);
        var d1 = at.AddDays(1);
        var d2 = at.AddDays(2);
        var viaEvent = Ended("b8", "bot", d2.AddMinutes(2), SessionStatus.Completed, SessionOutcome.Succeeded());
        SessionWithEvents[] sessions =
        [
            new(Ended("b1", "bot", at, SessionStatus.Completed, SessionOutcome.Succeeded(0.9), 100, 50, 1000), []),
            new(Ended("b2", "bot", at.AddMinutes(1), SessionStatus.Failed, SessionOutcome.Failed(0.2), 200, 100, 3000), []),
            new(Ended("b3", "bot", at.AddMinutes(2), SessionStatus.Completed, null, 10, 5, 0), []),
            new(Ended("b4", "bot", d1, SessionStatus.Completed, SessionOutcome.Succeeded(1.0), 300, 0, 500, v1.Id), []),
            new(Ended("b5", "bot", d1.AddMinutes(1), SessionStatus.Abandoned, null, 0, 0, 0, v1.Id), []),
            new(Ended("b6", "bot", d2, SessionStatus.Completed, SessionOutcome.Succeeded(0.8), 40, 10, 7, v2.Id), []),
            new(Ended("b7", "bot", d2.AddMinutes(1), SessionStatus.Blocked, SessionOutcome.Succeeded(0.6), 0, 0, 0, v2.Id), []),
            new(viaEvent, [new InsightsInjectedEvent { SessionId = "b8", Sequence = 1, Timestamp = viaEvent.StartedAt, MemoryVersionId = v2.Id, InsightIds = ["ins-1"] }]),
            new(Ended("o1", "other", at, SessionStatus.Completed), []),
        ];
        using var store = new SqliteTraceStore(database);
        await store.ImportAsync(sessions);
        await store.WriteAsync(new TraceWriteBatch([new SessionRecord { Id = "b9", AgentId = "bot", Task = "still going", StartedAt = d2.AddMinutes(5) }], []));
        return (v1.Id, v2.Id, at);
    }
}
