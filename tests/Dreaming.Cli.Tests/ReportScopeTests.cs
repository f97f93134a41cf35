using System.Text.Json;
using Dreaming.Cli.Reports;
using Dreaming.Sqlite;
using NSubstitute;

namespace Dreaming.Cli.Tests;

/// <summary><c>dreaming report</c> with team and global memory: a session counts under every version UseDreaming() gave it,
/// its agent's, its team's and the global one.</summary>
public class ReportScopeTests
{
    [Fact]
    public async Task A_session_given_only_team_or_global_memory_counts_under_that_version_not_under_no_memory()
    {
        using var cli = new CliRunner();
        var seed = await SeedAsync(cli.Database);

        var (exit, output, error) = await cli.RunAsync("report", "--db", cli.Database, "--agent", "solo", "--json");

        Assert.True(exit == 0, error);
        using var document = JsonDocument.Parse(output);
        var groups = document.RootElement.GetProperty("agents").EnumerateArray().Single().GetProperty("groups").EnumerateArray().ToList();
        Assert.Equal(["no memory", "team:billing v1 (active)", "global v1 (active)"], groups.Select(g => g.GetProperty("memory").GetString()));
        Assert.Equal([1L, 1L, 1L], groups.Select(g => g.GetProperty("sessions").GetInt64()));
        Assert.Equal(0, groups[0].GetProperty("memory_versions").GetArrayLength());
        Assert.Equal(seed.Team, groups[1].GetProperty("memory_version_id").GetString());
        Assert.Equal("team:billing", groups[1].GetProperty("memory_scope").GetString());
        AssertVersion(groups[1].GetProperty("memory_versions").EnumerateArray().Single(), "team:billing", seed.Team);
        Assert.Equal(seed.Global, groups[2].GetProperty("memory_version_id").GetString());
        AssertVersion(groups[2].GetProperty("memory_versions").EnumerateArray().Single(), "global", seed.Global);
    }

    [Fact]
    public async Task A_session_given_several_versions_counts_under_their_combination_and_agent_memory_alone_keeps_its_group()
    {
        using var cli = new CliRunner();
        var seed = await SeedAsync(cli.Database);

        var (exit, output, error) = await cli.RunAsync("report", "--db", cli.Database, "--agent", "bot", "--json");

        Assert.True(exit == 0, error);
        using var document = JsonDocument.Parse(output);
        var groups = document.RootElement.GetProperty("agents").EnumerateArray().Single().GetProperty("groups").EnumerateArray().ToList();
        Assert.Equal(["v1 (active)", "v1 + team:billing v1 + global v1", "team:billing v1 + global v1"], groups.Select(g => g.GetProperty("memory").GetString()));

        // Agent memory alone: today's group, fields and values.
        var own = groups[0];
        Assert.Equal(1, own.GetProperty("sessions").GetInt64());
        Assert.Equal(seed.Own, own.GetProperty("memory_version_id").GetString());
        Assert.Equal(1, own.GetProperty("memory_version_number").GetInt32());
        Assert.Equal("active", own.GetProperty("memory_version_state").GetString());
        Assert.Equal("agent:bot", own.GetProperty("memory_scope").GetString());
        AssertVersion(own.GetProperty("memory_versions").EnumerateArray().Single(), "agent:bot", seed.Own);

        // The two sessions given all three (their events in different orders) count together; the version fields name the
        // agent's own, and memory_versions lists the three.
        var all = groups[1];
        Assert.Equal(2, all.GetProperty("sessions").GetInt64());
        Assert.Equal(300, all.GetProperty("total_tokens").GetInt64());
        Assert.Equal(seed.Own, all.GetProperty("memory_version_id").GetString());
        Assert.Equal("agent:bot", all.GetProperty("memory_scope").GetString());
        var versions = all.GetProperty("memory_versions").EnumerateArray().ToList();
        Assert.Equal(3, versions.Count);
        AssertVersion(versions[0], "agent:bot", seed.Own);
        AssertVersion(versions[1], "team:billing", seed.Team);
        AssertVersion(versions[2], "global", seed.Global);

        var shared = groups[2];
        Assert.Equal(1, shared.GetProperty("sessions").GetInt64());
        Assert.Equal(seed.Team, shared.GetProperty("memory_version_id").GetString());
        Assert.Equal(["team:billing", "global"], shared.GetProperty("memory_versions").EnumerateArray().Select(v => v.GetProperty("scope").GetString()));

        // The text shows the whole combination: the column widens rather than cut it.
        var (textExit, text, textError) = await cli.RunAsync("report", "--db", cli.Database, "--agent", "bot");
        Assert.True(textExit == 0, textError);
        Assert.Matches(@"\n  v1 \(active\)\s+1\s", text);
        Assert.Matches(@"\n  v1 \+ team:billing v1 \+ global v1\s+2\s+0\s+0\s", text);
        Assert.Matches(@"\n  team:billing v1 \+ global v1\s+1\s", text);
    }

    [Fact]
    public async Task Events_are_read_only_for_sessions_that_ended_after_a_version_of_their_agent_team_or_global_scope_and_each_team_is_listed_once()
    {
        var first = new DateTimeOffset(2026, 3, 1, 12, 0, 0, TimeSpan.Zero);
        var team = Summary("tv-1", MemoryScope.Team("billing"), first);
        var memory = Substitute.For<IMemoryStore>();
        memory.ListVersionsAsync(Arg.Any<MemoryScope>(), Arg.Any<int>(), Arg.Any<int?>(), Arg.Any<CancellationToken>())
            .Returns(call => Task.FromResult<IReadOnlyList<MemoryVersionSummary>>(call.Arg<MemoryScope>() == team.Scope ? [team] : []));
        SessionRecord[] records =
        [
            Ended("before", "bot", "billing", first.AddHours(-1)), // ended before the team's first version: not read
            Ended("after", "bot", "billing", first.AddHours(1)),
            Ended("other-team", "bot", "ops", first.AddHours(1)), // its team, its agent and the global scope have no version
            Ended("no-team", "bot", null, first.AddHours(1)),
            Ended("helper", "helper", "billing", first.AddHours(2)),
        ];
        var sessions = Substitute.For<ITraceStore>();
        sessions.QuerySessionsAsync(Arg.Any<SessionQuery>(), Arg.Any<CancellationToken>()).Returns(Task.FromResult(new SessionPage(records, null)));
        sessions.QueryEventsAsync(Arg.Any<string>(), Arg.Any<SessionEventQuery>(), Arg.Any<CancellationToken>()).Returns(call => Task.FromResult<IReadOnlyList<SessionEvent>>(
            [new InsightsInjectedEvent { SessionId = call.Arg<string>(), Sequence = 1, Timestamp = first, MemoryVersionId = team.Id, InsightIds = ["i"], Scope = team.Scope }]));

        var report = await SessionReportBuilder.BuildAsync(sessions, memory, null, null, CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(30));

        // Only the memory.injected events, through the interface, whatever the store.
        await sessions.Received(1).QueryEventsAsync("after", Arg.Is<SessionEventQuery>(q => q.Types!.SequenceEqual(new[] { EventTypes.MemoryInjected }) && q.Limit == null && q.AfterSequence == null), Arg.Any<CancellationToken>());
        await sessions.Received(1).QueryEventsAsync("helper", Arg.Any<SessionEventQuery>(), Arg.Any<CancellationToken>());
        await sessions.Received(2).QueryEventsAsync(Arg.Any<string>(), Arg.Any<SessionEventQuery>(), Arg.Any<CancellationToken>());
        await sessions.DidNotReceive().GetEventsAsync(Arg.Any<string>(), Arg.Any<CancellationToken>());
        await memory.Received(1).ListVersionsAsync(team.Scope, Arg.Any<int>(), Arg.Any<int?>(), Arg.Any<CancellationToken>());
        await memory.Received(1).ListVersionsAsync(MemoryScope.Team("ops"), Arg.Any<int>(), Arg.Any<int?>(), Arg.Any<CancellationToken>());
        await memory.Received(1).ListVersionsAsync(MemoryScope.Global, Arg.Any<int>(), Arg.Any<int?>(), Arg.Any<CancellationToken>());
        var bot = report.Agents.Single(a => a.AgentId == "bot");
        Assert.Equal(["no memory", "team:billing v1 (active)"], bot.Groups.Select(g => ReportOutput.Label(g, terminal: false)));
        Assert.Equal([3L, 1L], bot.Groups.Select(g => g.Sessions));
        Assert.Equal("team:billing v1 (active)", ReportOutput.Label(report.Agents.Single(a => a.AgentId == "helper").Groups.Single(), terminal: false));
    }

    private static void AssertVersion(JsonElement version, string scope, string id)
    {
        Assert.Equal(scope, version.GetProperty("scope").GetString());
        Assert.Equal(id, version.GetProperty("version_id").GetString());
        Assert.Equal(1, version.GetProperty("number").GetInt32());
        Assert.Equal("active", version.GetProperty("state").GetString());
    }

    private static MemoryVersionSummary Summary(string id, MemoryScope scope, DateTimeOffset createdAt) => new()
    {
        Id = id,
        Scope = scope,
        Number = 1,
        Author = MemoryAuthor.Person("ann"),
        State = MemoryVersionState.Active,
        CreatedAt = createdAt,
    };

    private static SessionRecord Ended(string id, string agent, string? team, DateTimeOffset startedAt, long tokens = 0) => new()
    {
        Id = id,
        AgentId = agent,
        Scope = team,
        Task = "task " + id,
        Status = SessionStatus.Completed,
        StartedAt = startedAt,
        EndedAt = startedAt.AddSeconds(30),
        Usage = new SessionUsage { InputTokens = tokens, ModelCalls = 1 },
    };

    private static InsightsInjectedEvent Given(string session, int sequence, DateTimeOffset at, string versionId, MemoryScope? scope) =>
        new() { SessionId = session, Sequence = sequence, Timestamp = at, MemoryVersionId = versionId, InsightIds = ["ins-" + versionId], Scope = scope };

    /// <summary>Memory: team:billing v1 and global v1 (both active), agent bot's v1 (active); agent solo has none. Agent solo:
    /// one session given team memory only, one global only, one none. Agent bot: one given its own only, two given all
    /// three (their events in different orders), one given team and global only. The sessions start an hour after the
    /// versions are stored.</summary>
    private static async Task<(string Own, string Team, string Global)> SeedAsync(string database)
    {
        using var memory = new SqliteMemoryStore("Data Source=" + database);
        var now = DateTimeOffset.UtcNow;
        async Task<string> StoreAsync(MemoryScope scope)
        {
            var insight = new Insight { Id = "ins-" + scope.Key, Text = "Check the total first.", Scope = scope, Source = InsightSource.Mined, CreatedAt = now, UpdatedAt = now };
            var version = await memory.ProposeAsync(new MemoryProposal { Scope = scope, Author = MemoryAuthor.DreamRun("dr-" + scope.Key), Insights = [insight] });
            await memory.ApproveAsync(version.Id, MemoryAuthor.Person("ann"));
            return version.Id;
        }

        var billing = MemoryScope.Team("billing");
        var team = await StoreAsync(billing);
        var global = await StoreAsync(MemoryScope.Global);
        var own = await StoreAsync(MemoryScope.Agent("bot"));

        var at = now.AddHours(1);
        SessionWithEvents[] sessions =
        [
            new(Ended("s1", "solo", "billing", at), [Given("s1", 1, at, team, billing)]),
            new(Ended("s2", "solo", null, at.AddMinutes(1)), [Given("s2", 1, at, global, MemoryScope.Global)]),
            new(Ended("s3", "solo", null, at.AddMinutes(2)), []),
            new(Ended("b1", "bot", null, at), [Given("b1", 1, at, own, null)]),
            new(Ended("b2", "bot", "billing", at.AddMinutes(1), 100), [Given("b2", 1, at, own, null), Given("b2", 2, at, team, billing), Given("b2", 3, at, global, MemoryScope.Global)]),
            new(Ended("b3", "bot", "billing", at.AddMinutes(2), 200), [Given("b3", 1, at, global, MemoryScope.Global), Given("b3", 2, at, own, null), Given("b3", 3, at, team, billing)]),
            new(Ended("b4", "bot", "billing", at.AddMinutes(3)), [Given("b4", 1, at, team, billing), Given("b4", 2, at, global, MemoryScope.Global)]),
        ];
        using var store = new SqliteTraceStore(database);
        await store.ImportAsync(sessions);
        return (own, team, global);
    }
}
