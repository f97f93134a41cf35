using System.Text.Json;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Dreaming.Tests;

public class OrchestratorRecordingTests
{
    [Fact]
    public async Task The_runs_session_is_marked_as_a_run_from_its_start_with_its_plan_source_so_recovery_knows_it_before_orchestration_started()
    {
        await using var host = OrchestrationHarness.Create();
        var plan = new OrchestrationPlan { Goal = "Write a note", Items = [new WorkItem { Id = "a", Agent = "writer", Instructions = "Write" }] };

        var run = await host.Orchestrator.RunAsync(new OrchestrationRequest { Plan = plan, Agents = [new RosterAgent { Name = "writer", ChatClient = FakeChatClient.Echo() }] });

        var parent = await host.Store.GetSessionAsync(run.SessionId);
        Assert.Equal("host", Assert.Contains("orchestration.run", parent!.Metadata));
        var child = await host.Store.GetSessionAsync(run.Items[0].SessionId!);
        Assert.DoesNotContain("orchestration.run", child!.Metadata.Keys);
    }

    [Fact]
    public async Task Each_item_runs_as_a_recorded_child_session_of_the_run()
    {
        var model = FakeChatClient.Echo();
        await using var host = OrchestrationHarness.Create();
        var agents = new[]
        {
            new RosterAgent { Name = "researcher", Instructions = "You research.", ChatClient = model },
            new RosterAgent { Name = "writer", Instructions = "You write.", ChatClient = model, ChatOptions = new ChatOptions { Temperature = 0 } },
        };
        var plan = new OrchestrationPlan
        {
            Goal = "Write a note",
            Items =
            [
                new WorkItem { Id = "facts", Agent = "researcher", Instructions = "Find the facts" },
                new WorkItem { Id = "note", Agent = "writer", Instructions = "Write the note", DependsOn = ["facts"] },
            ],
        };

        var run = await host.Orchestrator.RunAsync(new OrchestrationRequest { Plan = plan, Agents = agents });

        Assert.Equal(OrchestrationStatus.Completed, run.Status);
        var note = run.Items.Single(i => i.Id == "note");
        Assert.StartsWith("echo: Goal of the whole task: Write a note", note.Output, StringComparison.Ordinal);
        Assert.Contains("--- facts (researcher) ---", note.Output, StringComparison.Ordinal);
        Assert.Equal(15, note.Usage.TotalTokens);
        Assert.Equal(30, run.Usage.TotalTokens);

        var child = await host.Store.GetSessionAsync(note.SessionId!);
        Assert.Equal(run.SessionId, child!.ParentSessionId);
        Assert.Equal("writer", child.AgentId);
        Assert.Equal(SessionStatus.Completed, child.Status);
        Assert.Equal("note", child.Metadata["orchestration.item"]);
        var childEvents = await host.Store.GetEventsAsync(note.SessionId!);
        Assert.Contains(childEvents, e => e is MessageEvent { Role: "system", Text: "You write." });
        Assert.Contains(childEvents, e => e is ModelResponseEvent);
        Assert.Equal(15, child.Usage.TotalTokens);

        var parent = await host.Store.GetSessionAsync(run.SessionId);
        Assert.Equal("orchestrator", parent!.AgentId);
        Assert.Equal("Write a note", parent.Task);
        Assert.Equal(SessionStatus.Completed, parent.Status);
        var events = await host.Store.GetEventsAsync(run.SessionId);
        Assert.Equal(
            ["orchestration.started", "orchestration.item_completed", "orchestration.item_completed", "orchestration.completed"],
            events.Select(e => e.EventType));
        var started = (OrchestrationStartedEvent)events[0];
        Assert.Equal(("host", "stop_run", 2, 25), (started.PlanSource, started.FailurePolicy, started.ItemCount, started.MaxConcurrency));
        Assert.Equal((null, null), (started.MaxTotalTokens, started.MaxTotalCostMinorUnits));
        var itemEvent = events.OfType<OrchestrationItemCompletedEvent>().Single(e => e.ItemId == "note");
        Assert.Equal(("completed", note.SessionId), (itemEvent.Status, itemEvent.ChildSessionId));
        await host.AssertNoSessionRunningAsync();
    }

    [Fact]
    public async Task Secrets_in_the_goal_and_in_item_errors_are_redacted_before_storage()
    {
        await using var host = OrchestrationHarness.Create(o => o.ItemRetries = 0);
        var agent = OrchestrationHarness.Agent("worker", (_, _) => throw new InvalidOperationException("mail jane.doe@example.com failed"));
        var plan = OrchestrationHarness.Plan(1, OrchestrationHarness.Item("a")) with { Goal = "Answer jane.doe@example.com" };

        var run = await host.RunAsync(plan, agent, OrchestrationFailurePolicy.SkipDependents);

        var events = await host.Store.GetEventsAsync(run.SessionId);
        var started = events.OfType<OrchestrationStartedEvent>().Single();
        Assert.DoesNotContain("jane.doe@example.com", started.Goal, StringComparison.Ordinal);
        Assert.DoesNotContain("jane.doe@example.com", events.OfType<OrchestrationItemCompletedEvent>().Single().Error, StringComparison.Ordinal);
        Assert.DoesNotContain("jane.doe@example.com", events.OfType<OrchestrationFailedEvent>().Single().Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_started_event_records_the_token_and_the_cost_budget()
    {
        await using var host = OrchestrationHarness.Create(o => o.MaxTotalCostMinorUnits = 700);
        var plan = OrchestrationHarness.Plan(1, OrchestrationHarness.Item("a"));

        var fromOptions = await host.RunAsync(plan, OrchestrationHarness.Echo(), budget: 9_000);
        var fromRequest = await host.Orchestrator.RunAsync(new OrchestrationRequest { Plan = plan, Agents = [OrchestrationHarness.Echo()], MaxTotalCostMinorUnits = 50 });

        var first = (await host.Store.GetEventsAsync(fromOptions.SessionId)).OfType<OrchestrationStartedEvent>().Single();
        Assert.Equal((9_000L, 700L), (first.MaxTotalTokens, first.MaxTotalCostMinorUnits));
        var second = (await host.Store.GetEventsAsync(fromRequest.SessionId)).OfType<OrchestrationStartedEvent>().Single();
        Assert.Equal((null, 50L), (second.MaxTotalTokens, second.MaxTotalCostMinorUnits));
    }

    [Fact]
    public void Orchestration_events_round_trip_through_the_stored_json()
    {
        SessionEvent[] events =
        [
            new OrchestrationStartedEvent { Goal = "g", ItemCount = 3, MaxConcurrency = 2, FailurePolicy = "skip_dependents", PlanSource = "coordinator", MaxTotalTokens = 9, MaxTotalCostMinorUnits = 70 },
            new OrchestrationItemCompletedEvent { ItemId = "a", Agent = "w", Status = "timed_out", ChildSessionId = "ses_1", Attempts = 2, Outcome = "satisfied", Usage = new SessionUsage { InputTokens = 4 }, Error = "e" },
            new OrchestrationCompletedEvent { ItemCount = 3, DurationMs = 12.5, Usage = new SessionUsage { OutputTokens = 7 } },
            new OrchestrationFailedEvent { Status = "budget_reached", Reason = "r", CompletedItems = 1, ItemCount = 3, ItemId = "a" },
        ];

        foreach (var original in events)
        {
            var json = JsonSerializer.Serialize(original);
            var back = JsonSerializer.Deserialize<SessionEvent>(json);
            Assert.Equal(original, back);
            Assert.Equal(original.EventType, back!.EventType);
        }
    }

    [Fact]
    public async Task Observers_hear_every_event_in_order_and_a_failing_one_does_not_fail_the_run()
    {
        var heard = new RecordingObserver();
        await using var host = OrchestrationHarness.Create(observer: new ThrowingObserver());
        var run = await host.Orchestrator.RunAsync(new OrchestrationRequest
        {
            Plan = OrchestrationHarness.Plan(2, OrchestrationHarness.Item("a"), OrchestrationHarness.Item("b", "a")),
            Agents = [OrchestrationHarness.Echo()],
            Observer = heard,
        });

        Assert.Equal(OrchestrationStatus.Completed, run.Status);
        Assert.Equal(["orchestration.started", "orchestration.item_completed", "orchestration.item_completed", "orchestration.completed"], heard.Events.Select(e => e.EventType));
        Assert.All(heard.Events, e => Assert.Equal(run.SessionId, e.SessionId));
    }

    [Fact]
    public async Task Synthesis_uses_the_host_delegate_or_the_coordinator_model()
    {
        await using (var host = OrchestrationHarness.Create())
        {
            var run = await host.Orchestrator.RunAsync(new OrchestrationRequest
            {
                Plan = OrchestrationHarness.Plan(2, OrchestrationHarness.Item("a"), OrchestrationHarness.Item("b")),
                Agents = [OrchestrationHarness.Echo()],
                Synthesize = (synthesis, _) => Task.FromResult(string.Join("+", synthesis.Items.Select(i => i.Output))),
            });
            Assert.Equal("done a+done b", run.FinalAnswer);
        }

        string? sent = null;
        var coordinator = new FakeChatClient
        {
            GetResponseAsyncCallback = (messages, _, _) =>
            {
                sent = messages.Last().Text;
                return Task.FromResult(new ChatResponse(new ChatMessage(ChatRole.Assistant, "the combined answer")) { Usage = new UsageDetails { InputTokenCount = 7, OutputTokenCount = 3 } });
            },
        };
        await using (var host = OrchestrationHarness.Create(coordinator: coordinator))
        {
            var run = await host.RunAsync(OrchestrationHarness.Plan(2, OrchestrationHarness.Item("a"), OrchestrationHarness.Item("b")), OrchestrationHarness.Echo());
            Assert.Equal("the combined answer", run.FinalAnswer);
            Assert.Contains("--- a (worker, completed) ---\ndone a", sent, StringComparison.Ordinal);
            Assert.Equal(10, run.Usage.TotalTokens);

            // The coordinator's synthesis call is recorded in the run's own session.
            Assert.Contains(await host.Store.GetEventsAsync(run.SessionId), e => e is ModelResponseEvent);
        }
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Cancelling_during_the_synthesis_is_prompt_even_when_the_synthesis_ignores_its_token(bool byDelegate)
    {
        using var cancel = new CancellationTokenSource();
        async Task<T> CancelThenHang<T>()
        {
            await cancel.CancelAsync();
            await new TaskCompletionSource().Task;   // never answers, whatever the token says
            throw new InvalidOperationException("unreachable");
        }

        var coordinator = new FakeChatClient { GetResponseAsyncCallback = (_, _, _) => CancelThenHang<ChatResponse>() };
        await using var host = OrchestrationHarness.Create(coordinator: byDelegate ? null : coordinator);

        var running = host.Orchestrator.RunAsync(
            new OrchestrationRequest
            {
                Plan = OrchestrationHarness.Plan(1, OrchestrationHarness.Item("a")),
                Agents = [OrchestrationHarness.Echo()],
                Synthesize = byDelegate ? (_, _) => CancelThenHang<string>() : null,
            },
            cancel.Token);
        var run = await running.WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal(OrchestrationStatus.Interrupted, run.Status);
        Assert.Equal("the run was cancelled during the synthesis", run.Error);
        Assert.Equal(WorkItemStatus.Completed, Assert.Single(run.Items).Status);
        Assert.Equal(SessionStatus.Abandoned, (await host.Store.GetSessionAsync(run.SessionId))!.Status);
        await host.AssertNoSessionRunningAsync();
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task A_synthesis_that_throws_after_the_runs_cancellation_is_an_interruption_not_a_failure(bool byDelegate)
    {
        // The cancellation tears down what the synthesis used, which then throws something other than a cancellation.
        using var cancel = new CancellationTokenSource();
        async Task<T> CancelThenThrow<T>()
        {
            await cancel.CancelAsync();
            throw new ObjectDisposedException("HttpClient");
        }

        var coordinator = new FakeChatClient { GetResponseAsyncCallback = (_, _, _) => CancelThenThrow<ChatResponse>() };
        await using var host = OrchestrationHarness.Create(coordinator: byDelegate ? null : coordinator);

        var run = await host.Orchestrator.RunAsync(
            new OrchestrationRequest
            {
                Plan = OrchestrationHarness.Plan(1, OrchestrationHarness.Item("a")),
                Agents = [OrchestrationHarness.Echo()],
                Synthesize = byDelegate ? (_, _) => CancelThenThrow<string>() : null,
            },
            cancel.Token);

        Assert.Equal(OrchestrationStatus.Interrupted, run.Status);
        Assert.Equal("the run was cancelled during the synthesis", run.Error);
        Assert.Equal(SessionStatus.Abandoned, (await host.Store.GetSessionAsync(run.SessionId))!.Status);
        Assert.Equal("interrupted", Assert.Single((await host.Store.GetEventsAsync(run.SessionId)).OfType<OrchestrationFailedEvent>()).Status);
    }

    [Fact]
    public async Task AddOrchestrator_rejects_invalid_options_naming_the_setting()
    {
        var services = new ServiceCollection();
        services.AddDreamingAgents().AddOrchestrator(o =>
        {
            o.MaxItems = 0;
            o.ItemTimeout = TimeSpan.FromSeconds(-1);
        });
        using var provider = services.BuildServiceProvider();

        // At host start (what ValidateOnStart hooks into), and on first use without a host.
        var atStart = await Assert.ThrowsAsync<OptionsValidationException>(() => provider.GetRequiredService<IAsyncStartupValidator>().ValidateAsync());
        Assert.Contains("OrchestratorOptions.MaxItems is 0", atStart.Message, StringComparison.Ordinal);
        var ex = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IOrchestrator>());
        Assert.Contains("OrchestratorOptions.MaxItems is 0", ex.Message, StringComparison.Ordinal);
        Assert.Contains("OrchestratorOptions.ItemTimeout", ex.Message, StringComparison.Ordinal);
    }

    private sealed class RecordingObserver : IOrchestrationObserver
    {
        public List<SessionEvent> Events { get; } = [];

        public ValueTask OnEventAsync(SessionEvent sessionEvent, CancellationToken cancellationToken)
        {
            Events.Add(sessionEvent);
            return default;
        }
    }

    private sealed class ThrowingObserver : IOrchestrationObserver
    {
        public ValueTask OnEventAsync(SessionEvent sessionEvent, CancellationToken cancellationToken) => throw new InvalidOperationException("observer down");
    }
}
