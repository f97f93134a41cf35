using Dreaming.Tests.Outcomes.Grading;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;

namespace Dreaming.Tests;

/// <summary>A model that reports no usage cannot spend a run's token budget without limit: its calls are estimated at four
/// characters a token for the budgets, and the estimate is never reported as usage.</summary>
public sealed class UnreportedUsageBudgetTests
{
    // 400 characters: 100 output tokens by the estimate.
    private static readonly string Reply = new('x', 400);

    [Fact]
    public async Task Chat_calls_that_report_no_usage_are_estimated_and_reach_the_run_budget()
    {
        var calls = 0;
        await using var host = OrchestrationHarness.Create();
        var agent = new RosterAgent { Name = "worker", ChatClient = Silent(() => Interlocked.Increment(ref calls)) };

        var run = await host.RunAsync(OrchestrationHarness.Plan(1, Enumerable.Range(0, 6).Select(i => OrchestrationHarness.Item("i" + i)).ToArray()), agent, budget: 250);

        Assert.Equal(OrchestrationStatus.BudgetReached, run.Status);
        Assert.InRange(calls, 2, 3);
        Assert.Contains("estimated from the text, at four characters a token, where the model reported no usage", run.Error, StringComparison.Ordinal);
        Assert.Contains("budget of 250", run.Error, StringComparison.Ordinal);
        // Not presented as reported usage: the run, its items and its events say what the model reported, none.
        Assert.Equal(0, run.Usage.TotalTokens);
        Assert.All(run.Items, i => Assert.Equal(0, i.Usage.TotalTokens));
        Assert.Contains(run.Items, i => i.Status == WorkItemStatus.NotStarted);
        await host.AssertNoSessionRunningAsync();
    }

    [Fact]
    public async Task A_chat_call_that_reports_no_usage_is_estimated_against_the_items_max_tokens()
    {
        await using var host = OrchestrationHarness.Create();
        var agent = new RosterAgent { Name = "worker", ChatClient = Silent(() => { }) };
        var item = OrchestrationHarness.Item("a") with { MaxTokens = 50 };

        var run = await host.RunAsync(OrchestrationHarness.Plan(1, item), agent);

        var result = Assert.Single(run.Items);
        Assert.Equal(WorkItemStatus.BudgetExceeded, result.Status);
        Assert.Contains("more than its maxTokens of 50", result.Error, StringComparison.Ordinal);
        Assert.Contains("estimated from the text", result.Error, StringComparison.Ordinal);
        Assert.Equal(0, result.Usage.TotalTokens);
    }

    [Fact]
    public async Task A_reported_count_is_taken_as_is_and_only_the_missing_one_is_estimated()
    {
        await using var host = OrchestrationHarness.Create();
        // Input reported (5); output missing: 100 tokens by the estimate, so 105 in all, past a budget of 104 but not 106.
        var client = new FakeChatClient
        {
            GetResponseAsyncCallback = (_, _, _) => Task.FromResult(new ChatResponse(new ChatMessage(ChatRole.Assistant, Reply)) { Usage = new UsageDetails { InputTokenCount = 5 } }),
        };
        var agent = new RosterAgent { Name = "worker", ChatClient = client };
        var plan = OrchestrationHarness.Plan(1, OrchestrationHarness.Item("a"), OrchestrationHarness.Item("b", "a"));

        var reached = await host.RunAsync(plan, agent, budget: 104);
        var under = await host.RunAsync(plan, agent, budget: 106);

        Assert.Equal(OrchestrationStatus.BudgetReached, reached.Status);
        Assert.Contains("the run used 105 tokens", reached.Error, StringComparison.Ordinal);
        Assert.Equal(5, reached.Usage.TotalTokens);
        Assert.Equal(OrchestrationStatus.Completed, under.Status);
        Assert.Equal(10, under.Usage.TotalTokens);
    }

    [Fact]
    public async Task A_coordinators_planning_that_reports_no_usage_is_estimated_against_the_run_budget()
    {
        // The plan's JSON padded to well over 400 characters: over 100 tokens by the estimate, with the prompt's on top.
        var plan = "{\"items\":[{\"id\":\"a\",\"agent\":\"worker\",\"instructions\":\"Find facts" + new string(' ', 400) + "\",\"dependsOn\":[]}]}";
        var coordinator = new FakeChatClient
        {
            GetResponseAsyncCallback = (_, _, _) => Task.FromResult(new ChatResponse(new ChatMessage(ChatRole.Assistant, plan))),
        };
        await using var host = OrchestrationHarness.Create(coordinator: coordinator);
        var ran = 0;
        var agent = OrchestrationHarness.Agent("worker", (_, _) =>
        {
            Interlocked.Increment(ref ran);
            return Task.FromResult(new WorkItemReply("done"));
        });

        var run = await host.Orchestrator.RunAsync(new OrchestrationRequest { Goal = "Report on X", Agents = [agent], MaxTotalTokens = 100 });

        Assert.Equal(OrchestrationStatus.BudgetReached, run.Status);
        Assert.Equal(0, ran);
        Assert.Contains("planning used", run.Error, StringComparison.Ordinal);
        Assert.Contains("estimated from the text", run.Error, StringComparison.Ordinal);
        Assert.Equal(0, run.Usage.TotalTokens);
    }

    [Fact]
    public async Task A_delegates_reply_without_usage_is_not_estimated()
    {
        await using var host = OrchestrationHarness.Create();
        var agent = OrchestrationHarness.Agent("worker", (_, _) => Task.FromResult(new WorkItemReply(Reply)));

        var run = await host.RunAsync(OrchestrationHarness.Plan(1, OrchestrationHarness.Item("a"), OrchestrationHarness.Item("b", "a")), agent, budget: 1);

        Assert.Equal(OrchestrationStatus.Completed, run.Status);
    }

    [Fact]
    public async Task A_grader_that_reports_no_usage_is_estimated_against_the_run_budget()
    {
        await using var host = OrchestrationHarness.Create(services: s => s.AddSingleton(new ModelGrader(SilentGrader().Client)));
        var calls = 0;
        var agent = OrchestrationHarness.Agent("worker", (_, _) =>
        {
            Interlocked.Increment(ref calls);
            return Task.FromResult(new WorkItemReply("the work", new SessionUsage { InputTokens = 5, OutputTokens = 5 }));
        });
        var item = OrchestrationHarness.Item("a") with { Rubric = GradingFixtures.Rubric(GradingFixtures.Model("c1")) };

        // The grader's prompt alone (its instructions, the rubric, the work) is well over 800 characters: over 200 tokens.
        var run = await host.RunAsync(OrchestrationHarness.Plan(1, item), agent, budget: 200);

        Assert.Equal(OrchestrationStatus.BudgetReached, run.Status);
        Assert.Equal(1, calls);
        Assert.Contains("estimated from the text, at four characters a token, where the model reported no usage", run.Error, StringComparison.Ordinal);
        // Not presented as reported usage: the run and its item carry the agent's 10 tokens only.
        Assert.Equal(10, run.Usage.TotalTokens);
        Assert.Equal(10, Assert.Single(run.Items).Usage.TotalTokens);
        await host.AssertNoSessionRunningAsync();
    }

    [Fact]
    public async Task A_graders_estimate_is_not_charged_to_the_items_max_tokens()
    {
        await using var host = OrchestrationHarness.Create(services: s => s.AddSingleton(new ModelGrader(SilentGrader().Client)));
        var agent = OrchestrationHarness.Agent("worker", (_, _) => Task.FromResult(new WorkItemReply("the work", new SessionUsage { InputTokens = 5, OutputTokens = 5 })));
        var item = OrchestrationHarness.Item("a") with { Rubric = GradingFixtures.Rubric(GradingFixtures.Model("c1")), MaxTokens = 100 };

        var run = await host.RunAsync(OrchestrationHarness.Plan(1, item), agent);

        // Three agent calls of 10 tokens each: within the item's 100 whatever the grader's estimate, which is the run's.
        var result = Assert.Single(run.Items);
        Assert.Equal(WorkItemStatus.Failed, result.Status);
        Assert.Equal(OutcomeResult.MaxIterationsReached, result.Outcome);
    }

    // A grader that judges every criterion not met and reports no usage.
    private static ScriptedGrader SilentGrader() =>
        new((_, _) => Task.FromResult(new ChatResponse(new ChatMessage(ChatRole.Assistant, ScriptedGrader.Reply(("c1", "not_met"))))));

    // A model that replies 400 characters and reports no usage at all.
    private static FakeChatClient Silent(Action onCall) => new()
    {
        GetResponseAsyncCallback = (_, _, _) =>
        {
            onCall();
            return Task.FromResult(new ChatResponse(new ChatMessage(ChatRole.Assistant, Reply)));
        },
    };
}
