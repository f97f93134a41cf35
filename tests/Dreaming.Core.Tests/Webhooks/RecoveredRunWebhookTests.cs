using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using Microsoft.Extensions.Time.Testing;

namespace Dreaming.Tests.Webhooks;

/// <summary>A run whose process died is ended by recovery with <c>orchestration.failed</c> (status <c>abandoned</c>), and a
/// host with webhooks tells its receivers so, once.</summary>
public sealed class RecoveredRunWebhookTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 26, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task Retention_ending_a_crashed_run_raises_orchestration_failed_abandoned_once()
    {
        var time = new FakeTimeProvider(Now);
        await using var services = Build(time, "orchestration.failed");
        var traces = services.GetRequiredService<ITraceStore>();
        await SeedCrashedRunAsync(traces, "run", Now.AddHours(-2));

        var first = await services.GetRequiredService<SessionRetention>().RunOnceAsync();
        var again = await services.GetRequiredService<SessionRetention>().RunOnceAsync();

        Assert.Equal((1, 0), (first.Abandoned, again.Abandoned));
        var row = Assert.Single(await services.GetRequiredService<IWebhookOutboxStore>().ListAsync(limit: 100));
        Assert.Equal("orchestration.failed", row.EventType);
        var data = JsonDocument.Parse(row.Body).RootElement.GetProperty("data");
        Assert.Equal("run", data.GetProperty("orchestration_session_id").GetString());
        Assert.Equal(OrchestrationFailedEvent.AbandonedStatus, data.GetProperty("status").GetString());
        Assert.Equal((1, 3), (data.GetProperty("completed_items").GetInt32(), data.GetProperty("item_count").GetInt32()));
        Assert.StartsWith("abandoned by recovery: ", data.GetProperty("reason").GetString(), StringComparison.Ordinal);
        var stored = (await traces.GetEventsAsync("run")).OfType<OrchestrationFailedEvent>().Single();
        Assert.Equal(stored.Usage.InputTokens, data.GetProperty("input_tokens").GetInt64());
    }

    [Fact]
    public async Task A_registered_observer_that_throws_is_logged_and_keeps_neither_the_webhooks_nor_the_rest_of_the_retention_from_running()
    {
        var time = new FakeTimeProvider(Now);
        await using var services = Build(time, s => s.AddFakeLogging().AddSingleton<IOrchestrationObserver, ThrowingObserver>(), "orchestration.failed");
        var traces = services.GetRequiredService<ITraceStore>();
        await SeedCrashedRunAsync(traces, "run-1", Now.AddHours(-3));
        await SeedCrashedRunAsync(traces, "run-2", Now.AddHours(-2));

        var result = await services.GetRequiredService<SessionRetention>().RunOnceAsync();

        Assert.Equal(2, result.Abandoned);
        Assert.Equal(2, (await services.GetRequiredService<IWebhookOutboxStore>().ListAsync(limit: 100)).Count);
        var logged = services.GetFakeLogCollector().GetSnapshot().Where(r => r.Id.Id == 100).ToList();
        Assert.Equal(2, logged.Count);
        Assert.All(logged, r => Assert.Equal(LogLevel.Warning, r.Level));
        Assert.Contains("ThrowingObserver", logged[0].Message, StringComparison.Ordinal);
        Assert.Contains("run-1", logged[0].Message, StringComparison.Ordinal);
        Assert.Equal("dashboard down", logged[0].Exception?.Message);
    }

    internal static async Task SeedCrashedRunAsync(ITraceStore traces, string id, DateTimeOffset startedAt)
    {
        await traces.WriteAsync(new TraceWriteBatch(
            [new SessionRecord { Id = id, AgentId = "orchestrator", Task = "goal", StartedAt = startedAt }],
            [
                new OrchestrationStartedEvent { SessionId = id, Sequence = 1, Timestamp = startedAt, Goal = "goal", ItemCount = 3, MaxConcurrency = 25, FailurePolicy = "stop_run", PlanSource = "host" },
                new OrchestrationItemCompletedEvent { SessionId = id, Sequence = 2, Timestamp = startedAt, ItemId = "a", Agent = "worker", Status = "completed", Attempts = 1, Usage = new SessionUsage { InputTokens = 10, ModelCalls = 1 } },
            ]));
    }

    private static ServiceProvider Build(TimeProvider time, params string[] events) => Build(time, static _ => { }, events);

    private static ServiceProvider Build(TimeProvider time, Action<IServiceCollection> configure, params string[] events)
    {
        var services = new ServiceCollection();
        services.AddSingleton(time);
        configure(services);
        services.AddDreamingAgents()
            .AddSessionRetention(TimeSpan.FromDays(30), o => o.AbandonRunningAfter = TimeSpan.FromHours(1))
            .AddWebhooks(options => options.Endpoints.Add(WebhookPublishingTests.Endpoint("ci", events)));
        return services.BuildServiceProvider();
    }

    private sealed class ThrowingObserver : IOrchestrationObserver
    {
        public ValueTask OnEventAsync(SessionEvent sessionEvent, CancellationToken cancellationToken = default) =>
            throw new InvalidOperationException("dashboard down");
    }
}
