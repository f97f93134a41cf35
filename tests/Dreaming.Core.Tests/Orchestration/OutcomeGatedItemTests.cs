using System.Diagnostics;
using Dreaming.Core.Tests.Outcomes.Rubrics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace Dreaming.Tests;

public class OutcomeGatedItemTests
{
    private const string RubricMarkdown = """
        # Order summary
        Pass threshold: 1.0

        ## Content
        - Names the order (required) [contains: "#W123"]
        """;

    [Fact]
    public async Task An_item_with_a_rubric_revises_through_the_outcome_loop_until_it_passes()
    {
        using var folder = new TempFolder();
        folder.Write("rubrics/order.md", RubricMarkdown);
        await using var host = OrchestrationHarness.Create();
        var feedback = new List<string?>();
        var agent = OrchestrationHarness.Agent("worker", (context, _) =>
        {
            if (context.Item.Id == "summary")
            {
                feedback.Add(context.Feedback);
            }

            return Task.FromResult(new WorkItemReply(
                context.Feedback is null ? "A summary." : "A summary of #W123.",
                new SessionUsage { InputTokens = 5, OutputTokens = 5 }));
        });
        var plan = new OrchestrationPlan
        {
            Goal = "g",
            BaseDirectory = folder.Path,
            Items =
            [
                OrchestrationHarness.Item("summary") with { RubricPath = "rubrics/order.md" },
                OrchestrationHarness.Item("publish", "summary"),
            ],
        };

        var run = await host.RunAsync(plan, agent);

        Assert.Equal(OrchestrationStatus.Completed, run.Status);
        var summary = run.Items[0];
        Assert.Equal(WorkItemStatus.Completed, summary.Status);
        Assert.Equal(OutcomeResult.Satisfied, summary.Outcome);
        Assert.Equal(1.0, summary.Score);
        Assert.Equal("A summary of #W123.", summary.Output);
        Assert.Equal(20, summary.Usage.TotalTokens);
        Assert.Null(feedback[0]);
        Assert.Contains("Names the order", feedback[1], StringComparison.Ordinal);
        var session = await host.Store.GetSessionAsync(summary.SessionId!);
        Assert.Equal(run.SessionId, session!.ParentSessionId);
        Assert.Equal("satisfied", session.Outcome!.Label);
        Assert.Equal(2, (await host.Store.GetEventsAsync(summary.SessionId!)).OfType<OutcomeEvaluationEndedEvent>().Count());
        Assert.Equal("satisfied", (await host.Store.GetEventsAsync(run.SessionId)).OfType<OrchestrationItemCompletedEvent>().First().Outcome);
    }

    [Fact]
    public async Task An_item_whose_agent_reports_itself_blocked_fails_at_once_without_a_retry_and_its_session_is_blocked()
    {
        await using var host = OrchestrationHarness.Create(o => o.ItemRetries = 2);
        var calls = 0;
        var agent = OrchestrationHarness.Agent("worker", (context, _) => context.Item.Id == "summary"
            ? Task.FromException<WorkItemReply>(new AgentBlockedException($"no access to the order system (call {Interlocked.Increment(ref calls)})"))
            : Task.FromResult(new WorkItemReply("done")));
        var plan = OrchestrationHarness.Plan(
            2,
            OrchestrationHarness.Item("summary") with { Rubric = MarkdownRubricParser.Parse(RubricMarkdown) },
            OrchestrationHarness.Item("publish", "summary"));

        var run = await host.RunAsync(plan, agent, OrchestrationFailurePolicy.SkipDependents);

        Assert.Equal(1, calls);
        var summary = run.Items[0];
        Assert.Equal(WorkItemStatus.Failed, summary.Status);
        Assert.Equal(1, summary.Attempts);
        Assert.Equal(OutcomeResult.Failed, summary.Outcome);
        Assert.Equal("the work did not pass the rubric 'rubric': failed, blocked (no access to the order system (call 1))", summary.Error);
        Assert.Equal(WorkItemStatus.Skipped, run.Items[1].Status);
        var session = await host.Store.GetSessionAsync(summary.SessionId!);
        Assert.Equal(SessionStatus.Blocked, session!.Status);
        Assert.Equal(run.SessionId, session.ParentSessionId);
        await host.AssertNoSessionRunningAsync();
    }

    [Fact]
    public async Task A_relative_base_directory_is_resolved_against_the_current_directory()
    {
        using var folder = new TempFolder();
        folder.Write("rubrics/order.md", RubricMarkdown);
        await using var host = OrchestrationHarness.Create();
        var agent = OrchestrationHarness.Agent("worker", (_, _) => Task.FromResult(new WorkItemReply("A summary of #W123.")));
        var plan = new OrchestrationPlan
        {
            Goal = "g",
            BaseDirectory = Path.GetRelativePath(Directory.GetCurrentDirectory(), folder.Path),
            Items = [OrchestrationHarness.Item("summary") with { RubricPath = "rubrics/order.md" }],
        };

        var run = await host.RunAsync(plan, agent);

        Assert.Equal(OrchestrationStatus.Completed, run.Status);
        Assert.Equal(OutcomeResult.Satisfied, run.Items[0].Outcome);
    }

    [Fact]
    public async Task A_base_directory_that_is_not_a_path_is_a_plan_validation_error_naming_it()
    {
        await using var host = OrchestrationHarness.Create();
        var agent = OrchestrationHarness.Agent("worker", (_, _) => Task.FromResult(new WorkItemReply("A summary of #W123.")));
        var plan = new OrchestrationPlan
        {
            Goal = "g",
            BaseDirectory = "rubrics\0here",
            Items = [OrchestrationHarness.Item("summary") with { RubricPath = "order.md" }],
        };

        var ex = await Assert.ThrowsAsync<PlanValidationException>(() => host.RunAsync(plan, agent));

        Assert.StartsWith("The plan's BaseDirectory 'rubrics", ex.Message, StringComparison.Ordinal);
        Assert.Contains("is not a valid path", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Work_that_never_passes_fails_the_item_and_gates_its_dependents()
    {
        await using var host = OrchestrationHarness.Create(o => o.OutcomeMaxIterations = 2);
        var agent = OrchestrationHarness.Agent("worker", (_, _) => Task.FromResult(new WorkItemReply("no order number here")));
        var plan = OrchestrationHarness.Plan(
            2,
            OrchestrationHarness.Item("summary") with { Rubric = MarkdownRubricParser.Parse(RubricMarkdown) },
            OrchestrationHarness.Item("publish", "summary"));

        var run = await host.RunAsync(plan, agent, OrchestrationFailurePolicy.SkipDependents);

        Assert.Equal(OrchestrationStatus.Failed, run.Status);
        Assert.Equal(WorkItemStatus.Failed, run.Items[0].Status);
        Assert.Equal(OutcomeResult.MaxIterationsReached, run.Items[0].Outcome);
        Assert.Equal(1, run.Items[0].Attempts);
        Assert.StartsWith("the work did not pass the rubric 'rubric': max_iterations_reached", run.Items[0].Error, StringComparison.Ordinal);
        Assert.Equal(WorkItemStatus.Skipped, run.Items[1].Status);
        await host.AssertNoSessionRunningAsync();
    }

    [Fact]
    public async Task The_graders_tokens_count_as_each_evaluation_ends_so_the_run_budget_stops_the_next_iteration()
    {
        await using var host = OrchestrationHarness.Create();
        var rubric = MarkdownRubricParser.Parse(RubricMarkdown);
        var grader = new FixedGrader(new RubricEvaluation { Rubric = rubric, Criteria = [], Score = 0, Passed = false, GraderUsage = new SessionUsage { InputTokens = 60 } });
        var sessions = host.Services.GetRequiredService<IAgentSessionFactory>();
        var orchestrator = new Orchestrator(sessions, new OutcomeRunner(sessions, grader), new OrchestratorOptions { OutcomeMaxIterations = 3, RetryDelay = TimeSpan.Zero });
        var calls = 0;
        var agent = OrchestrationHarness.Agent("worker", (_, _) =>
        {
            Interlocked.Increment(ref calls);
            return Task.FromResult(new WorkItemReply("no order number here", new SessionUsage { InputTokens = 10 }));
        });

        var run = await orchestrator.RunAsync(new OrchestrationRequest
        {
            Plan = OrchestrationHarness.Plan(1, OrchestrationHarness.Item("summary") with { Rubric = rubric }),
            Agents = [agent],
            MaxTotalTokens = 100,
        });

        // Agent 10, grader 60, agent 10 (80), grader 60 (140): the budget is reached before a third agent call.
        Assert.Equal(OrchestrationStatus.BudgetReached, run.Status);
        Assert.Equal(2, calls);
        Assert.Equal(140, run.Usage.TotalTokens);
        Assert.Contains("the run used 140 tokens, reaching its budget of 100", run.Error, StringComparison.Ordinal);
        await host.AssertNoSessionRunningAsync();
    }

    [Fact]
    public async Task A_run_stop_does_not_wait_for_a_grader_that_ignores_its_token()
    {
        await using var host = OrchestrationHarness.Create();
        var grader = new OutcomeRunnerTests.HangingEvaluator();
        var sessions = host.Services.GetRequiredService<IAgentSessionFactory>();
        var orchestrator = new Orchestrator(sessions, new OutcomeRunner(sessions, grader), new OrchestratorOptions { RetryDelay = TimeSpan.Zero });
        using var cts = new CancellationTokenSource();
        var running = orchestrator.RunAsync(
            new OrchestrationRequest
            {
                Plan = OrchestrationHarness.Plan(1, OrchestrationHarness.Item("summary") with { Rubric = MarkdownRubricParser.Parse(RubricMarkdown) }),
                Agents = [OrchestrationHarness.Echo()],
            },
            cts.Token);
        await grader.Called.Task.WaitAsync(TimeSpan.FromSeconds(10));

        await cts.CancelAsync();
        var run = await running.WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal(OrchestrationStatus.Interrupted, run.Status);
        var item = Assert.Single(run.Items);
        Assert.Equal(WorkItemStatus.Cancelled, item.Status);
        var child = await host.Store.GetSessionAsync(item.SessionId!);
        Assert.Equal(SessionStatus.Abandoned, child!.Status);
        Assert.Equal("interrupted", child.Outcome!.Label);
        await host.AssertNoSessionRunningAsync();
    }

    [Fact]
    public async Task An_item_timeout_does_not_wait_for_a_grader_that_ignores_its_token()
    {
        var time = new FakeTimeProvider(DateTimeOffset.Parse("2026-01-01T00:00:00Z", System.Globalization.CultureInfo.InvariantCulture));
        await using var host = OrchestrationHarness.Create(time: time);
        var grader = new OutcomeRunnerTests.HangingEvaluator();
        var sessions = host.Services.GetRequiredService<IAgentSessionFactory>();
        var orchestrator = new Orchestrator(sessions, new OutcomeRunner(sessions, grader), new OrchestratorOptions { ItemRetries = 0 }, timeProvider: time);
        var running = orchestrator.RunAsync(new OrchestrationRequest
        {
            Plan = OrchestrationHarness.Plan(1, OrchestrationHarness.Item("summary") with { Rubric = MarkdownRubricParser.Parse(RubricMarkdown), Timeout = TimeSpan.FromSeconds(30) }),
            Agents = [OrchestrationHarness.Echo()],
        });
        await grader.Called.Task.WaitAsync(TimeSpan.FromSeconds(10));

        // The fake clock is moved on until the item's timeout has fired (its timer is armed once the pipeline takes the item).
        var watch = Stopwatch.StartNew();
        while (!running.IsCompleted && watch.Elapsed < TimeSpan.FromSeconds(10))
        {
            time.Advance(TimeSpan.FromSeconds(1));
            await Task.Delay(5);
        }

        var run = await running.WaitAsync(TimeSpan.FromSeconds(10));
        var item = Assert.Single(run.Items);
        Assert.Equal(WorkItemStatus.TimedOut, item.Status);
        Assert.Equal(SessionStatus.Abandoned, (await host.Store.GetSessionAsync(item.SessionId!))!.Status);
        await host.AssertNoSessionRunningAsync();
    }

    private sealed class FixedGrader(RubricEvaluation evaluation) : IRubricEvaluator
    {
        public Task<RubricEvaluation> EvaluateAsync(Rubric rubric, string artifact, string? task = null, CancellationToken cancellationToken = default) =>
            Task.FromResult(evaluation);
    }
}
