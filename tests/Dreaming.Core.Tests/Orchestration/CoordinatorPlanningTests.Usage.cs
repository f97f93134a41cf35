using System.Diagnostics;
using Microsoft.Extensions.AI;

namespace Dreaming.Tests;

/// <summary>What the coordinator's calls use and cost: recorded when planning fails or is cancelled, counted against the
/// run's token budget, and priced by <c>CostOf</c>.</summary>
public partial class CoordinatorPlanningTests
{
    [Fact]
    public async Task A_failed_planning_records_the_usage_of_the_coordinator_calls_it_made()
    {
        // Two prose replies of 120 tokens each, priced 3 units a token: the failed planning used 240 tokens and cost 720.
        var coordinator = new FakeChatClient
        {
            GetResponseAsyncCallback = (_, _, _) => Task.FromResult(new ChatResponse(new ChatMessage(ChatRole.Assistant, "Let me explain instead.")) { Usage = new UsageDetails { InputTokenCount = 100, OutputTokenCount = 20 } }),
        };
        await using var host = OrchestrationHarness.Create(o => o.CostOf = (_, usage) => usage.TotalTokens * 3, coordinator: coordinator);

        await Assert.ThrowsAsync<PlanValidationException>(() =>
            host.Orchestrator.RunAsync(new OrchestrationRequest { Goal = "Report on X", Agents = [OrchestrationHarness.Echo()] }));

        var session = Assert.Single(await host.SessionsAsync());
        var failed = Assert.Single((await host.Store.GetEventsAsync(session.Id)).OfType<OrchestrationFailedEvent>());
        Assert.Equal(240, failed.Usage.TotalTokens);
        Assert.Equal(720, failed.Usage.CostMinorUnits);
    }

    [Fact]
    public async Task A_planning_cancelled_after_an_invalid_reply_records_the_usage_of_that_reply()
    {
        using var cancel = new CancellationTokenSource();
        var calls = 0;
        var coordinator = new FakeChatClient
        {
            GetResponseAsyncCallback = async (_, _, _) =>
            {
                if (Interlocked.Increment(ref calls) == 1)
                {
                    return new ChatResponse(new ChatMessage(ChatRole.Assistant, "prose")) { Usage = new UsageDetails { InputTokenCount = 70, OutputTokenCount = 5 } };
                }

                await cancel.CancelAsync();
                await new TaskCompletionSource().Task;
                throw new UnreachableException();
            },
        };
        await using var host = OrchestrationHarness.Create(coordinator: coordinator);

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() =>
            host.Orchestrator.RunAsync(new OrchestrationRequest { Goal = "Report on X", Agents = [OrchestrationHarness.Echo()] }, cancel.Token).WaitAsync(TimeSpan.FromSeconds(10)));

        var session = Assert.Single(await host.SessionsAsync());
        var failed = Assert.Single((await host.Store.GetEventsAsync(session.Id)).OfType<OrchestrationFailedEvent>());
        Assert.Equal("interrupted", failed.Status);
        Assert.Equal(75, failed.Usage.TotalTokens);
    }

    [Fact]
    public async Task The_coordinators_planning_tokens_count_against_the_run_budget()
    {
        var coordinator = new FakeChatClient
        {
            GetResponseAsyncCallback = (_, _, _) => Task.FromResult(new ChatResponse(new ChatMessage(ChatRole.Assistant, ValidPlan)) { Usage = new UsageDetails { InputTokenCount = 450, OutputTokenCount = 50 } }),
        };
        await using var host = OrchestrationHarness.Create(coordinator: coordinator);
        var ran = 0;
        var agent = OrchestrationHarness.Agent("worker", (context, _) =>
        {
            Interlocked.Increment(ref ran);
            return Task.FromResult(new WorkItemReply("done", new SessionUsage { InputTokens = 60 }));
        });

        var overspent = await host.Orchestrator.RunAsync(new OrchestrationRequest { Goal = "Report on X", Agents = [agent], MaxTotalTokens = 400 });

        Assert.Equal(OrchestrationStatus.BudgetReached, overspent.Status);
        Assert.Equal(0, ran);
        Assert.Contains("planning used 500 tokens, reaching the run's budget of 400", overspent.Error, StringComparison.Ordinal);
        Assert.All(overspent.Items, i => Assert.Equal(WorkItemStatus.NotStarted, i.Status));

        var tight = await host.Orchestrator.RunAsync(new OrchestrationRequest { Goal = "Report on X", Agents = [agent], MaxTotalTokens = 550 });

        Assert.Equal(OrchestrationStatus.BudgetReached, tight.Status);
        Assert.Equal(1, ran);
        Assert.Contains("the run used 560 tokens, reaching its budget of 550", tight.Error, StringComparison.Ordinal);
        await host.AssertNoSessionRunningAsync();
    }

    [Fact]
    public async Task The_coordinators_planning_and_synthesis_are_priced_by_CostOf_under_the_runs_agent_id()
    {
        // Planning: 500 tokens; synthesis: 100 tokens; CostOf charges 2 units a token.
        var calls = 0;
        var coordinator = new FakeChatClient
        {
            GetResponseAsyncCallback = (_, _, _) => Task.FromResult(Interlocked.Increment(ref calls) % 2 == 1
                ? new ChatResponse(new ChatMessage(ChatRole.Assistant, ValidPlan)) { Usage = new UsageDetails { InputTokenCount = 450, OutputTokenCount = 50 } }
                : new ChatResponse(new ChatMessage(ChatRole.Assistant, "final answer")) { Usage = new UsageDetails { InputTokenCount = 100 } }),
        };
        var priced = new List<string>();
        await using var host = OrchestrationHarness.Create(
            o => o.CostOf = (agent, usage) =>
            {
                lock (priced)
                {
                    priced.Add(agent);
                }

                return usage.TotalTokens * 2;
            },
            coordinator: coordinator);
        var ran = 0;
        var agent = OrchestrationHarness.Agent("worker", (_, _) =>
        {
            Interlocked.Increment(ref ran);
            return Task.FromResult(new WorkItemReply("done", new SessionUsage { InputTokens = 60, CostMinorUnits = 7 }));
        });

        // Planning alone costs 1,000 minor units: over the cost budget of 800, so no item starts.
        var overspent = await host.Orchestrator.RunAsync(new OrchestrationRequest { Goal = "Report on X", Agents = [agent], MaxTotalCostMinorUnits = 800, AgentId = "lead" });

        Assert.Equal(OrchestrationStatus.BudgetReached, overspent.Status);
        Assert.Equal(0, ran);
        Assert.Contains("planning cost 1,000 minor units, reaching the run's cost budget of 800", overspent.Error, StringComparison.Ordinal);
        Assert.All(overspent.Items, i => Assert.Equal(WorkItemStatus.NotStarted, i.Status));
        Assert.Equal(1_000, overspent.Usage.CostMinorUnits);
        Assert.Equal(["lead"], priced);

        // A completed run: planning (1,000), the items' reported costs (7 each, not repriced) and the synthesis (200).
        priced.Clear();
        calls = 0;
        var completed = await host.Orchestrator.RunAsync(new OrchestrationRequest { Goal = "Report on X", Agents = [agent], MaxTotalCostMinorUnits = 5_000 });

        Assert.Equal(OrchestrationStatus.Completed, completed.Status);
        Assert.Equal("final answer", completed.FinalAnswer);
        Assert.Equal(1_000 + 7 + 7 + 200, completed.Usage.CostMinorUnits);
        Assert.Equal(["orchestrator", "orchestrator"], priced);
        var ended = (await host.Store.GetEventsAsync(completed.SessionId)).OfType<OrchestrationCompletedEvent>().Single();
        Assert.Equal(1_214, ended.Usage.CostMinorUnits);
        await host.AssertNoSessionRunningAsync();
    }
}
