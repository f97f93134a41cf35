using System.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace Dreaming.Tests;

public partial class OrchestratorFailureTests
{
    [Fact]
    public async Task An_item_that_throws_is_retried_in_a_new_child_session()
    {
        await using var host = OrchestrationHarness.Create(o => o.ItemRetries = 1);
        var calls = 0;
        var agent = OrchestrationHarness.Agent("worker", (_, _) =>
            Interlocked.Increment(ref calls) == 1 ? throw new HttpRequestException("503") : Task.FromResult(new WorkItemReply("second time lucky")));

        var run = await host.RunAsync(OrchestrationHarness.Plan(1, OrchestrationHarness.Item("flaky")), agent);

        var item = Assert.Single(run.Items);
        Assert.Equal(WorkItemStatus.Completed, item.Status);
        Assert.Equal(2, item.Attempts);
        Assert.Equal("second time lucky", item.Output);
        var children = (await host.SessionsAsync()).Where(s => s.ParentSessionId == run.SessionId).ToList();
        Assert.Equal([SessionStatus.Failed, SessionStatus.Completed], children.OrderBy(c => c.Metadata["orchestration.attempt"], StringComparer.Ordinal).Select(c => c.Status));
        var error = Assert.Single((await host.Store.GetEventsAsync(children.Single(c => c.Status == SessionStatus.Failed).Id)).OfType<ErrorEvent>());
        Assert.Equal("503", error.Message);
    }

    [Fact]
    public async Task An_item_whose_child_session_cannot_be_completed_is_retried_in_a_new_one()
    {
        // The agent replies at once; completing its child session then fails once in the store. The reply is not
        // enough: the item goes through the retry pipeline like any failed attempt.
        var completions = 0;
        var store = new HookedTraceStore
        {
            BeforeComplete = (_, _) => Interlocked.Increment(ref completions) == 1 ? throw new IOException("disk full") : Task.CompletedTask,
        };
        await using var host = OrchestrationHarness.Create(o => o.ItemRetries = 1, store: store);
        var calls = 0;
        var agent = OrchestrationHarness.Agent("worker", (_, _) => Task.FromResult(new WorkItemReply("reply " + Interlocked.Increment(ref calls))));

        var run = await host.RunAsync(OrchestrationHarness.Plan(1, OrchestrationHarness.Item("a")), agent);

        Assert.Equal(OrchestrationStatus.Completed, run.Status);
        var item = Assert.Single(run.Items);
        Assert.Equal((WorkItemStatus.Completed, 2, "reply 2"), (item.Status, item.Attempts, item.Output));
        Assert.Equal(2, calls);
        var children = (await host.SessionsAsync()).Where(s => s.ParentSessionId == run.SessionId).ToList();
        Assert.Equal([SessionStatus.Abandoned, SessionStatus.Completed], children.OrderBy(c => c.Metadata["orchestration.attempt"], StringComparer.Ordinal).Select(c => c.Status));
    }

    [Fact]
    public async Task Cancelling_reaches_an_agent_that_waits_on_its_token_before_its_first_await()
    {
        await using var host = OrchestrationHarness.Create();
        var agent = OrchestrationHarness.Agent("worker", (_, ct) =>
        {
            // Synchronous until the token fires (or 10 s pass).
            ct.WaitHandle.WaitOne(TimeSpan.FromSeconds(10));
            ct.ThrowIfCancellationRequested();
            return Task.FromResult(new WorkItemReply("too late"));
        });
        using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(200));
        var clock = Stopwatch.StartNew();

        var run = await host.RunAsync(OrchestrationHarness.Plan(1, OrchestrationHarness.Item("a")), agent, cancellationToken: cancel.Token);

        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5), $"took {clock.Elapsed}");
        Assert.Equal(OrchestrationStatus.Interrupted, run.Status);
        Assert.Equal(WorkItemStatus.Cancelled, Assert.Single(run.Items).Status);
        Assert.DoesNotContain(await host.SessionsAsync(), s => s.Status == SessionStatus.Running);
    }

    [Theory]
    [InlineData("failure", false)]
    [InlineData("budget", false)]
    [InlineData("cancellation", false)]
    [InlineData("failure", true)]
    [InlineData("cancellation", true)]
    public async Task An_agent_that_throws_another_exception_once_the_run_stopped_it_ends_cancelled_not_failed(string stop, bool withRubric)
    {
        await using var host = OrchestrationHarness.Create();
        using var cts = new CancellationTokenSource();
        // "torn" starts first and waits for the other item to start (so it listens to its token only once it is running);
        // when the run stops it, its resources are torn down and it throws ObjectDisposedException, not a cancellation.
        var go = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var listening = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var agent = OrchestrationHarness.Agent("worker", async (context, ct) =>
        {
            if (context.Item.Id == "torn")
            {
                await go.Task.ConfigureAwait(false);
                // Registered after the orchestrator's own wait on the token, so it runs first when the token fires, and the
                // exception surfaces inline, before that wait is cancelled (as with a client that aborts its request).
                var stopped = new TaskCompletionSource();
                using (ct.Register(() => stopped.TrySetResult()))
                {
                    listening.TrySetResult();
                    await stopped.Task.ConfigureAwait(false);
                }

                throw new ObjectDisposedException("HttpClient");
            }

            go.TrySetResult();
            await listening.Task;
            switch (stop)
            {
                case "failure":
                    throw new InvalidOperationException("a genuine failure");
                case "cancellation":
                    await cts.CancelAsync();
                    return new WorkItemReply("done");
                default:
                    return new WorkItemReply("done", new SessionUsage { InputTokens = 100 });
            }
        });
        var torn = OrchestrationHarness.Item("torn");
        if (withRubric)
        {
            torn = torn with { Rubric = MarkdownRubricParser.Parse("# R\n\n## C\n- Says done [contains: \"done\"]\n") };
        }

        var run = await host.Orchestrator.RunAsync(
            new OrchestrationRequest { Plan = OrchestrationHarness.Plan(2, torn, OrchestrationHarness.Item("other")), Agents = [agent], MaxTotalTokens = stop == "budget" ? 50 : null },
            cts.Token);

        Assert.Equal(
            stop switch { "failure" => OrchestrationStatus.Failed, "budget" => OrchestrationStatus.BudgetReached, _ => OrchestrationStatus.Interrupted },
            run.Status);
        var tornResult = run.Items.Single(i => i.Id == "torn");
        Assert.Equal(WorkItemStatus.Cancelled, tornResult.Status);
        Assert.StartsWith("cancelled: ", tornResult.Error, StringComparison.Ordinal);
        Assert.Equal(1, tornResult.Attempts);
        if (stop == "failure")
        {
            // The failure that stopped the run stays the only one.
            var other = run.Items.Single(i => i.Id == "other");
            Assert.Equal(WorkItemStatus.Failed, other.Status);
            Assert.Equal("other", Assert.Single((await host.Store.GetEventsAsync(run.SessionId)).OfType<OrchestrationFailedEvent>()).ItemId);
            Assert.Single(run.Items, i => i.Status == WorkItemStatus.Failed);
        }

        var session = await host.Store.GetSessionAsync(tornResult.SessionId!);
        Assert.Equal(SessionStatus.Abandoned, session!.Status);
        if (!withRubric)
        {
            // Usually the agent's exception (its continuation runs inline in the stop); when the runtime queues that
            // continuation, the orchestrator's own wait on the token is cancelled first. Either way: a stop, not a failure.
            var error = Assert.Single((await host.Store.GetEventsAsync(tornResult.SessionId!)).OfType<ErrorEvent>());
            Assert.Contains(error.ErrorType, new[] { nameof(ObjectDisposedException), nameof(TaskCanceledException) });
            Assert.True(error.IsCancellation);
        }

        await host.AssertNoSessionRunningAsync();
    }

    [Fact]
    public async Task A_delegate_that_returns_no_task_fails_its_item_naming_the_agent()
    {
        await using var host = OrchestrationHarness.Create(o => o.ItemRetries = 0);
        var agent = OrchestrationHarness.Agent("worker", (_, _) => null!);

        var run = await host.RunAsync(OrchestrationHarness.Plan(1, OrchestrationHarness.Item("a")), agent);

        var item = Assert.Single(run.Items);
        Assert.Equal(WorkItemStatus.Failed, item.Status);
        Assert.Equal("InvalidOperationException: The agent 'worker' returned no reply.", item.Error);
        await host.AssertNoSessionRunningAsync();
    }

    [Fact]
    public async Task An_item_that_always_throws_fails_after_its_retries()
    {
        await using var host = OrchestrationHarness.Create(o => o.ItemRetries = 2);
        var calls = 0;
        var agent = OrchestrationHarness.Agent("worker", (_, _) =>
        {
            Interlocked.Increment(ref calls);
            throw new InvalidOperationException("always");
        });

        var run = await host.RunAsync(OrchestrationHarness.Plan(1, OrchestrationHarness.Item("broken")), agent);

        var item = Assert.Single(run.Items);
        Assert.Equal(WorkItemStatus.Failed, item.Status);
        Assert.Equal(3, calls);
        Assert.Equal(3, item.Attempts);
        Assert.Equal("InvalidOperationException: always", item.Error);
    }

    [Fact]
    public async Task A_hanging_item_times_out_on_the_time_provider_and_is_retried_after_the_delay()
    {
        var time = new FakeTimeProvider(DateTimeOffset.Parse("2026-01-01T00:00:00Z", System.Globalization.CultureInfo.InvariantCulture));
        await using var host = OrchestrationHarness.Create(
            o =>
            {
                o.ItemRetries = 1;
                o.RetryDelay = TimeSpan.FromSeconds(5);
            },
            time: time);
        var attempts = 0;
        var agent = OrchestrationHarness.Agent("worker", async (_, _) =>
        {
            // Hangs and ignores its token: the timeout must still end the attempt.
            Interlocked.Increment(ref attempts);
            await new TaskCompletionSource().Task;
            return new WorkItemReply("never");
        });

        var running = host.RunAsync(OrchestrationHarness.Plan(1, OrchestrationHarness.Item("hang") with { Timeout = TimeSpan.FromSeconds(30) }), agent);
        var watch = Stopwatch.StartNew();
        while (!running.IsCompleted && watch.Elapsed < TimeSpan.FromSeconds(20))
        {
            time.Advance(TimeSpan.FromSeconds(1));
            await Task.Delay(5);
        }

        var run = await running;
        var item = Assert.Single(run.Items);
        Assert.Equal(WorkItemStatus.TimedOut, item.Status);
        Assert.Equal(2, attempts);
        Assert.Equal(2, item.Attempts);
        Assert.Equal("no result within 00:00:30 (2 attempts)", item.Error);

        // 30 s, then the 5 s retry delay, then 30 s more, all on the fake clock.
        Assert.True(item.EndedAt - item.StartedAt >= TimeSpan.FromSeconds(65), $"took {item.EndedAt - item.StartedAt} of fake time");
        var children = (await host.SessionsAsync()).Where(s => s.ParentSessionId == run.SessionId).ToList();
        Assert.Equal(2, children.Count);
        Assert.All(children, c => Assert.Equal(SessionStatus.Failed, c.Status));
        await host.AssertNoSessionRunningAsync();
    }
}
