using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using Microsoft.Extensions.Time.Testing;

namespace Dreaming.Tests.Webhooks;

/// <summary>Crash recovery whose outbox write of a crashed run's <c>orchestration.failed</c> webhook fails (a disk full, a
/// broken connection) leaves the run's session running, so that the next pass writes the webhook and ends it; the webhook
/// carries the time of the event recovery wrote, whichever pass writes it.</summary>
public sealed class RecoveredRunWebhookOutboxFailureTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 26, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task An_outbox_that_fails_for_one_pass_keeps_the_run_running_and_the_next_pass_writes_its_one_webhook()
    {
        await using var host = await CrashedRunHost.StartAsync(Now.AddHours(-2), outboxFailing: true);
        var (time, outbox, services, traces, retention) = (host.Time, host.Outbox, host.Services, host.Traces, host.Retention);

        var first = await PumpAsync(time, retention.RunOnceAsync());

        Assert.Equal(0, first.Abandoned);
        Assert.Equal(SessionStatus.Running, (await traces.GetSessionAsync("run"))!.Status);
        Assert.Empty(await outbox.ListAsync(limit: 100));
        var logs = services.GetFakeLogCollector().GetSnapshot();
        Assert.Contains(logs, r => r.Id.Id == 100 && r.Exception?.Message == "disk full");
        var leftRunning = Assert.Single(logs, r => r.Id.Id == 102);
        Assert.Equal(LogLevel.Error, leftRunning.Level);
        Assert.Contains("run", leftRunning.Message, StringComparison.Ordinal);

        outbox.Failing = false;
        time.Advance(TimeSpan.FromHours(1));
        var second = await PumpAsync(time, retention.RunOnceAsync());
        var third = await PumpAsync(time, retention.RunOnceAsync());

        Assert.Equal((1, 0), (second.Abandoned, third.Abandoned));
        Assert.Equal(SessionStatus.Abandoned, (await traces.GetSessionAsync("run"))!.Status);
        var row = Assert.Single(await outbox.ListAsync(limit: 100));
        Assert.Equal(WebhookEventTypes.OrchestrationFailed, row.EventType);
        var stored = (await traces.GetEventsAsync("run")).OfType<OrchestrationFailedEvent>().Single();
        Assert.Equal(Now, stored.Timestamp);
        Assert.Equal(Now, JsonDocument.Parse(row.Body).RootElement.GetProperty("timestamp").GetDateTimeOffset());
    }

    [Fact]
    public async Task An_outbox_broken_for_good_keeps_the_run_running_for_a_day_after_its_event_then_it_is_ended()
    {
        await using var host = await CrashedRunHost.StartAsync(Now.AddHours(-2), outboxFailing: true);
        var (time, outbox, traces, retention) = (host.Time, host.Outbox, host.Traces, host.Retention);

        var first = await PumpAsync(time, retention.RunOnceAsync());
        time.Advance(TimeSpan.FromHours(23));
        var beforeADay = await PumpAsync(time, retention.RunOnceAsync());
        var stillRunning = (await traces.GetSessionAsync("run"))!.Status;
        time.Advance(TimeSpan.FromHours(1));
        var afterADay = await PumpAsync(time, retention.RunOnceAsync());

        Assert.Equal((0, 0, 1), (first.Abandoned, beforeADay.Abandoned, afterADay.Abandoned));
        Assert.Equal(SessionStatus.Running, stillRunning);
        Assert.Equal(SessionStatus.Abandoned, (await traces.GetSessionAsync("run"))!.Status);
        Assert.Single((await traces.GetEventsAsync("run")).OfType<OrchestrationFailedEvent>());
        Assert.Empty(await outbox.ListAsync(limit: 100));
    }

    /// <summary>The day a failing outbox keeps a run running is measured from the event's time, which the host that wrote it
    /// stamped: a host whose clock ran 30 days ahead must not make an outbox broken for good keep the run running for 31
    /// days. An event stamped more than a day ahead of this host's clock is not waited for.</summary>
    [Fact]
    public async Task An_event_stamped_by_a_clock_far_ahead_does_not_keep_the_run_running_past_the_day()
    {
        await using var host = await CrashedRunHost.StartAsync(Now.AddHours(-3), outboxFailing: true);
        var (time, traces, retention) = (host.Time, host.Traces, host.Retention);
        await WriteRecoveryEventAsync(traces, Now.AddDays(30));

        var first = await PumpAsync(time, retention.RunOnceAsync());
        time.Advance(TimeSpan.FromDays(1));
        var afterADay = await PumpAsync(time, retention.RunOnceAsync());

        Assert.Equal(1, first.Abandoned + afterADay.Abandoned);
        Assert.Equal(SessionStatus.Abandoned, (await traces.GetSessionAsync("run"))!.Status);
    }

    /// <summary>An event stamped a little ahead (a clock some hours fast) is still retried: the run stays running.</summary>
    [Fact]
    public async Task An_event_stamped_by_a_clock_some_hours_ahead_keeps_the_run_running_while_the_outbox_fails()
    {
        await using var host = await CrashedRunHost.StartAsync(Now.AddHours(-3), outboxFailing: true);
        var traces = host.Traces;
        await WriteRecoveryEventAsync(traces, Now.AddHours(5));

        var first = await PumpAsync(host.Time, host.Retention.RunOnceAsync());

        Assert.Equal(0, first.Abandoned);
        Assert.Equal(SessionStatus.Running, (await traces.GetSessionAsync("run"))!.Status);
    }

    /// <summary>A recovery that died after writing the run's event and before telling the observer: the next one, an hour
    /// later, finds the event and publishes its webhook, stamped with the event's time, not its own (as
    /// <c>dreaming sessions abandon</c> stamps it), so the body is the same whichever process or pass writes it.</summary>
    [Fact]
    public async Task The_webhook_of_an_event_a_died_recovery_wrote_carries_the_events_time()
    {
        await using var host = await CrashedRunHost.StartAsync(Now.AddHours(-3), outboxFailing: false);
        var traces = host.Traces;
        var written = Now.AddHours(-1);
        await WriteRecoveryEventAsync(traces, written);

        var result = await host.Retention.RunOnceAsync();

        Assert.Equal(1, result.Abandoned);
        var row = Assert.Single(await host.Services.GetRequiredService<IWebhookOutboxStore>().ListAsync(limit: 100));
        Assert.Equal(written, JsonDocument.Parse(row.Body).RootElement.GetProperty("timestamp").GetDateTimeOffset());
    }

    // The orchestration.failed (status abandoned) a recovery that died before telling the observer wrote into the crashed
    // run "run" (after the events SeedCrashedRunAsync wrote), stamped by that recovery's clock.
    private static Task WriteRecoveryEventAsync(ITraceStore traces, DateTimeOffset timestamp) =>
        traces.WriteAsync(TraceWriteBatch.OfEvents(
        [
            new OrchestrationFailedEvent
            {
                SessionId = "run", Sequence = 3, Timestamp = timestamp, Status = OrchestrationFailedEvent.AbandonedStatus,
                Reason = "abandoned by recovery: the process running the run ended (killed or crashed) before the run did", CompletedItems = 1, ItemCount = 3,
            },
        ]));

    // The publisher's retries wait on the fake clock: it is moved on until the pass is done.
    private static async Task<T> PumpAsync<T>(FakeTimeProvider time, Task<T> pass)
    {
        for (var i = 0; i < 1000 && !pass.IsCompleted; i++)
        {
            await Task.Yield();
            time.Advance(TimeSpan.FromMilliseconds(100));
        }

        return await pass.WaitAsync(TimeSpan.FromSeconds(30));
    }

    /// <summary>A host at <see cref="Now"/> with session retention (abandoning runs running for an hour) and a webhook
    /// endpoint for <c>orchestration.failed</c>, over an outbox that fails while <see cref="FailingOutbox.Failing"/> is
    /// set, and the crashed run "run" of <see cref="RecoveredRunWebhookTests.SeedCrashedRunAsync"/> in its trace store.</summary>
    private sealed class CrashedRunHost : IAsyncDisposable
    {
        private CrashedRunHost(FakeTimeProvider time, FailingOutbox outbox, ServiceProvider services)
        {
            (Time, Outbox, Services) = (time, outbox, services);
            Traces = services.GetRequiredService<ITraceStore>();
            Retention = services.GetRequiredService<SessionRetention>();
        }

        public FakeTimeProvider Time { get; }

        public FailingOutbox Outbox { get; }

        public ServiceProvider Services { get; }

        public ITraceStore Traces { get; }

        public SessionRetention Retention { get; }

        public static async Task<CrashedRunHost> StartAsync(DateTimeOffset runStartedAt, bool outboxFailing)
        {
            var time = new FakeTimeProvider(Now);
            var outbox = new FailingOutbox(new InMemoryWebhookOutboxStore(time)) { Failing = outboxFailing };
            var services = new ServiceCollection();
            services.AddSingleton<TimeProvider>(time);
            services.AddFakeLogging();
            services.AddSingleton<IWebhookOutboxStore>(outbox);
            services.AddDreamingAgents()
                .AddSessionRetention(TimeSpan.FromDays(30), o => o.AbandonRunningAfter = TimeSpan.FromHours(1))
                .AddWebhooks(options => options.Endpoints.Add(WebhookPublishingTests.Endpoint("ci", WebhookEventTypes.OrchestrationFailed)));
            var host = new CrashedRunHost(time, outbox, services.BuildServiceProvider());
            await RecoveredRunWebhookTests.SeedCrashedRunAsync(host.Traces, "run", runStartedAt);
            return host;
        }

        public ValueTask DisposeAsync() => Services.DisposeAsync();
    }

    private sealed class FailingOutbox(IWebhookOutboxStore inner) : ForwardingWebhookOutboxStore(inner)
    {
        public bool Failing { get; set; }

        public override Task<IReadOnlyList<WebhookDelivery>> EnqueueAsync(WebhookEvent webhookEvent, IReadOnlyList<string> endpointIds, CancellationToken cancellationToken = default) =>
            Failing ? throw new IOException("disk full") : base.EnqueueAsync(webhookEvent, endpointIds, cancellationToken);
    }
}
