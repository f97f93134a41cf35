using Dreaming.Tests;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Dreaming.Core.Tests.Dreams.Privacy;

/// <summary>
/// <see cref="MiningOptions.MinScopes"/>: an agent or global dream keeps only what the sessions of several tenants (team
/// scopes) show, so one tenant's situation does not become every tenant's lesson.
/// </summary>
public sealed class MinScopesTests
{
    private const string OneTenantTool = "check_stock";

    [Fact]
    public async Task By_default_an_agent_dream_learns_what_only_one_tenants_sessions_show()
    {
        var insights = await AgentDreamAsync(minScopes: null);

        Assert.Contains(insights, i => i.Triggers.Tools.Contains(OneTenantTool));
        Assert.Contains(insights, i => i.Triggers.Tools.Contains("get_user_details"));
    }

    [Fact]
    public async Task With_two_scopes_an_agent_dream_learns_what_several_tenants_show_and_not_what_one_tenant_shows()
    {
        var insights = await AgentDreamAsync(minScopes: 2);

        Assert.DoesNotContain(insights, i => i.Triggers.Tools.Contains(OneTenantTool));
        Assert.Contains(insights, i => i.Triggers.Tools.Contains("get_user_details"));
        Assert.Contains(insights, i => i.Text.Contains("declined for <value>", StringComparison.Ordinal));
    }

    [Fact]
    public async Task The_tenants_own_dream_still_learns_its_pattern_whatever_min_scopes_is()
    {
        var traces = new InMemoryTraceStore();
        await traces.ImportAsync(Corpus());
        var memory = new InMemoryMemoryStore();
        var dreams = new DreamConsolidator(traces, memory, new InMemoryDreamRunStore(), miningOptions: Options.Create(new MiningOptions { MinScopes = 3 }));

        var run = await dreams.DreamAsync(new DreamRunRequest { Scope = MemoryScope.Team("acme"), MaxSessions = 1000 });

        var version = await memory.GetVersionAsync(run.Results.OutputVersionId!);
        Assert.Contains(version!.Insights, i => i.Triggers.Tools.Contains(OneTenantTool));
    }

    [Fact]
    public async Task Sessions_without_a_scope_count_together_as_one_scope()
    {
        // The pattern in six sessions without a scope: one scope, however many sessions.
        var unscoped = Enumerable.Range(0, 6).Select(i => Unscoped($"u{i}", failed: i < 4)).ToList();
        var miner = new FindingMiner();

        var one = await miner.MineAsync(unscoped.ToAsyncEnumerable(), new MiningOptions { MinScopes = 2 });
        var withTenant = await miner.MineAsync(unscoped.Concat(Corpus().Where(s => s.Session.Scope == "acme")).ToAsyncEnumerable(), new MiningOptions { MinScopes = 2 });
        var needsThree = await miner.MineAsync(unscoped.Concat(Corpus().Where(s => s.Session.Scope == "acme")).ToAsyncEnumerable(), new MiningOptions { MinScopes = 3 });

        Assert.DoesNotContain(one.Findings, f => f.Tool == OneTenantTool);
        Assert.Contains(withTenant.Findings, f => f.Tool == OneTenantTool); // acme and "no scope": two
        Assert.DoesNotContain(needsThree.Findings, f => f.Tool == OneTenantTool);
    }

    [Fact]
    public async Task A_reflector_pairs_sessions_of_two_scopes_only_when_lessons_need_two_and_none_when_they_need_more()
    {
        var prompts = new List<string>();
        var model = new FakeChatClient
        {
            GetResponseAsyncCallback = (messages, _, _) =>
            {
                prompts.Add(messages.Last().Text);
                return Task.FromResult(new ChatResponse(new ChatMessage(ChatRole.Assistant, """{"lessons":[{"pair":0,"kind":"lesson","text":"Read the fare rules before changing a flight."}]}""")));
            },
        };
        var sessions = new[]
        {
            PairSession("f1", "acme", "Change the flight of reservation ABC to a later day", failed: true),
            PairSession("p1", "acme", "Change the flight of reservation DEF to a later day", failed: false),
            PairSession("p2", "globex", "Change the flight of reservation GHI to the next day", failed: false),
        }.ToDictionary(s => s.Session.Id);

        await new ModelReflector(model).ReflectAsync(new ReflectionRequest { Findings = [], Sessions = sessions });
        await new ModelReflector(model).ReflectAsync(new ReflectionRequest { Findings = [], Sessions = sessions, MinScopes = 2 });
        await new ModelReflector(model).ReflectAsync(new ReflectionRequest { Findings = [], Sessions = sessions, MinScopes = 3 });

        Assert.Equal(2, prompts.Count);
        Assert.Contains("f1 failed, p1 passed", prompts[0], StringComparison.Ordinal);
        Assert.Contains("f1 failed, p2 passed", prompts[1], StringComparison.Ordinal);
        Assert.Throws<ArgumentOutOfRangeException>(() => new ReflectionRequest { Findings = [], Sessions = sessions, MinScopes = 0 });
    }

    [Fact]
    public void Min_scopes_below_one_is_refused_naming_the_option()
    {
        var thrown = Assert.Throws<ArgumentException>(() => new MiningOptions { MinScopes = 0 }.Validate());
        Assert.Equal("MinScopes", thrown.ParamName);
        Assert.Contains("MiningOptions.MinScopes must be at least 1, not 0", thrown.Message, StringComparison.Ordinal);

        var traces = new InMemoryTraceStore();
        var fromConstructor = Assert.Throws<ArgumentException>(() => new DreamConsolidator(traces, new InMemoryMemoryStore(), new InMemoryDreamRunStore(), miningOptions: Options.Create(new MiningOptions { MinScopes = 0 })));
        Assert.Equal("MinScopes", fromConstructor.ParamName);

        var services = new ServiceCollection();
        services.AddDreamingAgents();
        services.Configure<MiningOptions>(o => o.MinScopes = -1);
        using var provider = services.BuildServiceProvider();
        var invalid = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IOptions<MiningOptions>>().Value);
        Assert.Contains("MinScopes", invalid.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_requests_min_scopes_overrides_the_options_for_its_dream_alone()
    {
        // The options ask for three tenants, the request for one: its dream learns what only one tenant shows.
        Assert.Contains(await AgentDreamAsync(minScopes: 3, requestMinScopes: 1), i => i.Triggers.Tools.Contains(OneTenantTool));

        // The options leave it at one, the request asks for two: its dream keeps only what several tenants show.
        var two = await AgentDreamAsync(minScopes: null, requestMinScopes: 2);
        Assert.DoesNotContain(two, i => i.Triggers.Tools.Contains(OneTenantTool));
        Assert.Contains(two, i => i.Triggers.Tools.Contains("get_user_details"));
    }

    [Fact]
    public async Task A_global_schedule_needing_three_tenants_and_an_agent_schedule_needing_one_each_dream_with_their_own()
    {
        var traces = new InMemoryTraceStore();
        await traces.ImportAsync(Corpus());
        var memory = new InMemoryMemoryStore();
        var runs = new InMemoryDreamRunStore();
        var reflector = new ScopesSeen();
        var dreams = new DreamConsolidator(traces, memory, runs, reflector: reflector);
        var agent = MemoryScope.Agent(MultiTenantCorpus.AgentId);
        var scheduler = new DreamScheduler(
            [
                new DreamSchedule { Scope = MemoryScope.Global, AfterNewSessions = 10, Request = new DreamRunRequest { Scope = MemoryScope.Global, MaxSessions = 1000, MinScopes = 3 } },
                new DreamSchedule { Scope = agent, AfterNewSessions = 10, Request = new DreamRunRequest { Scope = agent, MaxSessions = 1000, MinScopes = 1 } },
            ],
            dreams,
            runs,
            traces);

        var started = await scheduler.RunDueAsync();

        Assert.Equal(new[] { MemoryScope.Global, agent }, started.Select(r => r.Scope));
        Assert.All(started, r => Assert.Equal(DreamRunStatus.Completed, r.Status));
        Assert.Equal(new int?[] { 3, 1 }, new[] { (await runs.GetAsync(started[0].Id))!.Request.MinScopes, (await runs.GetAsync(started[1].Id))!.Request.MinScopes });
        Assert.Equal(new[] { 3, 1 }, reflector.MinScopes);
        var global = (await memory.GetVersionAsync(started[0].Results.OutputVersionId!))!.Insights;
        Assert.DoesNotContain(global, i => i.Triggers.Tools.Contains(OneTenantTool));
        Assert.Contains(global, i => i.Triggers.Tools.Contains("get_user_details"));
        Assert.Contains((await memory.GetVersionAsync(started[1].Results.OutputVersionId!))!.Insights, i => i.Triggers.Tools.Contains(OneTenantTool));
    }

    [Fact]
    public async Task A_requests_min_scopes_below_one_or_for_a_team_is_refused_naming_it()
    {
        var low = Assert.Throws<ArgumentOutOfRangeException>(() => new DreamRunRequest { Scope = MemoryScope.Global, MinScopes = 0 }.Validate());
        Assert.Equal("MinScopes", low.ParamName);
        Assert.Contains("MinScopes must be at least 1, not 0", low.Message, StringComparison.Ordinal);

        var team = Assert.Throws<ArgumentException>(() => new DreamRunRequest { Scope = MemoryScope.Team("acme"), MinScopes = 1 }.Validate());
        Assert.Equal("MinScopes", team.ParamName);
        Assert.Contains("team:acme reads that team's sessions alone", team.Message, StringComparison.Ordinal);

        // A team's schedule is refused too (its request takes the schedule's scope), and so is the dream itself, before any run is stored.
        var schedule = Assert.Throws<ArgumentException>(() => new DreamSchedule { Scope = MemoryScope.Team("acme"), Cron = "0 3 * * *", Request = new DreamRunRequest { Scope = MemoryScope.Global, MinScopes = 2 } }.Validate());
        Assert.Equal("MinScopes", schedule.ParamName);
        var runs = new InMemoryDreamRunStore();
        var dreams = new DreamConsolidator(new InMemoryTraceStore(), new InMemoryMemoryStore(), runs);
        await Assert.ThrowsAsync<ArgumentException>(() => dreams.DreamAsync(new DreamRunRequest { Scope = MemoryScope.Team("acme"), MinScopes = 2 }));
        Assert.Empty(await runs.ListAsync(MemoryScope.Team("acme"), 10));
        new DreamRunRequest { Scope = MemoryScope.Team("acme") }.Validate();
    }

    private static async Task<IReadOnlyList<Insight>> AgentDreamAsync(int? minScopes, int? requestMinScopes = null)
    {
        var traces = new InMemoryTraceStore();
        await traces.ImportAsync(Corpus());
        var memory = new InMemoryMemoryStore();
        var options = minScopes is { } n ? Options.Create(new MiningOptions { MinScopes = n }) : null;
        var dreams = new DreamConsolidator(traces, memory, new InMemoryDreamRunStore(), miningOptions: options);
        var run = await dreams.DreamAsync(new DreamRunRequest { Scope = MemoryScope.Agent(MultiTenantCorpus.AgentId), MaxSessions = 1000, MinScopes = requestMinScopes });
        Assert.Equal(DreamRunStatus.Completed, run.Status);
        return (await memory.GetVersionAsync(run.Results.OutputVersionId!))!.Insights;
    }

    // The synthetic corpus, where one tenant's (acme's) failed sessions also meet an error of their own.
    private static List<SessionWithEvents> Corpus() =>
        MultiTenantCorpus.Sessions().Select(s => s.Session.Scope == "acme" && s.Session.Outcome!.Label == SessionOutcome.Failed().Label ? WithOwnError(s) : s).ToList();

    private static SessionWithEvents WithOwnError(SessionWithEvents session)
    {
        var next = session.Events.Max(e => e.Sequence) + 1;
        var time = session.Session.StartedAt;
        return session with
        {
            Events =
            [
                .. session.Events,
                new ToolCallEvent { SessionId = session.Session.Id, Sequence = next, Timestamp = time, CallId = "stock", ToolName = OneTenantTool, Arguments = "{}" },
                new ToolResultEvent { SessionId = session.Session.Id, Sequence = next + 1, Timestamp = time, CallId = "stock", ToolName = OneTenantTool, IsError = true, Result = "Error: the warehouse feed is offline" },
            ],
        };
    }

    private static SessionWithEvents Unscoped(string id, bool failed)
    {
        var time = new DateTimeOffset(2026, 11, 2, 0, 0, 0, TimeSpan.Zero);
        List<SessionEvent> events =
        [
            new ToolCallEvent { CallId = "stock", ToolName = OneTenantTool, Arguments = "{}" },
            new ToolResultEvent { CallId = "stock", ToolName = OneTenantTool, IsError = failed, Result = failed ? "Error: the warehouse feed is offline" : "ok" },
        ];
        return new SessionWithEvents(
            new SessionRecord { Id = id, AgentId = MultiTenantCorpus.AgentId, Task = "Stock", Status = SessionStatus.Completed, StartedAt = time, EndedAt = time.AddSeconds(1), Outcome = failed ? SessionOutcome.Failed() : SessionOutcome.Succeeded() },
            events.Select((e, n) => e with { SessionId = id, Sequence = n + 1, Timestamp = time }).ToList());
    }

    private static SessionWithEvents PairSession(string id, string scope, string task, bool failed)
    {
        var time = new DateTimeOffset(2026, 11, 1, 0, 0, 0, TimeSpan.Zero);
        return new SessionWithEvents(
            new SessionRecord { Id = id, AgentId = "bot", Scope = scope, Task = task, Status = SessionStatus.Completed, StartedAt = time, EndedAt = time.AddSeconds(1), Outcome = failed ? SessionOutcome.Failed() : SessionOutcome.Succeeded() },
            [new ToolResultEvent { SessionId = id, Sequence = 1, Timestamp = time, CallId = "c", ToolName = "update_flight", IsError = failed, Result = failed ? "Error: fare rules" : "ok" }]);
    }

    // Writes the template lessons, noting the MinScopes each dream's reflector is told.
    private sealed class ScopesSeen : IDreamReflector
    {
        public List<int> MinScopes { get; } = [];

        public Task<ReflectionResult> ReflectAsync(ReflectionRequest request, CancellationToken cancellationToken)
        {
            MinScopes.Add(request.MinScopes);
            return Task.FromResult(new ReflectionResult(TemplateLessonWriter.Write(request.Findings, request.BaseFailureRate), SessionUsage.Zero, null));
        }
    }
}
