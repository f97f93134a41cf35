using System.Collections.Concurrent;

namespace Dreaming.Tests;

public class OrchestratorSchedulingTests
{
    [Fact]
    public async Task Dependencies_finish_before_their_dependents_start_and_hand_them_their_outputs()
    {
        await using var host = OrchestrationHarness.Create();
        var clock = 0L;
        var started = new ConcurrentDictionary<string, long>();
        var ended = new ConcurrentDictionary<string, long>();
        var seen = new ConcurrentDictionary<string, string[]>();
        var agent = OrchestrationHarness.Agent("worker", async (context, ct) =>
        {
            started[context.Item.Id] = Interlocked.Increment(ref clock);
            seen[context.Item.Id] = context.Dependencies.Select(d => d.Id + "=" + d.Output).ToArray();
            await Task.Delay(10, ct);
            ended[context.Item.Id] = Interlocked.Increment(ref clock);
            return new WorkItemReply("out-" + context.Item.Id);
        });

        // a → (b, c) → d → e, plus an independent f.
        var plan = OrchestrationHarness.Plan(
            4,
            OrchestrationHarness.Item("e", "d"),
            OrchestrationHarness.Item("d", "b", "c"),
            OrchestrationHarness.Item("b", "a"),
            OrchestrationHarness.Item("c", "a"),
            OrchestrationHarness.Item("a"),
            OrchestrationHarness.Item("f"));
        var run = await host.RunAsync(plan, agent);

        Assert.Equal(OrchestrationStatus.Completed, run.Status);
        Assert.Equal(["e", "d", "b", "c", "a", "f"], run.Items.Select(i => i.Id));
        foreach (var item in plan.Items)
        {
            foreach (var dependency in item.DependsOn)
            {
                Assert.True(ended[dependency] < started[item.Id], $"{dependency} must end before {item.Id} starts");
            }
        }

        Assert.Equal(["b=out-b", "c=out-c"], seen["d"]);
        Assert.Empty(seen["a"]);
        Assert.All(run.Items, i => Assert.True(i.StartedAt <= i.EndedAt));

        // The answer without a coordinator: the outputs of the items nothing depends on (e and f).
        Assert.Equal("## e\nout-e\n\n## f\nout-f", run.FinalAnswer);
    }

    [Fact]
    public async Task The_answer_without_a_coordinator_joins_the_completed_items_nothing_depends_on_in_plan_order()
    {
        await using var host = OrchestrationHarness.Create();
        var agent = OrchestrationHarness.Agent("worker", (context, _) => context.Item.Id switch
        {
            "x" => Task.FromException<WorkItemReply>(new InvalidOperationException("x broke")),
            "a" => Task.FromResult(new WorkItemReply(string.Empty)),
            var id => Task.FromResult(new WorkItemReply("out-" + id)),
        });

        // Final items: a (an empty output), c and d; b has a dependent, x failed and y was skipped behind it.
        var plan = OrchestrationHarness.Plan(
            1,
            OrchestrationHarness.Item("x"),
            OrchestrationHarness.Item("a"),
            OrchestrationHarness.Item("b"),
            OrchestrationHarness.Item("y", "x"),
            OrchestrationHarness.Item("c", "b"),
            OrchestrationHarness.Item("d"));
        var run = await host.RunAsync(plan, agent, OrchestrationFailurePolicy.SkipDependents);

        Assert.Equal(OrchestrationStatus.Failed, run.Status);
        Assert.Equal("## a\n\n\n## c\nout-c\n\n## d\nout-d", run.FinalAnswer);

        // One final item that completed: its output alone, with no heading.
        var single = await host.RunAsync(
            OrchestrationHarness.Plan(1, OrchestrationHarness.Item("x"), OrchestrationHarness.Item("b"), OrchestrationHarness.Item("c", "b")),
            agent,
            OrchestrationFailurePolicy.SkipDependents);
        Assert.Equal("out-c", single.FinalAnswer);
    }

    [Fact]
    public async Task No_more_items_run_at_once_than_the_concurrency_limit()
    {
        await using var host = OrchestrationHarness.Create();
        var running = 0;
        var max = 0;
        var agent = OrchestrationHarness.Agent("worker", async (_, ct) =>
        {
            var now = Interlocked.Increment(ref running);
            InterlockedMax(ref max, now);
            await Task.Delay(15, ct);
            Interlocked.Decrement(ref running);
            return new WorkItemReply("ok");
        });

        var plan = OrchestrationHarness.Plan(5, Enumerable.Range(0, 40).Select(i => OrchestrationHarness.Item("i" + i)).ToArray());
        var run = await host.RunAsync(plan, agent);

        Assert.Equal(OrchestrationStatus.Completed, run.Status);
        Assert.Equal(5, max);
    }

    [Fact]
    public async Task Independent_items_overlap_in_time()
    {
        await using var host = OrchestrationHarness.Create();
        var arrived = 0;
        var allThere = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var agent = OrchestrationHarness.Agent("worker", async (_, ct) =>
        {
            // Each item waits for all ten: only items that really run at the same time get past this.
            if (Interlocked.Increment(ref arrived) == 10)
            {
                allThere.SetResult();
            }

            await allThere.Task.WaitAsync(TimeSpan.FromSeconds(10), ct);
            return new WorkItemReply("ok");
        });
        var run = await host.RunAsync(OrchestrationHarness.Plan(25, Enumerable.Range(0, 10).Select(i => OrchestrationHarness.Item("i" + i)).ToArray()), agent);

        Assert.Equal(OrchestrationStatus.Completed, run.Status);
        var latestStart = run.Items.Max(i => i.StartedAt!.Value);
        var earliestEnd = run.Items.Min(i => i.EndedAt!.Value);
        Assert.True(latestStart <= earliestEnd, "every item started before the first one ended");
    }

    [Fact]
    public async Task Ten_thousand_items_run_in_dependency_order()
    {
        await using var host = OrchestrationHarness.Create();
        const int count = 10_000;
        var done = new bool[count];
        var violations = 0;
        var items = Enumerable.Range(0, count)
            .Select(i => OrchestrationHarness.Item("n" + i, i == 0 ? [] : i % 7 == 0 && i >= 10 ? ["n" + (i - 1), "n" + (i - 10)] : ["n" + (i / 2)]))
            .ToArray();
        var agent = OrchestrationHarness.Agent("worker", (context, _) =>
        {
            foreach (var d in context.Dependencies)
            {
                if (!Volatile.Read(ref done[int.Parse(d.Id.AsSpan(1), System.Globalization.CultureInfo.InvariantCulture)]))
                {
                    Interlocked.Increment(ref violations);
                }
            }

            Volatile.Write(ref done[int.Parse(context.Item.Id.AsSpan(1), System.Globalization.CultureInfo.InvariantCulture)], true);
            return Task.FromResult(new WorkItemReply(string.Empty));
        });

        var run = await host.RunAsync(OrchestrationHarness.Plan(25, items), agent);

        Assert.Equal(OrchestrationStatus.Completed, run.Status);
        Assert.Equal(count, run.Items.Count(i => i.Status == WorkItemStatus.Completed));
        Assert.Equal(0, violations);
        var children = (await host.SessionsAsync()).Where(s => s.ParentSessionId == run.SessionId).ToList();
        Assert.Equal(count, children.Count);
        Assert.Equal(count, children.Select(c => c.Id).Distinct().Count());
        Assert.All(children, c => Assert.Equal(SessionStatus.Completed, c.Status));
        await host.AssertNoSessionRunningAsync();
    }

    private static void InterlockedMax(ref int target, int value)
    {
        var current = Volatile.Read(ref target);
        while (value > current)
        {
            var seen = Interlocked.CompareExchange(ref target, value, current);
            if (seen == current)
            {
                return;
            }

            current = seen;
        }
    }
}
