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

    private static async Task<IReadOnlyList<Insight>> AgentDreamAsync(int? minScopes)
    {
        var traces = new InMemoryTraceStore();
        await traces.ImportAsync(Corpus());
        var memory = new InMemoryMemoryStore();
        var options = minScopes is { } n ? Options.Create(new MiningOptions { MinScopes = n }) : null;
        var dreams = new DreamConsolidator(traces, memory, new InMemoryDreamRunStore(), miningOptions: options);
        var run = await dreams.DreamAsync(new DreamRunRequest { Scope = MemoryScope.Agent(MultiTenantCorpus.AgentId), MaxSessions = 1000 });
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
}
