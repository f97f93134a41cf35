using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace Dreaming.Tests.Storage;

/// <summary>The <c>orchestration.failed</c> webhook of a crashed run ended by recovery is in the outbox before the run's
/// session is ended, so a recovery that dies in between does not lose it, and the next recovery does not write a second
/// one; and only a session the orchestrator marked is taken for a run being planned.</summary>
public sealed class RecoveryWebhookDurabilityTests
{
    private static readonly DateTimeOffset Start = new(2026, 2, 1, 8, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task A_recovery_that_dies_before_ending_the_run_leaves_its_webhook_written_and_the_next_recovery_writes_no_second()
    {
        var outbox = new InMemoryWebhookOutboxStore();
        IOrchestrationObserver[] observers = [Webhooks(outbox)];
        var store = new InMemoryTraceStore();
        var clock = new FakeTimeProvider(Start.AddHours(2));
        await SeedStartedRunAsync(store, "run");

        // The first recovery's process dies as it ends the session: the call never returns.
        var dying = new DyingAtCompletionStore(store);
        _ = dying.AbandonRunningSessionsAsync(Start.AddHours(1), observers, clock);
        await dying.Reached.Task.WaitAsync(TimeSpan.FromSeconds(30));

        var ended = await store.AbandonRunningSessionsAsync(Start.AddHours(1), observers, clock);

        Assert.Equal(["run"], ended);
        Assert.Single((await store.GetEventsAsync("run")).OfType<OrchestrationFailedEvent>());
        var delivery = Assert.Single(await outbox.ListAsync(), d => d.EventType == WebhookEventTypes.OrchestrationFailed);
        Assert.Contains("\"status\":\"abandoned\"", delivery.Body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_recovery_that_dies_between_writing_the_runs_end_and_its_webhook_leaves_it_to_the_next_recovery()
    {
        var outbox = new InMemoryWebhookOutboxStore();
        var store = new InMemoryTraceStore();
        var clock = new FakeTimeProvider(Start.AddHours(2));
        await SeedStartedRunAsync(store, "run");

        // The first recovery writes the run's end, then dies as it writes the webhook (its outbox write never returns).
        var hanging = new HangingOutbox(outbox);
        _ = store.AbandonRunningSessionsAsync(Start.AddHours(1), [Webhooks(hanging)], clock);
        await hanging.Reached.Task.WaitAsync(TimeSpan.FromSeconds(30));

        await store.AbandonRunningSessionsAsync(Start.AddHours(1), [Webhooks(outbox)], clock);

        Assert.Single((await store.GetEventsAsync("run")).OfType<OrchestrationFailedEvent>());
        Assert.Single(await outbox.ListAsync(), d => d.EventType == WebhookEventTypes.OrchestrationFailed);
        Assert.Equal(SessionStatus.Abandoned, (await store.GetSessionAsync("run"))!.Status);
    }

    [Fact]
    public async Task With_a_hosts_own_webhook_publisher_two_recoveries_racing_publish_the_abandoned_run_once()
    {
        // A host's IWebhookPublisher takes no event id, so nothing refuses a second publish: the webhook observer must then
        // be told only by the recovery that wrote the event, as every other observer is, not also by one that finds it.
        var publisher = new CountingPublisher();
        var services = new ServiceCollection();
        services.AddSingleton<IWebhookPublisher>(publisher);
        services.AddDreamingAgents().AddWebhooks(options =>
        {
            options.AllowPrivateNetworks = true;
            var endpoint = new WebhookEndpoint { Id = "ci", Url = "http://127.0.0.1:9/hook" };
            endpoint.Secrets.Add(WebhookSecret.Generate());
            options.Endpoints.Add(endpoint);
        });
        await using var provider = services.BuildServiceProvider();
        var observers = provider.GetServices<IOrchestrationObserver>().ToArray();
        var store = new InMemoryTraceStore();
        var clock = new FakeTimeProvider(Start.AddHours(2));
        await SeedStartedRunAsync(store, "run");

        // The first recovery has written the run's end and is about to end the session when the second one runs whole.
        var held = new HeldAtCompletionStore(store);
        var first = held.AbandonRunningSessionsAsync(Start.AddHours(1), observers, clock);
        await held.Reached.Task.WaitAsync(TimeSpan.FromSeconds(30));
        await store.AbandonRunningSessionsAsync(Start.AddHours(1), observers, clock);
        held.Release.SetResult();
        await first.WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Single((await store.GetEventsAsync("run")).OfType<OrchestrationFailedEvent>());
        Assert.Equal(1, publisher.Published(WebhookEventTypes.OrchestrationFailed));
    }

    [Theory]
    [InlineData("ticket-4711")]
    [InlineData("")]
    [InlineData("Host")]
    public async Task A_host_session_carrying_the_key_with_a_value_of_its_own_is_not_taken_for_a_run(string value)
    {
        var store = new InMemoryTraceStore();
        var session = new SessionRecord { Id = "mine", AgentId = "agent", Task = "task", StartedAt = Start, Metadata = new Dictionary<string, string> { [OrchestrationRun.SessionMetadataKey] = value } };
        await store.WriteAsync(new TraceWriteBatch([session], [new NoteEvent { SessionId = "mine", Sequence = 1, Timestamp = Start, Text = "working" }]));
        var heard = new List<SessionEvent>();

        Assert.Equal(["mine"], await store.AbandonRunningSessionsAsync(Start.AddHours(1), [new Listening(heard)], new FakeTimeProvider(Start.AddHours(2))));

        Assert.Empty((await store.GetEventsAsync("mine")).OfType<OrchestrationFailedEvent>());
        Assert.Empty(heard);
    }

    // The webhook observer AddWebhooks registers, with an endpoint, writing to the given outbox.
    private static IOrchestrationObserver Webhooks(IWebhookOutboxStore outbox)
    {
        var options = new WebhookOptions { AllowPrivateNetworks = true };
        var endpoint = new WebhookEndpoint { Id = "ci", Url = "http://127.0.0.1:9/hook" };
        endpoint.Secrets.Add(WebhookSecret.Generate());
        options.Endpoints.Add(endpoint);
        return WebhookOrchestrationObserver.Create(new WebhookPublisher(Microsoft.Extensions.Options.Options.Create(options), outbox));
    }

    private static Task SeedStartedRunAsync(ITraceStore store, string id) => store.WriteAsync(new TraceWriteBatch(
        [new SessionRecord { Id = id, AgentId = "orchestrator", Task = "goal", StartedAt = Start, Metadata = new Dictionary<string, string> { [OrchestrationRun.SessionMetadataKey] = "host" } }],
        [
            new OrchestrationStartedEvent { SessionId = id, Sequence = 1, Timestamp = Start, Goal = "goal", ItemCount = 2, MaxConcurrency = 2, FailurePolicy = "stop_run", PlanSource = "host" },
            new OrchestrationItemCompletedEvent { SessionId = id, Sequence = 2, Timestamp = Start, ItemId = "a", Agent = "worker", Status = "completed", Attempts = 1 },
        ]));

    /// <summary>A store whose process dies as it ends a session: the call never returns.</summary>
    private sealed class DyingAtCompletionStore(ITraceStore inner) : ForwardingTraceStore(inner)
    {
        public TaskCompletionSource Reached { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public override Task CompleteSessionAsync(SessionCompletion completion, CancellationToken cancellationToken = default)
        {
            Reached.TrySetResult();
            return new TaskCompletionSource().Task;
        }
    }

    /// <summary>A store whose first end of a session waits until released (a recovery still at work).</summary>
    private sealed class HeldAtCompletionStore(ITraceStore inner) : ForwardingTraceStore(inner)
    {
        public TaskCompletionSource Reached { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public TaskCompletionSource Release { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public override async Task CompleteSessionAsync(SessionCompletion completion, CancellationToken cancellationToken = default)
        {
            Reached.TrySetResult();
            await Release.Task;
            await Inner.CompleteSessionAsync(completion, cancellationToken);
        }
    }

    /// <summary>A host's own publisher: counts what it is asked to publish, by type.</summary>
    private sealed class CountingPublisher : IWebhookPublisher
    {
        private readonly System.Collections.Concurrent.ConcurrentQueue<string> _types = new();

        public bool IsEnabled => true;

        public bool IncludeFullPayloads => false;

        public bool IsSubscribed(string eventType) => true;

        public int Published(string eventType) => _types.Count(t => t == eventType);

        public Task<WebhookEvent?> PublishAsync(string eventType, System.Text.Json.Nodes.JsonObject data, CancellationToken cancellationToken = default)
        {
            _types.Enqueue(eventType);
            return Task.FromResult<WebhookEvent?>(null);
        }
    }

    /// <summary>An outbox whose process dies as an event is written to it: the write never returns.</summary>
    private sealed class HangingOutbox(IWebhookOutboxStore inner) : ForwardingWebhookOutboxStore(inner)
    {
        public TaskCompletionSource Reached { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public override Task<IReadOnlyList<WebhookDelivery>> EnqueueAsync(WebhookEvent webhookEvent, IReadOnlyList<string> endpointIds, CancellationToken cancellationToken = default)
        {
            Reached.TrySetResult();
            return new TaskCompletionSource<IReadOnlyList<WebhookDelivery>>().Task;
        }
    }

    private sealed class Listening(List<SessionEvent> heard) : IOrchestrationObserver
    {
        public ValueTask OnEventAsync(SessionEvent sessionEvent, CancellationToken cancellationToken = default)
        {
            heard.Add(sessionEvent);
            return ValueTask.CompletedTask;
        }
    }
}
