using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Time.Testing;

namespace Dreaming.Tests.Webhooks;

/// <summary>How long <see cref="DreamingHealthCheck"/> names the crashed orchestration runs session retention left running:
/// each pass replaces what the last one left (fewer once some are ended, here or by another process; none once all are, or
/// a day after their event), and a pass that fails before its recovery keeps it, so it is never stale for longer than a
/// pass's interval.</summary>
public sealed class RecoveredRunLeftRunningHealthLifetimeTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 26, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task Runs_another_process_ends_leave_the_health_check_at_the_next_pass_even_with_the_outbox_still_failing()
    {
        var time = new FakeTimeProvider(Now);
        var outbox = new RecoveredRunLeftRunningHealthTests.FailingOutbox(new InMemoryWebhookOutboxStore(time)) { Failing = true };
        await using var services = RecoveredRunLeftRunningHealthTests.Build(time, outbox);
        var traces = services.GetRequiredService<ITraceStore>();
        for (var i = 1; i <= 7; i++)
        {
            await RecoveredRunWebhookTests.SeedCrashedRunAsync(traces, $"run-{i}", Now.AddHours(-2).AddMinutes(i));
        }

        var retention = services.GetRequiredService<SessionRetention>();
        var check = services.GetRequiredService<DreamingHealthCheck>();
        await RecoveredRunLeftRunningHealthTests.PumpAsync(time, retention.RunOnceAsync());
        Assert.Equal(7, (await check.CheckHealthAsync(new HealthCheckContext())).Data["retention.runs_left_running"]);

        // `dreaming sessions abandon --no-webhooks` (or another instance) ends three of them: the next pass leaves four.
        foreach (var id in new[] { "run-1", "run-2", "run-6" })
        {
            await traces.CompleteSessionAsync(new SessionCompletion { SessionId = id, Status = SessionStatus.Abandoned, EndedAt = time.GetUtcNow() });
        }

        time.Advance(TimeSpan.FromHours(1));
        var secondAt = time.GetUtcNow();
        await RecoveredRunLeftRunningHealthTests.PumpAsync(time, retention.RunOnceAsync());
        var fewer = await check.CheckHealthAsync(new HealthCheckContext());

        Assert.Equal(HealthStatus.Degraded, fewer.Status);
        Assert.Equal(4, fewer.Data["retention.runs_left_running"]);
        Assert.Equal(["run-3", "run-4", "run-5", "run-7"], (string[])fewer.Data["retention.runs_left_running_ids"]);
        Assert.Equal(secondAt, fewer.Data["retention.runs_left_running_at"]);
        Assert.Contains("left 4 crashed orchestration runs running at ", fewer.Description, StringComparison.Ordinal);
        Assert.Contains("(run-3, run-4, run-5, run-7)", fewer.Description, StringComparison.Ordinal);

        // The rest are ended elsewhere too: the next pass finds none, and the check is healthy though the outbox still fails.
        foreach (var id in new[] { "run-3", "run-4", "run-5", "run-7" })
        {
            await traces.CompleteSessionAsync(new SessionCompletion { SessionId = id, Status = SessionStatus.Abandoned, EndedAt = time.GetUtcNow() });
        }

        time.Advance(TimeSpan.FromHours(1));
        var last = await RecoveredRunLeftRunningHealthTests.PumpAsync(time, retention.RunOnceAsync());
        var healthy = await check.CheckHealthAsync(new HealthCheckContext());

        Assert.Equal(0, last.Abandoned);
        Assert.Equal(HealthStatus.Healthy, healthy.Status);
        Assert.False(healthy.Data.ContainsKey("retention.runs_left_running"));
        Assert.False(healthy.Data.ContainsKey("retention.runs_left_running_ids"));
        Assert.False(healthy.Data.ContainsKey("retention.runs_left_running_at"));
    }

    [Fact]
    public async Task A_pass_a_day_after_the_event_ends_the_runs_with_their_webhook_lost_and_clears_the_health_check()
    {
        var time = new FakeTimeProvider(Now);
        var outbox = new RecoveredRunLeftRunningHealthTests.FailingOutbox(new InMemoryWebhookOutboxStore(time)) { Failing = true };
        await using var services = RecoveredRunLeftRunningHealthTests.Build(time, outbox);
        var traces = services.GetRequiredService<ITraceStore>();
        await RecoveredRunWebhookTests.SeedCrashedRunAsync(traces, "run-1", Now.AddHours(-2));
        await RecoveredRunWebhookTests.SeedCrashedRunAsync(traces, "run-2", Now.AddHours(-2).AddMinutes(1));
        var retention = services.GetRequiredService<SessionRetention>();
        var check = services.GetRequiredService<DreamingHealthCheck>();

        await RecoveredRunLeftRunningHealthTests.PumpAsync(time, retention.RunOnceAsync());
        time.Advance(TimeSpan.FromHours(12));
        await RecoveredRunLeftRunningHealthTests.PumpAsync(time, retention.RunOnceAsync());
        var halfADay = await check.CheckHealthAsync(new HealthCheckContext());

        Assert.Equal(HealthStatus.Degraded, halfADay.Status);
        Assert.Equal(2, halfADay.Data["retention.runs_left_running"]);

        time.Advance(TimeSpan.FromHours(13));
        var dayLater = await RecoveredRunLeftRunningHealthTests.PumpAsync(time, retention.RunOnceAsync());
        var cleared = await check.CheckHealthAsync(new HealthCheckContext());

        Assert.Equal(2, dayLater.Abandoned);
        Assert.Equal(HealthStatus.Healthy, cleared.Status);
        Assert.False(cleared.Data.ContainsKey("retention.runs_left_running"));
    }

    [Fact]
    public async Task A_pass_that_fails_before_its_recovery_keeps_the_runs_it_could_not_look_at_in_the_health_check()
    {
        var time = new FakeTimeProvider(Now);
        var outbox = new RecoveredRunLeftRunningHealthTests.FailingOutbox(new InMemoryWebhookOutboxStore(time)) { Failing = true };
        var traces = new FailingQuery(new InMemoryTraceStore());
        var services = new ServiceCollection();
        services.AddSingleton<TimeProvider>(time);
        services.AddSingleton<IWebhookOutboxStore>(outbox);
        services.AddDreamingAgents()
            .UseTraceStore(_ => traces)
            .AddSessionRetention(TimeSpan.FromDays(30), o => o.AbandonRunningAfter = TimeSpan.FromHours(1))
            .AddWebhooks(options => options.Endpoints.Add(WebhookPublishingTests.Endpoint("ci", WebhookEventTypes.OrchestrationFailed)));
        await using var provider = services.BuildServiceProvider();
        await RecoveredRunWebhookTests.SeedCrashedRunAsync(traces, "run", Now.AddHours(-2));
        var retention = provider.GetRequiredService<SessionRetention>();
        var check = provider.GetRequiredService<DreamingHealthCheck>();
        await RecoveredRunLeftRunningHealthTests.PumpAsync(time, retention.RunOnceAsync());

        traces.Failing = true;
        time.Advance(TimeSpan.FromHours(1));
        await Assert.ThrowsAsync<IOException>(() => RecoveredRunLeftRunningHealthTests.PumpAsync(time, retention.RunOnceAsync()));
        var result = await check.CheckHealthAsync(new HealthCheckContext());

        Assert.Equal(HealthStatus.Degraded, result.Status);
        Assert.Equal(1, result.Data["retention.runs_left_running"]);
        Assert.Equal(Now, result.Data["retention.runs_left_running_at"]);
        Assert.Contains($"Session retention left 1 crashed orchestration run running at {Now:O} (run)", result.Description, StringComparison.Ordinal);
        Assert.Contains("Session retention has failed since ", result.Description, StringComparison.Ordinal);
    }

    private sealed class FailingQuery(ITraceStore inner) : ForwardingTraceStore(inner)
    {
        public bool Failing { get; set; }

        public override Task<SessionPage> QuerySessionsAsync(SessionQuery query, CancellationToken cancellationToken = default) =>
            Failing ? throw new IOException("connection refused") : base.QuerySessionsAsync(query, cancellationToken);
    }
}
