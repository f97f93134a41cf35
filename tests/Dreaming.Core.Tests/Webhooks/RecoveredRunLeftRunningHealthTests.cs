using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Logging.Testing;
using Microsoft.Extensions.Time.Testing;

namespace Dreaming.Tests.Webhooks;

/// <summary>Crashed orchestration runs that session retention leaves running because their <c>orchestration.failed</c>
/// webhook cannot be written to the outbox make <see cref="DreamingHealthCheck"/> degraded, naming how many and why, until
/// a pass ends them; the log of the runs left running says how many it does not name.</summary>
public sealed class RecoveredRunLeftRunningHealthTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 26, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task Runs_left_running_by_a_failing_outbox_make_the_health_check_degraded_until_a_pass_ends_them()
    {
        var time = new FakeTimeProvider(Now);
        var outbox = new FailingOutbox(new InMemoryWebhookOutboxStore(time)) { Failing = true };
        await using var services = Build(time, outbox);
        var traces = services.GetRequiredService<ITraceStore>();
        for (var i = 1; i <= 7; i++)
        {
            await RecoveredRunWebhookTests.SeedCrashedRunAsync(traces, $"run-{i}", Now.AddHours(-2).AddMinutes(i));
        }

        var retention = services.GetRequiredService<SessionRetention>();
        var check = services.GetRequiredService<DreamingHealthCheck>();

        var first = await PumpAsync(time, retention.RunOnceAsync());
        var degraded = await check.CheckHealthAsync(new HealthCheckContext());

        Assert.Equal(0, first.Abandoned);
        Assert.Equal(HealthStatus.Degraded, degraded.Status);
        var named = string.Join(", ", degraded.Data["retention.runs_left_running_ids"] as string[] ?? []);
        Assert.Equal(
            $"Session retention left 7 crashed orchestration runs running at {Now:O} ({named} and 2 more): the orchestration.failed webhook of each could not be written to the outbox (System.IO.IOException: disk full). The next pass writes it and ends them; a pass a day after a run's event was written ends that run all the same, and its webhook is lost.",
            degraded.Description);
        Assert.Equal(7, degraded.Data["retention.runs_left_running"]);
        Assert.Equal(5, ((string[])degraded.Data["retention.runs_left_running_ids"]).Length);
        Assert.Equal(Now, degraded.Data["retention.runs_left_running_at"]);
        var logged = Assert.Single(services.GetFakeLogCollector().GetSnapshot(), r => r.Id.Id == 102);
        Assert.Contains($"({named} and 2 more)", logged.Message, StringComparison.Ordinal);

        // The outbox takes the webhooks again: the next pass ends the runs, and the check is healthy again.
        outbox.Failing = false;
        time.Advance(TimeSpan.FromHours(1));
        var second = await PumpAsync(time, retention.RunOnceAsync());
        var healed = await check.CheckHealthAsync(new HealthCheckContext());

        Assert.Equal(7, second.Abandoned);
        Assert.Equal(HealthStatus.Healthy, healed.Status);
        Assert.False(healed.Data.ContainsKey("retention.runs_left_running"));
    }

    [Fact]
    public async Task A_pass_that_fails_after_leaving_runs_running_keeps_them_in_the_health_check()
    {
        // The purge fails after the recovery left the run running: both are reported, as both stand.
        var time = new FakeTimeProvider(Now);
        var outbox = new FailingOutbox(new InMemoryWebhookOutboxStore(time)) { Failing = true };
        await using var services = Build(time, outbox, purgeFails: true);
        await RecoveredRunWebhookTests.SeedCrashedRunAsync(services.GetRequiredService<ITraceStore>(), "run", Now.AddHours(-2));

        await Assert.ThrowsAsync<IOException>(() => PumpAsync(time, services.GetRequiredService<SessionRetention>().RunOnceAsync()));
        var result = await services.GetRequiredService<DreamingHealthCheck>().CheckHealthAsync(new HealthCheckContext());

        Assert.Equal(HealthStatus.Degraded, result.Status);
        Assert.Equal(1, result.Data["retention.runs_left_running"]);
        Assert.Equal(["run"], (string[])result.Data["retention.runs_left_running_ids"]);
        Assert.Contains("Session retention left 1 crashed orchestration run running at ", result.Description, StringComparison.Ordinal);
        Assert.Contains("Session retention has failed since ", result.Description, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_exception_of_a_call_that_leaves_seven_runs_running_names_five_and_says_how_many_more()
    {
        var traces = new InMemoryTraceStore();
        for (var i = 1; i <= 7; i++)
        {
            await RecoveredRunWebhookTests.SeedCrashedRunAsync(traces, $"run-{i}", Now.AddHours(-2).AddMinutes(i));
        }

        var failed = await Assert.ThrowsAsync<AbandonRunningSessionsException>(() =>
            traces.AbandonRunningSessionsAsync(Now.AddHours(-1), [new FailingIdempotentObserver()], new FakeTimeProvider(Now)));

        Assert.Equal(7, failed.LeftRunningSessionIds.Count);
        Assert.Contains("the next call tells it again and ends them (run-1, run-2, run-3, run-4, run-5 and 2 more).", failed.Message, StringComparison.Ordinal);
    }

    private sealed class FailingIdempotentObserver : IIdempotentOrchestrationObserver
    {
        public ValueTask OnEventAsync(SessionEvent sessionEvent, CancellationToken cancellationToken = default) =>
            ValueTask.FromException(new IOException("disk full"));
    }

    // The publisher's retries wait on the fake clock: it is moved on until the pass is done.
    internal static async Task<T> PumpAsync<T>(FakeTimeProvider time, Task<T> pass)
    {
        for (var i = 0; i < 1000 && !pass.IsCompleted; i++)
        {
            await Task.Yield();
            time.Advance(TimeSpan.FromMilliseconds(100));
        }

        return await pass.WaitAsync(TimeSpan.FromSeconds(30));
    }

    internal static ServiceProvider Build(TimeProvider time, IWebhookOutboxStore outbox, bool purgeFails = false)
    {
        var services = new ServiceCollection();
        services.AddSingleton(time);
        services.AddFakeLogging();
        services.AddSingleton(outbox);
        var builder = services.AddDreamingAgents();
        if (purgeFails)
        {
            builder.UseTraceStore(_ => new FailingPurge(new InMemoryTraceStore()));
        }

        builder.AddSessionRetention(TimeSpan.FromDays(30), o => o.AbandonRunningAfter = TimeSpan.FromHours(1))
            .AddWebhooks(options => options.Endpoints.Add(WebhookPublishingTests.Endpoint("ci", WebhookEventTypes.OrchestrationFailed)));
        return services.BuildServiceProvider();
    }

    internal sealed class FailingOutbox(IWebhookOutboxStore inner) : ForwardingWebhookOutboxStore(inner)
    {
        public bool Failing { get; set; }

        public override Task<IReadOnlyList<WebhookDelivery>> EnqueueAsync(WebhookEvent webhookEvent, IReadOnlyList<string> endpointIds, CancellationToken cancellationToken = default) =>
            Failing ? throw new IOException("disk full") : base.EnqueueAsync(webhookEvent, endpointIds, cancellationToken);
    }

    private sealed class FailingPurge(ITraceStore inner) : ForwardingTraceStore(inner)
    {
        public override Task<int> PurgeAsync(DateTimeOffset startedBefore, CancellationToken cancellationToken = default) =>
            throw new IOException("disk I/O error");
    }
}
