using System.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace Dreaming.Tests;

public partial class OrchestratorFailureTests
{
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
        // The store's own error, not "its error is in the log": a host (the dreaming tool) may write no log.
        Assert.Contains("Cannot write to the trace store 'x.db': the database is locked by another connection or process.", ex.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("in the log", ex.Message, StringComparison.Ordinal);
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
