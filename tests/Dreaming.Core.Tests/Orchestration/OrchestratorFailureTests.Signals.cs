namespace Dreaming.Tests;

public partial class OrchestratorFailureTests
{
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task An_item_without_a_rubric_whose_agent_reports_itself_blocked_fails_at_once_and_its_session_is_blocked(bool afterAnAwait)
    {
        await using var host = OrchestrationHarness.Create(o => o.ItemRetries = 2);
        var calls = 0;
        var agent = OrchestrationHarness.Agent("worker", async (context, _) =>
        {
            if (context.Item.Id != "fetch")
            {
                return new WorkItemReply("done");
            }

            Interlocked.Increment(ref calls);
            if (afterAnAwait)
            {
                await Task.Yield();
            }

            throw new AgentBlockedException("no access to the order system");
        });
        var plan = OrchestrationHarness.Plan(2, OrchestrationHarness.Item("fetch"), OrchestrationHarness.Item("publish", "fetch"));

        var run = await host.RunAsync(plan, agent, OrchestrationFailurePolicy.SkipDependents);

        Assert.Equal(1, calls);
        var fetch = run.Items[0];
        Assert.Equal((WorkItemStatus.Failed, 1, "blocked (no access to the order system)"), (fetch.Status, fetch.Attempts, fetch.Error));
        Assert.Equal(WorkItemStatus.Skipped, run.Items[1].Status);
        var session = await host.Store.GetSessionAsync(fetch.SessionId!);
        Assert.Equal(SessionStatus.Blocked, session!.Status);
        var error = Assert.Single((await host.Store.GetEventsAsync(session.Id)).OfType<ErrorEvent>());
        Assert.Equal(("AgentBlockedException", "no access to the order system", ErrorRetryStatus.Terminal), (error.ErrorType, error.Message, error.RetryStatus));
        await host.AssertNoSessionRunningAsync();
    }

    [Fact]
    public async Task An_item_without_a_rubric_whose_agent_asks_for_help_fails_at_once_as_no_one_in_the_run_can_answer()
    {
        await using var host = OrchestrationHarness.Create(o => o.ItemRetries = 2);
        var calls = 0;
        var agent = OrchestrationHarness.Agent("worker", (_, _) =>
        {
            Interlocked.Increment(ref calls);
            return Task.FromException<WorkItemReply>(new AgentNeedsHelpException("which region?"));
        });

        var run = await host.RunAsync(OrchestrationHarness.Plan(1, OrchestrationHarness.Item("deploy")), agent);

        Assert.Equal(1, calls);
        var item = Assert.Single(run.Items);
        Assert.Equal((WorkItemStatus.Failed, 1, "blocked, asked for help (which region?)"), (item.Status, item.Attempts, item.Error));
        Assert.Equal(SessionStatus.Blocked, (await host.Store.GetSessionAsync(item.SessionId!))!.Status);
    }

    [Fact]
    public async Task An_items_error_events_say_whether_the_attempt_is_retried_or_its_retries_are_used_up()
    {
        await using var host = OrchestrationHarness.Create(o => o.ItemRetries = 1);
        var calls = 0;
        var agent = OrchestrationHarness.Agent("worker", (_, _) => Task.FromException<WorkItemReply>(new HttpRequestException("503 " + Interlocked.Increment(ref calls))));

        var run = await host.RunAsync(OrchestrationHarness.Plan(1, OrchestrationHarness.Item("flaky")), agent);

        Assert.Equal((WorkItemStatus.Failed, 2), (run.Items[0].Status, run.Items[0].Attempts));
        var errors = new List<ErrorEvent>();
        foreach (var child in (await host.SessionsAsync()).Where(s => s.ParentSessionId == run.SessionId))
        {
            errors.AddRange((await host.Store.GetEventsAsync(child.Id)).OfType<ErrorEvent>());
        }

        Assert.Equal(
            [("503 1", ErrorRetryStatus.Retrying), ("503 2", ErrorRetryStatus.Exhausted)],
            errors.Select(e => (e.Message, e.RetryStatus)).OrderBy(e => e.Message, StringComparer.Ordinal));
    }

    [Fact]
    public async Task The_same_block_in_several_items_without_a_rubric_is_mined_from_their_sessions_as_one_dead_end()
    {
        await using var host = OrchestrationHarness.Create(o => o.ItemRetries = 1);
        var agent = OrchestrationHarness.Agent("worker", (context, _) => context.Item.Id.StartsWith("fetch", StringComparison.Ordinal)
            ? Task.FromException<WorkItemReply>(new AgentBlockedException($"the order system is down for order {context.Item.Id[^1] - '0' + 1000}"))
            : Task.FromResult(new WorkItemReply("done")));
        var items = Enumerable.Range(0, 3).SelectMany(i => new[] { OrchestrationHarness.Item($"fetch{i}"), OrchestrationHarness.Item($"write{i}") }).ToArray();

        var run = await host.RunAsync(OrchestrationHarness.Plan(2, items), agent, OrchestrationFailurePolicy.SkipDependents);

        foreach (var item in run.Items)
        {
            var session = (await host.Store.GetSessionAsync(item.SessionId!))!;
            if (item.Status == WorkItemStatus.Completed)
            {
                // Graded by the app, as an item without a rubric is: nothing in the run judged its work.
                Assert.Null(session.Outcome);
                await host.Store.SetOutcomeAsync(session.Id, SessionOutcome.Succeeded());
            }
            else
            {
                // The agent judged its own work: the session is failed for dreaming, as an outcome loop's blocked one.
                Assert.Equal((SessionStatus.Blocked, SessionOutcome.Failure, "agent"), (session.Status, session.Outcome?.Label, session.Outcome?.Source));
            }
        }

        var report = await new FindingMiner().MineAsync(host.Store.StreamSessionsAsync(new SessionQuery { AgentId = "worker" }));

        Assert.Equal((6, 3), (report.SessionsMined, report.FailedSessions));
        var stuck = Assert.Single(report.Findings, f => f.Pattern == FindingKinds.AgentStuck);
        Assert.Equal(FindingKinds.AgentStuck, stuck.Kind);
        Assert.Equal("blocked: the order system is down for order <num>", stuck.Signature);
        Assert.Equal((3, 3), (stuck.Sessions, stuck.FailedSessions));
        Assert.All(stuck.Evidence, e => Assert.Single(e.EventSequences));
    }
}
