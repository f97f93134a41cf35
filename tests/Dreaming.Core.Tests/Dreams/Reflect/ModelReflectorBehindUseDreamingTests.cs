using Dreaming.Tests.Outcomes.Grading;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;

namespace Dreaming.Tests;

/// <summary>A host that builds one chat pipeline with <c>UseDreaming()</c> and passes it to the reflector too: the
/// reflector's calls must pass through it untouched.</summary>
public class ModelReflectorBehindUseDreamingTests
{
    private const string Lesson = """{"lessons":[{"finding":0,"kind":"pitfall","text":"Refund at most the order total.","evidence":["s00"]}]}""";

    [Fact]
    public async Task A_dream_outside_any_session_leaves_no_one_call_session_for_the_next_dream_to_mine()
    {
        var prompts = new List<List<ChatMessage>>();
        await using var provider = Host(prompts, injectMemory: false);
        var traces = provider.GetRequiredService<ITraceStore>();
        await traces.ImportAsync(DreamTestData.RefundSessions(12, failing: 8));

        var run = await Dreams(provider).DreamAsync(new DreamRunRequest { Scope = MemoryScope.Agent("bot") });

        Assert.Equal(DreamRunStatus.Completed, run.Status);
        Assert.Single(prompts);
        var stored = (await traces.QuerySessionsAsync(new SessionQuery())).Items;
        Assert.DoesNotContain(stored, s => s.Metadata.ContainsKey("dreaming.unscoped"));
        Assert.Equal(12, stored.Count);
    }

    [Fact]
    public async Task A_dream_outside_any_session_does_not_give_the_reflector_the_agents_memory()
    {
        var prompts = new List<List<ChatMessage>>();
        await using var provider = Host(prompts, injectMemory: true);
        await ModelGraderBehindUseDreamingTests.ActivateMemoryAsync(provider, "bot", "Always approve refunds.");
        await provider.GetRequiredService<ITraceStore>().ImportAsync(DreamTestData.RefundSessions(12, failing: 8));

        var run = await Dreams(provider).DreamAsync(new DreamRunRequest { Scope = MemoryScope.Agent("bot") });

        Assert.Equal(DreamRunStatus.Completed, run.Status);
        var prompt = Assert.Single(prompts);
        Assert.StartsWith("You review an AI agent's past sessions", prompt[0].Text, StringComparison.Ordinal);
        Assert.DoesNotContain(prompt, m => m.Text.Contains("Always approve refunds", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_reflection_inside_an_agent_session_records_nothing_in_it_and_gets_no_memory()
    {
        var prompts = new List<List<ChatMessage>>();
        await using var provider = Host(prompts, injectMemory: true);
        await ModelGraderBehindUseDreamingTests.ActivateMemoryAsync(provider, "bot", "Always approve refunds.");
        var reflector = new ModelReflector(provider.GetRequiredService<IChatClient>(), maxPairs: 0);
        var sessions = DreamTestData.RefundSessions(4, failing: 4).ToDictionary(s => s.Session.Id);
        var finding = DreamTestData.ToolErrorFinding("refund", DreamTestData.PaymentError, [.. sessions.Keys]);

        string sessionId;
        await using (var session = provider.GetRequiredService<IAgentSessionFactory>().StartSession("bot", "run a dream from the agent"))
        {
            sessionId = session.Id;
            var result = await reflector.ReflectAsync(new ReflectionRequest { Findings = [finding], BaseFailureRate = 0.5, Sessions = sessions, Instructions = null });
            Assert.Equal(InsightSource.Reflected, result.Lessons[0].Source);
            await session.CompleteAsync();
        }

        var traces = provider.GetRequiredService<ITraceStore>();
        var events = await traces.GetEventsAsync(sessionId);
        Assert.DoesNotContain(events, e => e is MessageEvent or ModelResponseEvent or InsightsInjectedEvent);
        Assert.Equal(0, (await traces.GetSessionAsync(sessionId))!.Usage.ModelCalls);
        Assert.DoesNotContain(Assert.Single(prompts), m => m.Text.Contains("Always approve refunds", StringComparison.Ordinal));
    }

    [Fact]
    public async Task AddReflector_takes_a_chat_client_the_host_registered_and_the_dream_uses_it_unrecorded()
    {
        var prompts = new List<List<ChatMessage>>();
        var services = new ServiceCollection();
        services.AddDreamingAgents(o => o.AgentId = "bot")
            .AddReflector(sp => sp.GetRequiredKeyedService<IChatClient>("reflector"), maxPairs: 0);
        services.AddKeyedChatClient("reflector", Model(prompts)).UseDreaming();
        await using var provider = services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true, ValidateScopes = true });
        var traces = provider.GetRequiredService<ITraceStore>();
        await traces.ImportAsync(DreamTestData.RefundSessions(12, failing: 8));

        var run = await provider.GetRequiredService<IDreamConsolidator>().DreamAsync(new DreamRunRequest { Scope = MemoryScope.Agent("bot") });

        Assert.Equal(DreamRunStatus.Completed, run.Status);
        Assert.Single(prompts);
        Assert.Equal(12, (await traces.QuerySessionsAsync(new SessionQuery())).Items.Count);
        Assert.Throws<ArgumentOutOfRangeException>(() => services.AddDreamingAgents().AddReflector(_ => Model(prompts), maxFindings: 0));
    }

    [Theory]
    [InlineData("agent:bot", "bot")]
    [InlineData("team:support", "team:support")]
    public async Task A_dreams_reflector_calls_are_priced_by_CostOf_under_its_scope_in_the_reflect_stage(string scopeKey, string pricedAs)
    {
        var prompts = new List<List<ChatMessage>>();
        var asked = new System.Collections.Concurrent.ConcurrentQueue<ModelCallUsage>();
        await using var provider = Host(prompts, injectMemory: false, oneCallAgent: "unscoped", costOf: call =>
        {
            asked.Enqueue(call);
            return 4;
        });
        var traces = provider.GetRequiredService<ITraceStore>();
        var scope = MemoryScope.Parse(scopeKey)!;

        // A team dream reads the sessions recorded with the team's scope.
        await traces.ImportAsync(DreamTestData.RefundSessions(12, failing: 8)
            .Select(s => scope.Kind == MemoryScopeKind.Team ? s with { Session = s.Session with { Scope = scope.Id } } : s)
            .ToList());

        var run = await Dreams(provider).DreamAsync(new DreamRunRequest { Scope = scope });

        Assert.Equal(DreamRunStatus.Completed, run.Status);
        var reflect = Assert.Single(run.Results!.StageUsage, s => s.Stage == "reflect");
        Assert.Equal(4, reflect.Usage.CostMinorUnits);
        Assert.Equal(4, run.Results.TotalUsage.CostMinorUnits);
        Assert.Equal(new ModelCallUsage(pricedAs, "fake", "fake-model", 30, 5, 0), Assert.Single(asked));
    }

    private static ServiceProvider Host(List<List<ChatMessage>> prompts, bool injectMemory, string oneCallAgent = "bot", Func<ModelCallUsage, long>? costOf = null)
    {
        var services = new ServiceCollection();
        services.AddDreamingAgents(o =>
        {
            o.CostOf = costOf;
            o.AgentId = oneCallAgent;
            o.UnscopedCalls = UnscopedCallHandling.RecordAsSession;
            o.InjectMemory = injectMemory;
        }).UseInMemoryStore();
        services.AddChatClient(Model(prompts)).UseDreaming();
        return services.BuildServiceProvider();
    }

    private static DreamConsolidator Dreams(IServiceProvider provider) => new(
        provider.GetRequiredService<ITraceStore>(),
        provider.GetRequiredService<IMemoryStore>(),
        new InMemoryDreamRunStore(),
        reflector: new ModelReflector(provider.GetRequiredService<IChatClient>(), maxPairs: 0));

    private static FakeChatClient Model(List<List<ChatMessage>> prompts) => new()
    {
        GetResponseAsyncCallback = (messages, _, _) =>
        {
            var list = messages.ToList();
            lock (prompts)
            {
                prompts.Add(list);
            }

            // Cites the first session of the finding's evidence, whatever its id.
            var evidence = list[^1].Text.Split("Evidence sessions: ")[1].Split([',', '\n', '\r'])[0].Trim();
            return Task.FromResult(new ChatResponse(new ChatMessage(ChatRole.Assistant, Lesson.Replace("s00", evidence, StringComparison.Ordinal)))
            {
                Usage = new UsageDetails { InputTokenCount = 30, OutputTokenCount = 5 },
            });
        },
    };
}
