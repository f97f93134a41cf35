using System.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace Dreaming.Tests;

public partial class OrchestratorFailureTests
{
    [Fact]
    public async Task StopRun_cancels_running_items_starts_no_more_and_names_the_failed_item()
    {
        await using var host = OrchestrationHarness.Create(o => o.ItemRetries = 0);
        var slowStarted = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var agent = OrchestrationHarness.Agent("worker", async (context, ct) =>
        {
            switch (context.Item.Id)
            {
                case "bad":
                    await slowStarted.Task.WaitAsync(ct);
                    throw new InvalidOperationException("the tool broke");
                case "slow":
                    slowStarted.SetResult();
                    await Task.Delay(Timeout.Infinite, ct);
                    return new WorkItemReply("never");
                default:
                    return new WorkItemReply("ok");
            }
        });

        var run = await host.RunAsync(
            OrchestrationHarness.Plan(5, OrchestrationHarness.Item("bad"), OrchestrationHarness.Item("slow"), OrchestrationHarness.Item("after", "bad")),
            agent,
            OrchestrationFailurePolicy.StopRun);

        Assert.Equal(OrchestrationStatus.Failed, run.Status);
        Assert.Contains("item 'bad' ended failed", run.Error, StringComparison.Ordinal);
        Assert.Contains("the tool broke", run.Error, StringComparison.Ordinal);
        var items = run.Items.ToDictionary(i => i.Id);
        Assert.Equal(WorkItemStatus.Failed, items["bad"].Status);
        Assert.Equal(WorkItemStatus.Cancelled, items["slow"].Status);
        Assert.Equal(WorkItemStatus.NotStarted, items["after"].Status);
        Assert.Null(run.FinalAnswer);

        var events = await host.Store.GetEventsAsync(run.SessionId);
        var failed = Assert.Single(events.OfType<OrchestrationFailedEvent>());
        Assert.Equal("failed", failed.Status);
        Assert.Equal("bad", failed.ItemId);
        Assert.Equal(SessionStatus.Failed, (await host.Store.GetSessionAsync(run.SessionId))!.Status);
        Assert.Equal(SessionStatus.Failed, (await host.Store.GetSessionAsync(items["bad"].SessionId!))!.Status);
        Assert.Equal(SessionStatus.Abandoned, (await host.Store.GetSessionAsync(items["slow"].SessionId!))!.Status);
        await host.AssertNoSessionRunningAsync();
    }

    [Fact]
    public async Task SkipDependents_skips_everything_behind_the_failure_and_runs_the_rest()
    {
        await using var host = OrchestrationHarness.Create(o => o.ItemRetries = 0);
        var agent = OrchestrationHarness.Agent("worker", (context, _) =>
            context.Item.Id == "bad" ? throw new InvalidOperationException("boom") : Task.FromResult(new WorkItemReply("out-" + context.Item.Id)));

        var run = await host.RunAsync(
            OrchestrationHarness.Plan(
                2,
                OrchestrationHarness.Item("bad"),
                OrchestrationHarness.Item("child", "bad"),
                OrchestrationHarness.Item("grandchild", "child", "other"),
                OrchestrationHarness.Item("other"),
                OrchestrationHarness.Item("after-other", "other")),
            agent,
            OrchestrationFailurePolicy.SkipDependents);

        Assert.Equal(OrchestrationStatus.Failed, run.Status);
        Assert.Equal("3 of 5 items did not complete", run.Error);
        var items = run.Items.ToDictionary(i => i.Id);
        Assert.Equal(WorkItemStatus.Failed, items["bad"].Status);
        Assert.Equal(WorkItemStatus.Skipped, items["child"].Status);
        Assert.Equal(WorkItemStatus.Skipped, items["grandchild"].Status);
        Assert.Contains("depends on 'bad'", items["grandchild"].Error, StringComparison.Ordinal);
        Assert.Equal(WorkItemStatus.Completed, items["other"].Status);
        Assert.Equal(WorkItemStatus.Completed, items["after-other"].Status);
        Assert.Null(items["child"].SessionId);

        // The partial answer is synthesised from what completed.
        Assert.Equal("out-after-other", run.FinalAnswer);
        var events = await host.Store.GetEventsAsync(run.SessionId);
        Assert.Equal(5, events.OfType<OrchestrationItemCompletedEvent>().Count());
        Assert.Equal(2, events.OfType<OrchestrationItemCompletedEvent>().Count(e => e.Status == "skipped"));
        await host.AssertNoSessionRunningAsync();
    }

    [Fact]
    public async Task The_run_budget_stops_the_run_cleanly_with_budget_reached()
    {
        await using var host = OrchestrationHarness.Create();
        var calls = 0;
        var agent = OrchestrationHarness.Agent("worker", (_, _) =>
        {
            Interlocked.Increment(ref calls);
            return Task.FromResult(new WorkItemReply("ok", new SessionUsage { InputTokens = 60, OutputTokens = 40 }));
        });

        var run = await host.RunAsync(OrchestrationHarness.Plan(1, Enumerable.Range(0, 6).Select(i => OrchestrationHarness.Item("i" + i)).ToArray()), agent, budget: 250);

        Assert.Equal(OrchestrationStatus.BudgetReached, run.Status);
        Assert.Equal(3, calls);
        Assert.Equal(3, run.Items.Count(i => i.Status == WorkItemStatus.Completed));
        Assert.Equal(3, run.Items.Count(i => i.Status == WorkItemStatus.NotStarted));
        Assert.Equal(300, run.Usage.TotalTokens);
        Assert.Contains("budget of 250", run.Error, StringComparison.Ordinal);
        var failed = Assert.Single((await host.Store.GetEventsAsync(run.SessionId)).OfType<OrchestrationFailedEvent>());
        Assert.Equal("budget_reached", failed.Status);
        Assert.Equal("budget_reached", (await host.Store.GetSessionAsync(run.SessionId))!.Outcome!.Label);
        await host.AssertNoSessionRunningAsync();
    }

    [Fact]
    public async Task The_cost_budget_stops_the_run_with_budget_reached_on_reported_and_priced_costs()
    {
        await using (var host = OrchestrationHarness.Create())
        {
            var agent = OrchestrationHarness.Agent("worker", (_, _) => Task.FromResult(new WorkItemReply("ok", new SessionUsage { OutputTokens = 1, CostMinorUnits = 40 })));
            var run = await host.Orchestrator.RunAsync(new OrchestrationRequest
            {
                Plan = OrchestrationHarness.Plan(1, Enumerable.Range(0, 5).Select(i => OrchestrationHarness.Item("i" + i)).ToArray()),
                Agents = [agent],
                MaxTotalCostMinorUnits = 100,
            });

            Assert.Equal(OrchestrationStatus.BudgetReached, run.Status);
            Assert.Equal(3, run.Items.Count(i => i.Status == WorkItemStatus.Completed));
            Assert.Equal(120, run.Usage.CostMinorUnits);
            Assert.Contains("cost budget of 100", run.Error, StringComparison.Ordinal);
        }

        // A chat agent's calls are priced by CostOf: 15 tokens a call at 2 units a token.
        var priced = new List<string>();
        await using (var host = OrchestrationHarness.Create(o =>
        {
            o.MaxTotalCostMinorUnits = 60;
            o.CostOf = (agent, usage) =>
            {
                priced.Add(agent);
                return usage.TotalTokens * 2;
            };
        }))
        {
            var chat = new RosterAgent { Name = "worker", ChatClient = FakeChatClient.Echo() };
            var run = await host.RunAsync(OrchestrationHarness.Plan(1, Enumerable.Range(0, 4).Select(i => OrchestrationHarness.Item("i" + i)).ToArray()), chat);

            Assert.Equal(OrchestrationStatus.BudgetReached, run.Status);
            Assert.Equal(2, run.Items.Count(i => i.Status == WorkItemStatus.Completed));
            Assert.Equal(30, run.Items[0].Usage.CostMinorUnits);
            Assert.Equal(["worker", "worker"], priced);
        }
    }

    [Fact]
    public async Task A_budget_reached_by_the_last_item_stops_nothing_and_the_run_completes()
    {
        await using var host = OrchestrationHarness.Create();
        var agent = OrchestrationHarness.Agent("worker", (_, _) => Task.FromResult(new WorkItemReply("ok", new SessionUsage { InputTokens = 100 })));

        var run = await host.RunAsync(OrchestrationHarness.Plan(1, OrchestrationHarness.Item("a"), OrchestrationHarness.Item("b", "a")), agent, budget: 200);

        Assert.Equal(OrchestrationStatus.Completed, run.Status);
        Assert.Null(run.Error);
        Assert.Equal("ok", run.FinalAnswer);
    }

    [Fact]
    public async Task An_item_over_its_own_budget_fails_budget_exceeded_without_a_retry()
    {
        await using var host = OrchestrationHarness.Create(o => o.ItemRetries = 3);
        var calls = 0;
        var agent = OrchestrationHarness.Agent("worker", (_, _) =>
        {
            Interlocked.Increment(ref calls);
            return Task.FromResult(new WorkItemReply("long answer", new SessionUsage { InputTokens = 50, OutputTokens = 30 }));
        });

        var run = await host.RunAsync(OrchestrationHarness.Plan(1, OrchestrationHarness.Item("big") with { MaxTokens = 50 }), agent);

        var item = Assert.Single(run.Items);
        Assert.Equal(WorkItemStatus.BudgetExceeded, item.Status);
        Assert.Equal(1, calls);
        Assert.Equal("the item used 80 tokens, more than its maxTokens of 50", item.Error);
        Assert.Equal(OrchestrationStatus.Failed, run.Status);
        await host.AssertNoSessionRunningAsync();
    }
}
