using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using NSubstitute;

namespace Dreaming.Tests.Health;

/// <summary>The health check of the background work, registered as docs/tracing.md shows.</summary>
// Its full-queue test drops events as 'queue_full', which the backpressure tests count process-wide.
[Collection(QueueFullDropTests.QueueFullDrops)]
public sealed partial class DreamingHealthCheckTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task A_store_that_fails_after_start_makes_the_check_unhealthy_naming_the_failure_and_a_store_that_works_again_heals_it()
    {
        var failing = true;
        var store = new HookedTraceStore
        {
            BeforeWrite = (_, _) => Volatile.Read(ref failing)
                ? throw new IOException("No space left on device writing with key sk-proj-AbCdEf0123456789xyzXYZ")
                : Task.CompletedTask,
        };
        await using var provider = Provider(services => services.AddSingleton<ITraceStore>(store));
        var health = provider.GetRequiredService<HealthCheckService>();
        var writer = provider.GetRequiredService<TraceWriter>();
        var fresh = (await health.CheckHealthAsync()).Entries["dreaming"];
        Assert.Equal((HealthStatus.Healthy, "The trace writer is working."), (fresh.Status, fresh.Description));

        await using (var lost = provider.GetRequiredService<IAgentSessionFactory>().StartSession("agent", "lost"))
        {
            await lost.RecordAsync(new NoteEvent { Text = "n" });
            await writer.FlushAsync(CancellationToken.None).WaitAsync(Patience);

            var entry = (await health.CheckHealthAsync()).Entries["dreaming"];
            Assert.Equal(HealthStatus.Unhealthy, entry.Status);
            Assert.Contains("last write to the trace store failed", entry.Description, StringComparison.Ordinal);
            Assert.Contains("System.IO.IOException: No space left on device", entry.Description, StringComparison.Ordinal);
            Assert.DoesNotContain("sk-proj", entry.Description, StringComparison.Ordinal);
            Assert.Contains("[REDACTED:api-key]", (string)entry.Data["trace.last_failure"], StringComparison.Ordinal);
            Assert.Equal(1L, entry.Data["trace.sessions_lost"]);
            Assert.Equal(1L, entry.Data["trace.events_lost"]);
            Assert.True((long)entry.Data["trace.write_failures"] >= 1);
        }

        // The writer goes on with the next batch: once the store takes one, the check is healthy again, and the data keep
        // what was lost.
        Volatile.Write(ref failing, false);
        await using (var next = provider.GetRequiredService<IAgentSessionFactory>().StartSession("agent", "kept"))
        {
            await next.RecordAsync(new NoteEvent { Text = "n" });
            await writer.FlushAsync(CancellationToken.None).WaitAsync(Patience);
        }

        var healed = (await health.CheckHealthAsync()).Entries["dreaming"];
        Assert.Equal(HealthStatus.Healthy, healed.Status);
        Assert.Equal(1L, healed.Data["trace.sessions_lost"]);
        Assert.True(healed.Data.ContainsKey("trace.last_failure_at"));
        Assert.True(healed.Data.ContainsKey("trace.last_write_at"));
    }

    [Fact]
    public async Task A_stopped_writer_is_unhealthy_with_the_registrations_failure_status()
    {
        await using var provider = Provider(_ => { });
        await provider.GetRequiredService<TraceWriter>().DisposeAsync();

        var check = provider.GetRequiredService<DreamingHealthCheck>();
        var registration = new HealthCheckRegistration("dreaming", check, HealthStatus.Degraded, null);
        var result = await check.CheckHealthAsync(new HealthCheckContext { Registration = registration });

        Assert.Equal(HealthStatus.Degraded, result.Status);
        Assert.Contains("The trace writer has stopped", result.Description, StringComparison.Ordinal);
        Assert.Equal(true, result.Data["trace.writer_stopped"]);
    }

    [Fact]
    public async Task A_queue_near_its_capacity_is_degraded()
    {
        // The store's write waits on a gate rather than blocking a pool thread, which on a loaded machine would starve the
        // writer and the tests running beside this one.
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var store = new HookedTraceStore { BeforeWrite = (_, _) => release.Task };
        await using var provider = Provider(
            services => services.AddSingleton<ITraceStore>(store),
            o =>
            {
                o.Backpressure = BackpressurePolicy.Drop;
                o.WriteQueueCapacity = 10;
                o.WriteBatchSize = 5;
            });
        var health = provider.GetRequiredService<HealthCheckService>();

        // Disposed after the store is released (the finally below), so that its abandonment does not wait on the store.
        await using var session = provider.GetRequiredService<IAgentSessionFactory>().StartSession("agent", "flood");
        try
        {
            for (var i = 0; i < 100; i++)
            {
                await session.RecordAsync(new NoteEvent { Text = "n" + i });
            }

            var entry = (await health.CheckHealthAsync()).Entries["dreaming"];
            Assert.Equal(HealthStatus.Degraded, entry.Status);
            Assert.Contains("The trace writer's queue holds", entry.Description, StringComparison.Ordinal);
            Assert.Equal(10, entry.Data["trace.queue_capacity"]);
        }
        finally
        {
            release.TrySetResult();
        }
    }

    [Fact]
    public async Task A_schedule_whose_check_fails_is_degraded_naming_its_scope_until_a_check_goes_through()
    {
        var failing = true;
        var dreams = Substitute.For<IDreamConsolidator>();
        var runs = Substitute.For<IDreamRunStore>();
        runs.GetLastCompletedAsync(default!, default).ReturnsForAnyArgs(_ => Volatile.Read(ref failing)
            ? Task.FromException<DreamRun?>(new TimeoutException("the run store timed out"))
            : Task.FromResult<DreamRun?>(null));
        var scheduler = new DreamScheduler(
            [new DreamSchedule { Scope = MemoryScope.Agent("support"), AfterNewSessions = 10 }],
            dreams,
            runs,
            new InMemoryTraceStore());
        await using var provider = Provider(services => services.AddSingleton(scheduler));
        var check = provider.GetRequiredService<DreamingHealthCheck>();

        Assert.Empty(await scheduler.RunDueAsync());
        var result = await check.CheckHealthAsync(new HealthCheckContext());
        Assert.Equal(HealthStatus.Degraded, result.Status);
        Assert.Contains("failed for the schedules of agent:support, last at ", result.Description, StringComparison.Ordinal);
        Assert.EndsWith("): System.TimeoutException: the run store timed out.", result.Description, StringComparison.Ordinal);
        Assert.Equal(["agent:support"], (string[])result.Data["dreams.failed_scopes"]);

        Volatile.Write(ref failing, false);
        Assert.Empty(await scheduler.RunDueAsync());
        var healed = await check.CheckHealthAsync(new HealthCheckContext());
        Assert.Equal((HealthStatus.Healthy, "The trace writer and the dream scheduler are working."), (healed.Status, healed.Description));
    }

    [Fact]
    public async Task Resolving_the_check_before_the_host_starts_creates_none_of_the_apps_hosted_services_and_finds_the_scheduler()
    {
        // An app's hosted service: resolving the check must not create it before the host starts it (nor, were it to take
        // the health check, loop back to the check being created, which the container does not detect through a factory).
        await using var provider = Provider(services =>
        {
            services.AddSingleton<CreationCount>();
            services.AddHostedService<AppService>();
            services.AddDreamingAgents().AddDreamSchedule(MemoryScope.Agent("support"), "0 3 * * *", TimeZoneInfo.Utc);
        });
        var count = provider.GetRequiredService<CreationCount>();

        var result = await provider.GetRequiredService<DreamingHealthCheck>().CheckHealthAsync(new HealthCheckContext()).WaitAsync(Patience);

        Assert.Equal((HealthStatus.Healthy, "The trace writer and the dream scheduler are working."), (result.Status, result.Description));
        Assert.Equal(0, count.Value);

        // The host starts the scheduler the check reads.
        var hosted = provider.GetServices<Microsoft.Extensions.Hosting.IHostedService>().ToList();
        Assert.Equal(1, count.Value);
        Assert.Same(provider.GetRequiredService<DreamScheduler>(), Assert.Single(hosted.OfType<DreamScheduler>()));
    }

    [Fact]
    public async Task A_nightly_dream_that_failed_stays_degraded_after_its_schedule_is_no_longer_due_until_a_dream_completes()
    {
        var clock = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(new DateTimeOffset(2026, 11, 25, 2, 0, 0, TimeSpan.Zero));
        var outcomes = new Queue<Func<DreamRunRequest, DreamRun>>(
        [
            _ => throw new InvalidOperationException("the reflector model is down"),
            request => new DreamRun { Id = "dr-2", Request = request, Status = DreamRunStatus.Failed, Error = "the reflector timed out" },
            request => new DreamRun { Id = "dr-3", Request = request, Status = DreamRunStatus.Completed },
        ]);
        var dreams = Substitute.For<IDreamConsolidator>();
        dreams.DreamAsync(Arg.Any<DreamRunRequest>(), Arg.Any<CancellationToken>()).Returns(call => outcomes.Dequeue()(call.Arg<DreamRunRequest>()));
        var scheduler = new DreamScheduler([new DreamSchedule { Scope = MemoryScope.Agent("support"), Cron = "0 3 * * *" }], dreams, new InMemoryDreamRunStore(clock), new InMemoryTraceStore(), clock);
        await using var provider = Provider(services => services.AddSingleton(scheduler));
        var check = provider.GetRequiredService<DreamingHealthCheck>();

        async Task<HealthCheckResult> PollAsync(DateTimeOffset at)
        {
            clock.SetUtcNow(at);
            await scheduler.RunDueAsync();
            return await check.CheckHealthAsync(new HealthCheckContext());
        }

        Assert.Equal(HealthStatus.Healthy, (await PollAsync(new DateTimeOffset(2026, 11, 25, 2, 0, 0, TimeSpan.Zero))).Status);

        // The 03:00 dream throws; at the polls after it the schedule is no longer due, and the failure still stands.
        Assert.Equal(HealthStatus.Degraded, (await PollAsync(new DateTimeOffset(2026, 11, 25, 3, 0, 0, TimeSpan.Zero))).Status);
        var later = await PollAsync(new DateTimeOffset(2026, 11, 25, 3, 1, 0, TimeSpan.Zero));
        Assert.Equal(HealthStatus.Degraded, later.Status);
        Assert.Contains("agent:support, last at 2026-11-25T03:00:00.0000000+00:00", later.Description, StringComparison.Ordinal);
        Assert.EndsWith("System.InvalidOperationException: the reflector model is down.", later.Description, StringComparison.Ordinal);

        // The next night's dream ends failed without throwing: that is a failure too.
        var failed = await PollAsync(new DateTimeOffset(2026, 11, 26, 3, 0, 0, TimeSpan.Zero));
        Assert.Equal(HealthStatus.Degraded, failed.Status);
        Assert.EndsWith("dream run dr-2 failed: the reflector timed out.", failed.Description, StringComparison.Ordinal);
        Assert.Equal(HealthStatus.Degraded, (await PollAsync(new DateTimeOffset(2026, 11, 26, 12, 0, 0, TimeSpan.Zero))).Status);

        // A dream that completes heals it.
        var healed = await PollAsync(new DateTimeOffset(2026, 11, 27, 3, 0, 0, TimeSpan.Zero));
        Assert.Equal((HealthStatus.Healthy, "The trace writer and the dream scheduler are working."), (healed.Status, healed.Description));
    }

    [Fact]
    public async Task The_check_may_run_from_several_threads_at_once()
    {
        await using var provider = Provider(_ => { }, webhooks: o => o.Endpoints.Add(Dreaming.Tests.Webhooks.WebhookPublishingTests.Endpoint("ci")));
        var health = provider.GetRequiredService<HealthCheckService>();

        var reports = await Task.WhenAll(Enumerable.Range(0, 16).Select(_ => Task.Run(() => health.CheckHealthAsync()))).WaitAsync(Patience);

        Assert.All(reports, report => Assert.Equal(HealthStatus.Healthy, report.Entries["dreaming"].Status));
    }

    // The registration docs/tracing.md shows.
    private static ServiceProvider Provider(Action<IServiceCollection> configure, Action<DreamingOptions>? options = null, Action<WebhookOptions>? webhooks = null)
    {
        var services = new ServiceCollection();
        services.AddLogging();
        configure(services);
        var dreaming = services.AddDreamingAgents(options);
        if (webhooks is not null)
        {
            dreaming.AddWebhooks(webhooks);
        }

        services.AddHealthChecks().AddCheck<DreamingHealthCheck>("dreaming");
        return services.BuildServiceProvider();
    }

    private sealed class CreationCount
    {
        public int Value;
    }

    private sealed class AppService : Microsoft.Extensions.Hosting.BackgroundService
    {
        public AppService(CreationCount count) => Interlocked.Increment(ref count.Value);

        protected override Task ExecuteAsync(CancellationToken stoppingToken) => Task.CompletedTask;
    }
}
