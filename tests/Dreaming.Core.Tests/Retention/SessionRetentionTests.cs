using NSubstitute;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace Dreaming.Tests;

/// <summary>The opt-in retention job (<c>AddSessionRetention</c>): purges by age on the host's clock, keeps what no dream
/// has read, and abandons what was left running when asked to.</summary>
public class SessionRetentionTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 26, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task It_purges_ended_sessions_older_than_the_maximum_age_and_keeps_running_and_newer_ones()
    {
        using var purgedMetric = new MetricCollector<long>(null, DreamingTelemetry.SourceName, DreamingTelemetry.SessionsPurgedMetric);
        var time = new FakeTimeProvider(Now);
        await using var provider = Build(time, b => b.AddSessionRetention(TimeSpan.FromDays(30)));
        var traces = provider.GetRequiredService<ITraceStore>();
        await SeedAsync(traces, "bot", ("old-1", -40, true), ("old-2", -31, true), ("young", -29, true));
        await traces.WriteAsync(new TraceWriteBatch([new SessionRecord { Id = "running-old", AgentId = "bot", Task = "t", StartedAt = Now.AddDays(-50) }], []));

        var result = await provider.GetRequiredService<SessionRetention>().RunOnceAsync();

        Assert.Equal(2, result.Purged);
        Assert.Equal(Now.AddDays(-30), result.CutOff);
        Assert.Null(result.HeldBy);
        Assert.Null(await traces.GetSessionAsync("old-1"));
        Assert.Null(await traces.GetSessionAsync("old-2"));
        Assert.NotNull(await traces.GetSessionAsync("young"));
        Assert.Equal(SessionStatus.Running, (await traces.GetSessionAsync("running-old"))!.Status);
        Assert.Equal(2, purgedMetric.GetMeasurementSnapshot().Sum(m => m.Value));
    }

    [Fact]
    public async Task The_hosted_service_runs_at_start_and_then_at_each_interval_of_the_hosts_clock()
    {
        var time = new TimerCountingTime(Now, TimeSpan.FromHours(6));
        await using var provider = Build(time, b => b.AddSessionRetention(TimeSpan.FromDays(1), o => o.Interval = TimeSpan.FromHours(6)));
        var traces = provider.GetRequiredService<ITraceStore>();
        await SeedAsync(traces, "bot", ("two-days", -2, true), ("twenty-hours", -20.0 / 24, true));
        var service = Assert.Single(provider.GetServices<IHostedService>().OfType<SessionRetention>());

        await service.StartAsync(CancellationToken.None);
        try
        {
            await EventuallyAsync(async () => await traces.GetSessionAsync("two-days") is null);
            Assert.NotNull(await traces.GetSessionAsync("twenty-hours"));

            // The run's purge is seen before its loop starts the wait for the next one; the clock must not move before that
            // wait is on it, or the wait would start five hours late (this failed under load, waiting out its limit).
            await EventuallyAsync(() => Task.FromResult(time.IntervalTimers == 1));

            // Five hours on, no run yet; six hours on, the second run purges the session now 26 hours old.
            time.Advance(TimeSpan.FromHours(5));
            await Task.Delay(100);
            Assert.NotNull(await traces.GetSessionAsync("twenty-hours"));
            time.Advance(TimeSpan.FromHours(1));
            await EventuallyAsync(async () => await traces.GetSessionAsync("twenty-hours") is null);
        }
        finally
        {
            await service.StopAsync(CancellationToken.None);
        }
    }

    [Theory]
    [InlineData(0, 1, null, "SessionRetentionOptions.MaxAge")]
    [InlineData(-1, 1, null, "SessionRetentionOptions.MaxAge")]
    [InlineData(30, 0, null, "SessionRetentionOptions.Interval")]
    [InlineData(30, 1, 0.0, "SessionRetentionOptions.AbandonRunningAfter")]
    public async Task A_bad_setting_fails_the_hosts_start_naming_the_option(int maxAgeDays, int intervalHours, double? abandonHours, string named)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        builder.Services.AddDreamingAgents().UseInMemoryStore().AddSessionRetention(TimeSpan.FromDays(maxAgeDays), o =>
        {
            o.Interval = TimeSpan.FromHours(intervalHours);
            o.AbandonRunningAfter = abandonHours is { } h ? TimeSpan.FromHours(h) : null;
        });
        using var host = builder.Build();

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());

        Assert.Contains(named, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Sessions_no_dream_of_a_scheduled_scope_has_read_are_kept_until_a_dream_reads_them()
    {
        var time = new FakeTimeProvider(Now);
        await using var provider = Build(time, b => b
            .AddDreamSchedule("bot", cron: null, afterNewSessions: 10, request: new DreamRunRequest { Scope = MemoryScope.Agent("bot"), MaxSessions = 10, MinSessions = 10 })
            .AddSessionRetention(TimeSpan.FromDays(30)));
        var traces = provider.GetRequiredService<ITraceStore>();

        // Twenty graded sessions of the scheduled agent, 60 to 41 days old, an ungraded one before them and another agent's.
        await SeedAsync(traces, "bot", [.. Enumerable.Range(0, 20).Select(i => ($"bot-{i:D2}", -60.0 + i, true))]);
        await SeedAsync(traces, "bot", ("ungraded", -70, false));
        await SeedAsync(traces, "other", ("other-old", -65, true));
        var retention = provider.GetRequiredService<SessionRetention>();

        // No dream yet: the oldest graded session of bot holds the cut-off; only what started before it goes.
        var first = await retention.RunOnceAsync();
        Assert.Equal("bot-00", first.HeldBy);
        Assert.Equal(MemoryScope.Agent("bot"), first.HeldFor);
        Assert.Equal(2, first.Purged);
        Assert.Null(await traces.GetSessionAsync("ungraded"));
        Assert.Null(await traces.GetSessionAsync("other-old"));

        // A dream reads the ten oldest: they go, the ten it has not read stay.
        var run = await provider.GetRequiredService<IDreamConsolidator>().DreamAsync(new DreamRunRequest { Scope = MemoryScope.Agent("bot"), MaxSessions = 10, MinSessions = 10 });
        Assert.Equal(DreamRunStatus.Completed, run.Status);
        var second = await retention.RunOnceAsync();
        Assert.Equal("bot-10", second.HeldBy);
        Assert.Equal(10, second.Purged);
        Assert.Equal(10, (await traces.QuerySessionsAsync(new SessionQuery())).Items.Count);

        // The next dream reads the rest; then all of them are past the maximum age and read.
        Assert.Equal(DreamRunStatus.Completed, (await provider.GetRequiredService<IDreamConsolidator>().DreamAsync(new DreamRunRequest { Scope = MemoryScope.Agent("bot"), MaxSessions = 10, MinSessions = 10 })).Status);
        var third = await retention.RunOnceAsync();
        Assert.Null(third.HeldBy);
        Assert.Equal(10, third.Purged);
    }

    [Fact]
    public async Task A_scheduled_dream_with_a_lookback_longer_than_the_maximum_age_keeps_the_sessions_it_mines_again()
    {
        var time = new FakeTimeProvider(Now);
        var request = new DreamRunRequest { Scope = MemoryScope.Agent("bot"), MinSessions = 1, Lookback = TimeSpan.FromDays(60) };
        await using var provider = Build(time, b => b
            .AddDreamSchedule("bot", cron: null, afterNewSessions: 1, request: request)
            .AddSessionRetention(TimeSpan.FromDays(30)));
        var traces = provider.GetRequiredService<ITraceStore>();
        await SeedAsync(traces, "bot", ("read-70", -70, true), ("read-50", -50, true), ("read-40", -40, true));
        Assert.Equal(DreamRunStatus.Completed, (await provider.GetRequiredService<IDreamConsolidator>().DreamAsync(request)).Status);

        var result = await provider.GetRequiredService<SessionRetention>().RunOnceAsync();

        // All three are read; the next scheduled dream mines again those that started within its 60-day lookback.
        Assert.Equal(Now.AddDays(-60), result.CutOff);
        Assert.Equal(1, result.Purged);
        Assert.Null(await traces.GetSessionAsync("read-70"));
        Assert.NotNull(await traces.GetSessionAsync("read-50"));
        Assert.NotNull(await traces.GetSessionAsync("read-40"));

        // Purging by age alone ignores it too.
        var ageAlone = new SessionRetention(new SessionRetentionOptions { MaxAge = TimeSpan.FromDays(30), KeepUnreadSessions = false }, traces, null, provider.GetServices<DreamSchedule>(), time);
        Assert.Equal(2, (await ageAlone.RunOnceAsync()).Purged);
    }

    [Fact]
    public async Task A_quiet_scope_whose_dreams_find_fewer_than_MinSessions_holds_the_cut_off_for_every_scope()
    {
        var time = new FakeTimeProvider(Now);
        var request = new DreamRunRequest { Scope = MemoryScope.Agent("quiet"), MinSessions = 10 };
        await using var provider = Build(time, b => b
            .AddDreamSchedule("quiet", cron: null, afterNewSessions: 10, request: request)
            .AddSessionRetention(TimeSpan.FromDays(30)));
        var traces = provider.GetRequiredService<ITraceStore>();
        await SeedAsync(traces, "quiet", ("quiet-1", -45, true), ("quiet-2", -44, true), ("quiet-3", -43, true));
        await SeedAsync(traces, "busy", ("busy-older", -50, true), ("busy-newer", -40, true));
        var dream = await provider.GetRequiredService<IDreamConsolidator>().DreamAsync(request);
        Assert.Equal(DreamRunStatus.Completed, dream.Status);
        Assert.Contains("not enough sessions", dream.Results.Note, StringComparison.Ordinal);

        var result = await provider.GetRequiredService<SessionRetention>().RunOnceAsync();

        Assert.Equal("quiet-1", result.HeldBy);
        Assert.Equal(1, result.Purged);
        Assert.Null(await traces.GetSessionAsync("busy-older"));
        Assert.NotNull(await traces.GetSessionAsync("busy-newer"));
    }

    [Fact]
    public async Task Without_keeping_unread_sessions_or_a_scope_to_keep_them_for_it_purges_by_age_alone()
    {
        var time = new FakeTimeProvider(Now);
        await using var provider = Build(time, b => b
            .AddDreamSchedule("bot", cron: null, afterNewSessions: 10)
            .AddSessionRetention(TimeSpan.FromDays(30), o => o.KeepUnreadSessions = false));
        var traces = provider.GetRequiredService<ITraceStore>();
        await SeedAsync(traces, "bot", ("unread-old", -40, true));

        var result = await provider.GetRequiredService<SessionRetention>().RunOnceAsync();

        Assert.Equal(1, result.Purged);
        Assert.Null(result.HeldBy);
    }

    [Fact]
    public async Task A_scope_dreamt_outside_the_host_is_named_in_DreamScopes_and_its_unread_sessions_are_kept()
    {
        var time = new FakeTimeProvider(Now);
        await using var provider = Build(time, b => b.AddSessionRetention(TimeSpan.FromDays(30), o => o.DreamScopes.Add(MemoryScope.Team("billing"))));
        var traces = provider.GetRequiredService<ITraceStore>();
        await SeedAsync(traces, "bot", ("unscoped-old", -50, true));
        await SeedAsync(traces, "bot", "billing", ("billing-old", -40, true));

        var retention = provider.GetRequiredService<SessionRetention>();
        var preview = await retention.PreviewAsync();
        var result = await retention.RunOnceAsync();

        Assert.Equal(1, preview.Purged);
        Assert.Equal("billing-old", preview.HeldBy);
        Assert.Equal(result with { Purged = preview.Purged }, preview);
        Assert.Equal(1, result.Purged);
        Assert.Null(await traces.GetSessionAsync("unscoped-old"));
        Assert.NotNull(await traces.GetSessionAsync("billing-old"));
    }

    [Fact]
    public async Task With_AbandonRunningAfter_sessions_left_running_are_ended_then_purged_in_their_turn()
    {
        var time = new FakeTimeProvider(Now);
        await using var provider = Build(time, b => b.AddSessionRetention(TimeSpan.FromDays(30), o =>
        {
            o.AbandonRunningAfter = TimeSpan.FromHours(6);
            o.KeepUnreadSessions = false;
        }));
        var traces = provider.GetRequiredService<ITraceStore>();
        await traces.WriteAsync(new TraceWriteBatch(
            [
                new SessionRecord { Id = "crashed-long-ago", AgentId = "bot", Task = "t", StartedAt = Now.AddDays(-40) },
                new SessionRecord { Id = "crashed-yesterday", AgentId = "bot", Task = "t", StartedAt = Now.AddDays(-1) },
                new SessionRecord { Id = "live", AgentId = "bot", Task = "t", StartedAt = Now.AddHours(-1) },
            ],
            []));

        var result = await provider.GetRequiredService<SessionRetention>().RunOnceAsync();

        Assert.Equal(2, result.Abandoned);
        Assert.Equal(1, result.Purged);
        Assert.Null(await traces.GetSessionAsync("crashed-long-ago"));
        Assert.Equal(SessionStatus.Abandoned, (await traces.GetSessionAsync("crashed-yesterday"))!.Status);
        Assert.Equal(SessionStatus.Running, (await traces.GetSessionAsync("live"))!.Status);
    }

    [Fact]
    public async Task A_canceled_run_throws_and_purges_nothing()
    {
        var time = new FakeTimeProvider(Now);
        await using var provider = Build(time, b => b.AddSessionRetention(TimeSpan.FromDays(30)));
        var traces = provider.GetRequiredService<ITraceStore>();
        await SeedAsync(traces, "bot", ("old", -40, true));

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => provider.GetRequiredService<SessionRetention>().RunOnceAsync(new CancellationToken(canceled: true)));

        Assert.NotNull(await traces.GetSessionAsync("old"));
    }

    [Fact]
    public async Task A_failing_run_makes_the_health_check_degraded_until_a_run_goes_through()
    {
        var time = new FakeTimeProvider(Now);
        var failing = true;
        var traces = Substitute.For<ITraceStore>();
        traces.PurgeAsync(default, default).ReturnsForAnyArgs(call => call.ArgAt<CancellationToken>(1).IsCancellationRequested
            ? Task.FromCanceled<int>(call.ArgAt<CancellationToken>(1))
            : Volatile.Read(ref failing) ? Task.FromException<int>(new IOException("disk I/O error on /data/dreaming.db")) : Task.FromResult(0));
        var services = new ServiceCollection();
        services.AddSingleton<TimeProvider>(time);
        services.AddDreamingAgents().UseTraceStore(_ => traces).AddSessionRetention(TimeSpan.FromDays(30));
        await using var provider = services.BuildServiceProvider();
        var retention = provider.GetRequiredService<SessionRetention>();
        var check = provider.GetRequiredService<DreamingHealthCheck>();

        var before = await check.CheckHealthAsync(new HealthCheckContext());
        Assert.Equal((HealthStatus.Healthy, "The trace writer and session retention are working."), (before.Status, before.Description));

        await Assert.ThrowsAsync<IOException>(() => retention.RunOnceAsync());
        time.Advance(TimeSpan.FromHours(1));
        await Assert.ThrowsAsync<IOException>(() => retention.RunOnceAsync());
        var failed = await check.CheckHealthAsync(new HealthCheckContext());
        Assert.Equal(HealthStatus.Degraded, failed.Status);
        Assert.Equal(
            $"Session retention has failed since {Now:O}, last at {Now.AddHours(1):O}, and no run has gone through since: System.IO.IOException: disk I/O error on /data/dreaming.db.",
            failed.Description);
        Assert.Equal(Now, failed.Data["retention.failing_since"]);

        // A canceled run is no failure and changes nothing; a run that goes through heals the check.
        using var canceled = new CancellationTokenSource();
        await canceled.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => retention.RunOnceAsync(canceled.Token));
        Assert.Equal(HealthStatus.Degraded, (await check.CheckHealthAsync(new HealthCheckContext())).Status);
        Volatile.Write(ref failing, false);
        await retention.RunOnceAsync();
        var healed = await check.CheckHealthAsync(new HealthCheckContext());
        Assert.Equal((HealthStatus.Healthy, "The trace writer and session retention are working."), (healed.Status, healed.Description));
        Assert.False(healed.Data.ContainsKey("retention.last_failure"));
    }

    private static ServiceProvider Build(FakeTimeProvider time, Action<IDreamingBuilder> configure)
    {
        var services = new ServiceCollection();
        services.AddSingleton<TimeProvider>(time);
        configure(services.AddDreamingAgents().UseInMemoryStore());
        return services.BuildServiceProvider();
    }

    private static Task SeedAsync(ITraceStore traces, string agent, params (string Id, double DaysAgo, bool Graded)[] sessions) =>
        SeedAsync(traces, agent, null, sessions);

    private static async Task SeedAsync(ITraceStore traces, string agent, string? scope, params (string Id, double DaysAgo, bool Graded)[] sessions) =>
        await traces.ImportAsync(sessions.Select(s => new SessionWithEvents(
            new SessionRecord
            {
                Id = s.Id,
                AgentId = agent,
                Scope = scope,
                Task = "t",
                Status = SessionStatus.Completed,
                StartedAt = Now.AddDays(s.DaysAgo),
                EndedAt = Now.AddDays(s.DaysAgo).AddMinutes(1),
                Outcome = s.Graded ? SessionOutcome.Succeeded() : null,
            },
            [new MessageEvent { SessionId = s.Id, Sequence = 1, Timestamp = Now.AddDays(s.DaysAgo), Role = "user", Text = "hello" }])).ToList());

    private static async Task EventuallyAsync(Func<Task<bool>> condition)
    {
        for (var i = 0; i < 1200; i++)
        {
            if (await condition())
            {
                return;
            }

            await Task.Delay(25);
        }

        Assert.Fail("The condition did not become true within 30 s.");
    }

    /// <summary>A fake clock that counts the timers started for a given wait (the retention loop's interval).</summary>
    private sealed class TimerCountingTime(DateTimeOffset start, TimeSpan interval) : FakeTimeProvider(start)
    {
        private int _intervalTimers;

        public int IntervalTimers => Volatile.Read(ref _intervalTimers);

        public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
        {
            var timer = base.CreateTimer(callback, state, dueTime, period);
            if (dueTime == interval)
            {
                Interlocked.Increment(ref _intervalTimers);
            }

            return timer;
        }
    }
}
