using System.Collections.Concurrent;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;

namespace Dreaming.Tests;

/// <summary>A run's chat calls are priced by <see cref="DreamingOptions.CostOf"/> as their sessions are, and
/// <see cref="OrchestratorOptions.CostOf"/> prices only the usage that still has no cost.</summary>
public sealed class OrchestrationCostTests
{
    [Fact]
    public async Task DreamingOptions_CostOf_prices_the_chat_agents_and_coordinators_calls_in_the_run_and_its_sessions()
    {
        var asked = new ConcurrentQueue<ModelCallUsage>();
        var orchestratorAsked = new ConcurrentQueue<string>();
        await using var host = OrchestrationHarness.Create(
            o => o.CostOf = (agent, usage) =>
            {
                orchestratorAsked.Enqueue(agent);
                return 1_000;
            },
            coordinator: FakeChatClient.Echo(),
            services: s => s.Configure<DreamingOptions>(o => o.CostOf = call =>
            {
                asked.Enqueue(call);
                return call.AgentId == "worker" ? 7 : 100;
            }));
        var worker = new RosterAgent { Name = "worker", ChatClient = FakeChatClient.Echo() };

        var run = await host.RunAsync(OrchestrationHarness.Plan(1, OrchestrationHarness.Item("a"), OrchestrationHarness.Item("b", "a")), worker);

        Assert.Equal(OrchestrationStatus.Completed, run.Status);
        Assert.Equal([7, 7], run.Items.Select(i => i.Usage.CostMinorUnits));

        // Two items at 7 and the coordinator's synthesis at 100: the orchestrator's own CostOf sees no call without a cost.
        Assert.Equal(114, run.Usage.CostMinorUnits);
        Assert.Empty(orchestratorAsked);
        Assert.Contains(asked, c => c == new ModelCallUsage("worker", "fake", "fake-model-1", 10, 5, 2));
        Assert.Contains(asked, c => c.AgentId == "orchestrator");

        // The sessions show the same costs: each item's child session, and the run's session with the synthesis.
        var sessions = await host.SessionsAsync();
        Assert.Equal([7, 7], sessions.Where(s => s.AgentId == "worker").Select(s => s.Usage.CostMinorUnits));
        Assert.Equal(100, Assert.Single(sessions, s => s.Id == run.SessionId).Usage.CostMinorUnits);
    }

    [Fact]
    public async Task A_cost_budget_is_reached_by_calls_DreamingOptions_CostOf_prices()
    {
        await using var host = OrchestrationHarness.Create(
            o => o.MaxTotalCostMinorUnits = 14,
            services: s => s.Configure<DreamingOptions>(o => o.CostOf = _ => 7));
        var worker = new RosterAgent { Name = "worker", ChatClient = FakeChatClient.Echo() };

        var run = await host.RunAsync(OrchestrationHarness.Plan(1, Enumerable.Range(0, 4).Select(i => OrchestrationHarness.Item("i" + i)).ToArray()), worker);

        Assert.Equal(OrchestrationStatus.BudgetReached, run.Status);
        Assert.Equal(2, run.Items.Count(i => i.Status == WorkItemStatus.Completed));
        Assert.Equal(14, run.Usage.CostMinorUnits);
        Assert.Contains("cost budget of 14", run.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_coordinators_planning_is_priced_under_the_runs_agent_id()
    {
        var replies = new[] { """{"items":[{"id":"a","agent":"worker","instructions":"do a","dependsOn":[]}]}""", "final" };
        var next = -1;
        var coordinator = new FakeChatClient
        {
            GetResponseAsyncCallback = (_, _, _) => Task.FromResult(new ChatResponse(new ChatMessage(ChatRole.Assistant, replies[Interlocked.Increment(ref next)]))
            {
                ModelId = "planner-model",
                Usage = new UsageDetails { InputTokenCount = 100, OutputTokenCount = 20 },
            }),
        };
        var asked = new ConcurrentQueue<ModelCallUsage>();
        await using var host = OrchestrationHarness.Create(coordinator: coordinator, services: s => s.Configure<DreamingOptions>(o => o.CostOf = call =>
        {
            asked.Enqueue(call);
            return call.InputTokens + call.OutputTokens;
        }));

        var run = await host.Orchestrator.RunAsync(new OrchestrationRequest { Goal = "Do a", AgentId = "lead", Agents = [OrchestrationHarness.Echo()] });

        Assert.Equal(OrchestrationStatus.Completed, run.Status);
        Assert.Equal("final", run.FinalAnswer);

        // The planning call and the synthesis, each priced once as it is recorded and once as the run charges it.
        Assert.Equal(240, run.Usage.CostMinorUnits);
        Assert.All(asked, c => Assert.Equal(new ModelCallUsage("lead", "fake", "planner-model", 100, 20, 0), c));
        Assert.Equal(240, Assert.Single(await host.SessionsAsync(), s => s.Id == run.SessionId).Usage.CostMinorUnits);
    }
}
