using System.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace Dreaming.Tests;

public class OrchestratorFailureTests
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

    [Fact]
    public async Task Cancellation_stops_every_item_promptly_and_records_interrupted()
    {
        await using var host = OrchestrationHarness.Create();
        var started = 0;
        var allStarted = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var agent = OrchestrationHarness.Agent("worker", async (context, ct) =>
        {
            if (Interlocked.Increment(ref started) == 4)
            {
                allStarted.SetResult();
            }

            if (context.Item.Id == "deaf")
            {
                await new TaskCompletionSource().Task;
            }

            await Task.Delay(Timeout.Infinite, ct);
            return new WorkItemReply("never");
        });
        using var cts = new CancellationTokenSource();
        var plan = OrchestrationHarness.Plan(
            10,
            OrchestrationHarness.Item("a"),
            OrchestrationHarness.Item("b"),
            OrchestrationHarness.Item("c"),
            OrchestrationHarness.Item("deaf"),
            OrchestrationHarness.Item("later", "a"));
        var running = host.RunAsync(plan, agent, cancellationToken: cts.Token);
        await allStarted.Task.WaitAsync(TimeSpan.FromSeconds(10));

        var watch = Stopwatch.StartNew();
        await cts.CancelAsync();
        var run = await running.WaitAsync(TimeSpan.FromSeconds(10));

        Assert.True(watch.ElapsedMilliseconds < 2000, $"stopping took {watch.ElapsedMilliseconds} ms");
        Assert.Equal(OrchestrationStatus.Interrupted, run.Status);
        Assert.Equal(4, run.Items.Count(i => i.Status == WorkItemStatus.Cancelled));
        Assert.Equal(WorkItemStatus.NotStarted, run.Items.Single(i => i.Id == "later").Status);
        var parent = await host.Store.GetSessionAsync(run.SessionId);
        Assert.Equal(SessionStatus.Abandoned, parent!.Status);
        Assert.Equal("interrupted", parent.Outcome!.Label);
        Assert.Equal("interrupted", Assert.Single((await host.Store.GetEventsAsync(run.SessionId)).OfType<OrchestrationFailedEvent>()).Status);
        var children = (await host.SessionsAsync()).Where(s => s.ParentSessionId == run.SessionId).ToList();
        Assert.Equal(4, children.Count);
        Assert.All(children, c => Assert.Equal(SessionStatus.Abandoned, c.Status));
        await host.AssertNoSessionRunningAsync();
    }

    [Fact]
    public async Task A_run_whose_own_session_cannot_record_an_item_stops_the_others_before_it_throws()
    {
        await using var host = OrchestrationHarness.Create();
        var sessions = new FailingRunSessionFactory(host.Services.GetRequiredService<IAgentSessionFactory>());
        var orchestrator = new Orchestrator(sessions, host.Services.GetRequiredService<IOutcomeRunner>(), new OrchestratorOptions { RetryDelay = TimeSpan.Zero });
        var slowStopped = false;
        var agent = OrchestrationHarness.Agent("worker", async (context, ct) =>
        {
            if (context.Item.Id == "fast")
            {
                return new WorkItemReply("done");
            }

            try
            {
                await Task.Delay(Timeout.Infinite, ct);
                return new WorkItemReply("never");
            }
            catch (OperationCanceledException)
            {
                Volatile.Write(ref slowStopped, true);
                throw;
            }
        });

        var ex = await Assert.ThrowsAsync<InvalidOperationException>(() =>
            orchestrator.RunAsync(new OrchestrationRequest
            {
                Plan = OrchestrationHarness.Plan(2, OrchestrationHarness.Item("slow"), OrchestrationHarness.Item("fast")),
                Agents = [agent],
            }).WaitAsync(TimeSpan.FromSeconds(10)));

        Assert.Equal("the store is gone", ex.Message);
        Assert.True(Volatile.Read(ref slowStopped), "the running item was stopped before the run threw");
        await host.AssertNoSessionRunningAsync();
    }

    [Fact]
    public async Task A_run_whose_session_the_store_never_recorded_fails_naming_the_store_not_a_missing_session()
    {
        // As with a SQLite file another process holds write-locked: every write that creates a session fails.
        var store = new HookedTraceStore
        {
            BeforeWrite = (batch, _) => batch.NewSessions.Count > 0
                ? Task.FromException(new TraceStoreException("Cannot write to the trace store 'x.db': the database is locked by another connection or process."))
                : Task.CompletedTask,
        };
        await using var host = OrchestrationHarness.Create(o => o.ItemRetries = 0, store: store);

        var ex = await Assert.ThrowsAsync<TraceStoreException>(() =>
            host.RunAsync(OrchestrationHarness.Plan(1, OrchestrationHarness.Item("a")), OrchestrationHarness.Echo()).WaitAsync(TimeSpan.FromSeconds(30)));

        Assert.StartsWith("The trace store did not record the run's session 'ses_", ex.Message, StringComparison.Ordinal);
        Assert.Contains("locked by another process", ex.Message, StringComparison.Ordinal);
        Assert.IsType<SessionNotFoundException>(ex.InnerException);
    }

    /// <summary>Starts real sessions, but the run's own session fails to record an item's end.</summary>
    private sealed class FailingRunSessionFactory(IAgentSessionFactory inner) : IAgentSessionFactory
    {
        public IAgentSession StartSession(AgentSessionOptions options)
        {
            var session = inner.StartSession(options);
            return options.AgentId == "orchestrator" ? new FailingSession(session) : session;
        }

        private sealed class FailingSession(IAgentSession inner) : ForwardingSession(inner)
        {
            public override ValueTask RecordAsync(SessionEvent sessionEvent, CancellationToken cancellationToken = default) =>
                sessionEvent is OrchestrationItemCompletedEvent ? throw new InvalidOperationException("the store is gone") : base.RecordAsync(sessionEvent, cancellationToken);
        }
    }
}
