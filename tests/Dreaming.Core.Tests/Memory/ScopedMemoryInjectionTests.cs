using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using NSubstitute;
using NSubstitute.ExceptionExtensions;

namespace Dreaming.Tests;

/// <summary>A session is given the active memory of its agent, of its team (its scope) and of the global scope, ranked
/// together; it records one <see cref="InsightsInjectedEvent"/> per version, and a team dream credits its own insights.</summary>
public class ScopedMemoryInjectionTests
{
    private static readonly DateTimeOffset s_time = new(2026, 11, 1, 0, 0, 0, TimeSpan.Zero);
    private static readonly MemoryScope s_agent = MemoryScope.Agent("bot");
    private static readonly MemoryScope s_billing = MemoryScope.Team("billing");
    private static readonly MemoryScope s_support = MemoryScope.Team("support");

    [Fact]
    public async Task A_session_of_a_team_is_given_its_agents_its_teams_and_the_global_insights()
    {
        var (provider, prompts) = Create();
        await using var owner = provider;
        var agent = await ActivateAsync(provider, s_agent, Insight(s_agent, "agent-1", "Refund at most the order total."));
        var billing = await ActivateAsync(provider, s_billing, Insight(s_billing, "billing-1", "Invoices are in euros."));
        await ActivateAsync(provider, s_support, Insight(s_support, "support-1", "Never shown to billing."));
        var global = await ActivateAsync(provider, MemoryScope.Global, Insight(MemoryScope.Global, "global-1", "Be brief."));

        var events = await RunSessionAsync(provider, "billing");

        var text = Assert.Single(prompts)[0].Text;

        // Not "this agent's": the team's and the global lessons were learnt from other agents' sessions too.
        Assert.StartsWith(InsightRanker.SharedHeader + "\n", text, StringComparison.Ordinal);
        Assert.DoesNotContain("this agent's", text, StringComparison.Ordinal);
        Assert.Contains("- [agent-1] Refund at most the order total.", text, StringComparison.Ordinal);
        Assert.Contains("- [billing-1] Invoices are in euros.", text, StringComparison.Ordinal);
        Assert.Contains("- [global-1] Be brief.", text, StringComparison.Ordinal);
        Assert.DoesNotContain("support-1", text, StringComparison.Ordinal);
        var injected = events.OfType<InsightsInjectedEvent>().ToList();
        Assert.Equal([agent.Id, billing.Id, global.Id], injected.Select(e => e.MemoryVersionId));
        Assert.Equal([null, s_billing, MemoryScope.Global], injected.Select(e => e.Scope));
        Assert.Equal([["agent-1"], ["billing-1"], ["global-1"]], injected.Select(e => e.InsightIds));
    }

    [Fact]
    public async Task A_session_without_a_scope_is_given_its_agents_and_the_global_insights_but_no_teams()
    {
        var (provider, prompts) = Create();
        await using var owner = provider;
        var agent = await ActivateAsync(provider, s_agent, Insight(s_agent, "agent-1", "Refund at most the order total."));
        await ActivateAsync(provider, s_billing, Insight(s_billing, "billing-1", "Invoices are in euros."));
        var global = await ActivateAsync(provider, MemoryScope.Global, Insight(MemoryScope.Global, "global-1", "Be brief."));

        var events = await RunSessionAsync(provider, scope: null);

        var text = Assert.Single(prompts)[0].Text;
        Assert.Contains("[agent-1]", text, StringComparison.Ordinal);
        Assert.Contains("[global-1]", text, StringComparison.Ordinal);
        Assert.DoesNotContain("billing-1", text, StringComparison.Ordinal);
        Assert.Equal([(agent.Id, (MemoryScope?)null), (global.Id, MemoryScope.Global)], events.OfType<InsightsInjectedEvent>().Select(e => (e.MemoryVersionId, e.Scope)));
    }

    [Fact]
    public async Task A_session_given_only_its_agents_memory_gets_the_same_text_and_event_as_before()
    {
        var (provider, prompts) = Create();
        await using var owner = provider;
        var agent = await ActivateAsync(provider, s_agent, Insight(s_agent, "agent-1", "Refund at most the order total."), Insight(s_agent, "agent-2", "Look the order up first."));

        var events = await RunSessionAsync(provider, "billing");

        var expected = InsightRanker.Render(agent, "Refund order #W1", [], new DreamingOptions().MemoryTokenBudget)!;
        Assert.Equal(expected.Text, Assert.Single(prompts)[0].Text);
        var injected = Assert.Single(events.OfType<InsightsInjectedEvent>());
        Assert.Equal((agent.Id, null), (injected.MemoryVersionId, injected.Scope));
        Assert.Equal(expected.InsightIds, injected.InsightIds);
        Assert.DoesNotContain("scope", System.Text.Json.JsonSerializer.Serialize<SessionEvent>(injected), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_scope_whose_lookup_fails_is_left_out_and_the_others_are_given()
    {
        var store = Substitute.For<IMemoryStore>();
        store.GetActiveVersionAsync(s_agent, Arg.Any<CancellationToken>()).ThrowsAsync(new IOException("disk gone"));
        store.GetActiveVersionAsync(s_billing, Arg.Any<CancellationToken>()).Returns(Task.FromResult<MemoryVersion?>(Version(s_billing, "mv-billing", Insight(s_billing, "billing-1", "Invoices are in euros."))));
        store.GetActiveVersionAsync(MemoryScope.Global, Arg.Any<CancellationToken>()).Returns(Task.FromResult<MemoryVersion?>(Version(MemoryScope.Global, "mv-global", Insight(MemoryScope.Global, "global-1", "Be brief."))));
        var (provider, prompts) = Create(store);
        await using var owner = provider;

        var events = await RunSessionAsync(provider, "billing");

        var text = Assert.Single(prompts)[0].Text;
        Assert.Contains("[billing-1]", text, StringComparison.Ordinal);
        Assert.Contains("[global-1]", text, StringComparison.Ordinal);
        Assert.Equal(["mv-billing", "mv-global"], events.OfType<InsightsInjectedEvent>().Select(e => e.MemoryVersionId));
        await store.Received(1).GetActiveVersionAsync(s_agent, Arg.Any<CancellationToken>());
    }

    [Fact]
    public async Task A_team_dream_credits_the_team_insights_its_sessions_were_given_and_not_an_agent_insight_of_the_same_id()
    {
        var (provider, _) = Create();
        await using var owner = provider;

        // A person gave an agent lesson and a team lesson the same id: the sessions are given the agent's (first at equal
        // rank), so the team's is not credited for it.
        await ActivateAsync(provider, s_agent, Insight(s_agent, "shared", "Say hello."));
        await ActivateAsync(provider, s_billing, Insight(s_billing, "team-lookup", "Look the invoice up first."), Insight(s_billing, "shared", "Say hello."));
        for (var i = 0; i < 4; i++)
        {
            var events = await RunSessionAsync(provider, "billing");
            Assert.Equal([["shared"], ["team-lookup"]], events.OfType<InsightsInjectedEvent>().Select(e => e.InsightIds));
        }

        var run = await provider.GetRequiredService<IDreamConsolidator>().DreamAsync(new DreamRunRequest { Scope = s_billing, MinSessions = 4 });

        Assert.Equal(DreamRunStatus.Completed, run.Status);
        Assert.Equal(4, run.Results.SessionIds.Count);
        var team = (await provider.GetRequiredService<IMemoryStore>().GetActiveVersionAsync(s_billing))!;
        var credited = team.Insights.Single(i => i.Id == "team-lookup");
        Assert.Equal((4, 4, 0), (credited.Seen, credited.Helpful, credited.Harmful));
        var shared = team.Insights.Single(i => i.Id == "shared");
        Assert.Equal((0, 0), (shared.Seen, shared.Helpful));
    }

    private static (ServiceProvider Provider, List<List<ChatMessage>> Prompts) Create(IMemoryStore? store = null)
    {
        var prompts = new List<List<ChatMessage>>();
        var model = new FakeChatClient
        {
            GetResponseAsyncCallback = (messages, _, _) =>
            {
                lock (prompts)
                {
                    prompts.Add(messages.ToList());
                }

                return Task.FromResult(new ChatResponse(new ChatMessage(ChatRole.Assistant, "Done.")));
            },
        };
        var services = new ServiceCollection();
        var builder = services.AddDreamingAgents().UseInMemoryStore();
        if (store is not null)
        {
            builder.UseMemoryStore(_ => store);
        }

        services.AddChatClient(model).UseDreaming();
        return (services.BuildServiceProvider(), prompts);
    }

    private static async Task<IReadOnlyList<SessionEvent>> RunSessionAsync(IServiceProvider provider, string? scope)
    {
        await using var session = provider.GetRequiredService<IAgentSessionFactory>().StartSession(new AgentSessionOptions { AgentId = "bot", Task = "Refund order #W1", Scope = scope });
        await provider.GetRequiredService<IChatClient>().GetResponseAsync("Refund 150");
        await session.CompleteAsync(SessionStatus.Completed, SessionOutcome.Succeeded());
        return await provider.GetRequiredService<ITraceStore>().GetEventsAsync(session.Id);
    }

    private static async Task<MemoryVersion> ActivateAsync(IServiceProvider provider, MemoryScope scope, params Insight[] insights)
    {
        var memory = provider.GetRequiredService<IMemoryStore>();
        var version = await memory.ProposeAsync(new MemoryProposal { Scope = scope, Author = MemoryAuthor.Person("ada"), Insights = insights });
        return await memory.ApproveAsync(version.Id, MemoryAuthor.Person("ada"));
    }

    private static MemoryVersion Version(MemoryScope scope, string id, params Insight[] insights) =>
        new() { Id = id, Number = 1, Scope = scope, Insights = insights, Author = MemoryAuthor.Person("ada"), State = MemoryVersionState.Active, CreatedAt = s_time };

    private static Insight Insight(MemoryScope scope, string id, string text) => new()
    {
        Id = id,
        Text = text,
        Scope = scope,
        Status = InsightStatus.Active,
        Source = InsightSource.Human,
        CreatedAt = s_time,
        UpdatedAt = s_time,
    };
}
