using System.Collections.Concurrent;
using System.Diagnostics;
using Microsoft.Extensions.Time.Testing;

namespace Dreaming.Tests;

/// <summary>Runs that overlap on one orchestrator, a cancellation while an item waits for its retry, and delegates that
/// fail in each way a delegate can.</summary>
public class OrchestrationReliabilityTests
{
    [Fact]
    public async Task Two_runs_at_once_on_one_orchestrator_keep_their_items_sessions_and_outputs_apart()
    {
        await using var host = OrchestrationHarness.Create();
        var started = 0;
        var bothStarted = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var seen = new ConcurrentBag<(string Run, string Item, string Session, string Dependencies)>();
        RosterAgent AgentOf(string run) => OrchestrationHarness.Agent("worker", async (context, _) =>
        {
            seen.Add((run, context.Item.Id, context.Session.Id, string.Join(",", context.Dependencies.Select(d => d.Output))));
            if (context.Dependencies.Count == 0)
            {
                if (Interlocked.Increment(ref started) == 4)
                {
                    bothStarted.SetResult();
                }

                await release.Task;
            }

            return new WorkItemReply($"{run}:{context.Item.Id}");
        });

        // The same ids in both plans, both runs' first items running at once, then released together.
        var plan = OrchestrationHarness.Plan(4, OrchestrationHarness.Item("a"), OrchestrationHarness.Item("b"), OrchestrationHarness.Item("c", "a", "b"));
        var first = host.Orchestrator.RunAsync(new OrchestrationRequest { Plan = plan, Agents = [AgentOf("one")] });
        var second = host.Orchestrator.RunAsync(new OrchestrationRequest { Plan = plan with { Goal = "the other goal" }, Agents = [AgentOf("two")] });

        // Awaited, not waited on: a thread blocked here is one fewer for the runs' items on a starved thread pool.
        await bothStarted.Task.WaitAsync(TimeSpan.FromSeconds(30));
        release.SetResult();
        var runs = await Task.WhenAll(first, second).WaitAsync(TimeSpan.FromSeconds(10));

        Assert.NotEqual(runs[0].SessionId, runs[1].SessionId);
        var sessions = await host.SessionsAsync();
        foreach (var (run, name) in runs.Zip(new[] { "one", "two" }))
        {
            Assert.Equal(OrchestrationStatus.Completed, run.Status);
            Assert.Equal(new[] { "a", "b", "c" }.Select(id => $"{name}:{id}"), run.Items.Select(i => i.Output));
            Assert.Equal($"{name}:a,{name}:b", seen.Single(s => s.Run == name && s.Item == "c").Dependencies);
            var children = sessions.Where(s => s.ParentSessionId == run.SessionId).Select(s => s.Id).Order(StringComparer.Ordinal).ToList();
            Assert.Equal(run.Items.Select(i => i.SessionId!).Order(StringComparer.Ordinal), children);
            Assert.Equal(children, seen.Where(s => s.Run == name).Select(s => s.Session).Order(StringComparer.Ordinal));
            var recorded = (await host.Store.GetEventsAsync(run.SessionId)).OfType<OrchestrationItemCompletedEvent>().ToList();
            Assert.Equal(children, recorded.Select(e => e.ChildSessionId!).Order(StringComparer.Ordinal));
        }

        Assert.Equal(8, sessions.Count);
        await host.AssertNoSessionRunningAsync();
    }

    [Fact]
    public async Task Cancelling_while_an_item_waits_for_its_retry_ends_the_run_at_once()
    {
        // The retry delay is an hour on a clock that never moves: only the cancellation can end the wait.
        var time = new FakeTimeProvider(DateTimeOffset.Parse("2026-01-01T00:00:00Z", System.Globalization.CultureInfo.InvariantCulture));
        await using var host = OrchestrationHarness.Create(
            o =>
            {
                o.ItemRetries = 3;
                o.RetryDelay = TimeSpan.FromHours(1);
            },
            time: time);
        var calls = 0;
        var failed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var agent = OrchestrationHarness.Agent("worker", async (context, ct) =>
        {
            await Task.Yield();
            if (context.Item.Id == "flaky")
            {
                Interlocked.Increment(ref calls);
                failed.TrySetResult();
                throw new HttpRequestException("503");
            }

            await Task.Delay(Timeout.Infinite, ct);
            return new WorkItemReply("never");
        });
        using var cancel = new CancellationTokenSource();
        var running = host.RunAsync(OrchestrationHarness.Plan(2, OrchestrationHarness.Item("flaky"), OrchestrationHarness.Item("busy"), OrchestrationHarness.Item("after", "flaky")), agent, cancellationToken: cancel.Token);
        await failed.Task.WaitAsync(TimeSpan.FromSeconds(10));

        // The failed attempt's session is ended before the retry waits; cancel once it is. On the frozen clock only the
        // cancellation can end the hour's wait, so a wait that ignored the token never ends and meets the bound below; the
        // bound is generous (the whole test takes milliseconds), as a wall-clock limit near that would only fail under load.
        await WaitUntilAsync(async () => (await host.SessionsAsync()).Any(s => s.Status == SessionStatus.Failed));
        await cancel.CancelAsync();
        var run = await running.WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal(OrchestrationStatus.Interrupted, run.Status);
        Assert.Equal(1, calls);
        var flaky = run.Items.Single(i => i.Id == "flaky");
        Assert.Equal(WorkItemStatus.Cancelled, flaky.Status);
        Assert.Equal(WorkItemStatus.Cancelled, run.Items.Single(i => i.Id == "busy").Status);
        Assert.Equal(WorkItemStatus.NotStarted, run.Items.Single(i => i.Id == "after").Status);
        var children = (await host.SessionsAsync()).Where(s => s.ParentSessionId == run.SessionId).ToList();
        Assert.Equal(2, children.Count);
        Assert.Single(children, c => c.Status == SessionStatus.Failed);
        Assert.Single(children, c => c.Status == SessionStatus.Abandoned);
        await host.AssertNoSessionRunningAsync();
    }

    public static TheoryData<string> DelegateFailures => ["throws before returning a task", "returns a faulted task", "returns no task", "returns no reply", "returns no reply after an await"];

    [Theory]
    [MemberData(nameof(DelegateFailures))]
    public async Task A_delegate_that_fails_in_any_way_fails_its_item_after_its_retries_each_attempt_in_a_failed_session(string how)
    {
        await using var host = OrchestrationHarness.Create(o => o.ItemRetries = 1);
        var calls = 0;
        var agent = OrchestrationHarness.Agent("worker", (_, _) =>
        {
            Interlocked.Increment(ref calls);
            return how switch
            {
                "throws before returning a task" => throw new InvalidOperationException("broken before its task"),
                "returns a faulted task" => Task.FromException<WorkItemReply>(new InvalidOperationException("broken in its task")),
                "returns no task" => null!,
                "returns no reply" => Task.FromResult<WorkItemReply>(null!),
                _ => NoReplyAfterAnAwaitAsync(),
            };
        });

        var run = await host.RunAsync(OrchestrationHarness.Plan(1, OrchestrationHarness.Item("a"), OrchestrationHarness.Item("b", "a")), agent);

        Assert.Equal(OrchestrationStatus.Failed, run.Status);
        var item = run.Items[0];
        Assert.Equal(WorkItemStatus.Failed, item.Status);
        Assert.Equal(2, item.Attempts);
        Assert.Equal(2, calls);
        Assert.Equal(
            how switch
            {
                "throws before returning a task" => "InvalidOperationException: broken before its task",
                "returns a faulted task" => "InvalidOperationException: broken in its task",
                _ => "InvalidOperationException: The agent 'worker' returned no reply.",
            },
            item.Error);
        Assert.Equal(WorkItemStatus.NotStarted, run.Items[1].Status);
        var children = (await host.SessionsAsync()).Where(s => s.ParentSessionId == run.SessionId).ToList();
        Assert.Equal(2, children.Count);
        Assert.All(children, c => Assert.Equal(SessionStatus.Failed, c.Status));
        await host.AssertNoSessionRunningAsync();

        static async Task<WorkItemReply> NoReplyAfterAnAwaitAsync()
        {
            await Task.Yield();
            return null!;
        }
    }

    private static async Task WaitUntilAsync(Func<Task<bool>> condition)
    {
        var watch = Stopwatch.StartNew();
        while (!await condition())
        {
            Assert.True(watch.Elapsed < TimeSpan.FromSeconds(10), "the condition was not met in time");
            await Task.Delay(10);
        }
    }
}
