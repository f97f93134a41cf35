using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Testing;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Time.Testing;

namespace Dreaming.Tests;

public class DreamSchedulerTests
{
    private static readonly MemoryScope s_scope = MemoryScope.Agent("bot");

    [Fact]
    public async Task A_cron_schedule_dreams_once_per_occurrence_in_its_time_zone()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 11, 25, 2, 58, 0, TimeSpan.Zero));
        var (scheduler, runs) = Create(time, new DreamSchedule { Scope = s_scope, Cron = "0 3 * * *" });

        Assert.Empty(await scheduler.RunDueAsync());
        time.Advance(TimeSpan.FromMinutes(2.5));
        var started = Assert.Single(await scheduler.RunDueAsync());
        Assert.Equal(DreamRunStatus.Completed, started.Status);
        time.Advance(TimeSpan.FromMinutes(1));
        Assert.Empty(await scheduler.RunDueAsync());
        time.Advance(TimeSpan.FromDays(1));
        Assert.Single(await scheduler.RunDueAsync());
        Assert.Equal(2, (await runs.ListAsync(s_scope)).Count);
    }

    [Fact]
    public async Task Two_cron_schedules_of_one_scope_each_fire_at_their_own_times()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 11, 25, 2, 0, 0, TimeSpan.Zero));
        var traces = new InMemoryTraceStore();
        var runs = new InMemoryDreamRunStore(time);
        var dreams = new DreamConsolidator(traces, new InMemoryMemoryStore(time), runs, time);
        var scheduler = new DreamScheduler(
            [new DreamSchedule { Scope = s_scope, Cron = "0 3 * * *" }, new DreamSchedule { Scope = s_scope, Cron = "0 15 * * *" }],
            dreams, runs, traces, time);

        var fired = new List<DateTimeOffset>();
        for (var minute = 0; minute < 24 * 60; minute++)
        {
            foreach (var run in await scheduler.RunDueAsync())
            {
                fired.Add(run.RequestedAt);
            }

            time.Advance(TimeSpan.FromMinutes(1));
        }

        Assert.Equal([3, 15], fired.Select(t => t.Hour));
    }

    [Fact]
    public async Task Two_cron_schedules_of_one_scope_due_at_the_same_time_both_dream_in_one_instance()
    {
        // A daily dream and a weekly deeper one, both at 03:00: on Sunday the weekly one is not skipped because the daily
        // one (this instance's own, not another replica's or a hand-started one) has just dreamt the scope.
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 11, 29, 2, 58, 0, TimeSpan.Zero));
        var traces = new InMemoryTraceStore();
        var runs = new InMemoryDreamRunStore(time);
        var dreams = new DreamConsolidator(traces, new InMemoryMemoryStore(time), runs, time);
        var scheduler = new DreamScheduler(
            [
                new DreamSchedule { Scope = s_scope, Cron = "0 3 * * *" },
                new DreamSchedule { Scope = s_scope, Cron = "0 3 * * 0", Request = new DreamRunRequest { Scope = s_scope, MaxSessions = 500 } },
            ],
            dreams, runs, traces, time);

        Assert.Empty(await scheduler.RunDueAsync());
        time.Advance(TimeSpan.FromMinutes(2.5));
        var started = await scheduler.RunDueAsync();

        Assert.Equal(2, started.Count);
        Assert.All(started, r => Assert.Equal(DreamRunStatus.Completed, r.Status));
        Assert.Equal([500, DreamRunRequest.DefaultMaxSessions], (await runs.ListAsync(s_scope)).Select(r => r.Request.MaxSessions));
    }

    [Fact]
    public async Task A_count_schedule_dreams_when_enough_new_sessions_arrived_since_the_last_dream()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 11, 25, 12, 0, 0, TimeSpan.Zero));
        var traces = new InMemoryTraceStore();
        var (scheduler, _) = Create(time, new DreamSchedule { Scope = s_scope, AfterNewSessions = 5, Request = new DreamRunRequest { Scope = s_scope, MinSessions = 5 } }, traces);

        await SeedAsync(traces, 0, 4, time);
        Assert.Empty(await scheduler.RunDueAsync());
        await SeedAsync(traces, 4, 1, time);
        var run = Assert.Single(await scheduler.RunDueAsync());
        Assert.Equal(5, run.Results.SessionIds.Count);
        Assert.Empty(await scheduler.RunDueAsync());
    }

    [Fact]
    public async Task A_count_schedule_counts_sessions_graded_after_the_last_dream_passed_them()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 11, 25, 12, 0, 0, TimeSpan.Zero));
        var traces = new InMemoryTraceStore();
        var (scheduler, _) = Create(time, new DreamSchedule { Scope = s_scope, AfterNewSessions = 5, Request = new DreamRunRequest { Scope = s_scope, MinSessions = 5 } }, traces);
        await traces.ImportAsync(Enumerable.Range(0, 5).Select(i => new SessionWithEvents(
            new SessionRecord { Id = $"late{i}", AgentId = "bot", Task = "t", Status = SessionStatus.Completed, StartedAt = time.GetUtcNow(), EndedAt = time.GetUtcNow().AddSeconds(1) },
            [])).ToList());
        await SeedAsync(traces, 0, 5, time);
        Assert.Single(await scheduler.RunDueAsync());
        Assert.Empty(await scheduler.RunDueAsync());

        for (var i = 0; i < 5; i++)
        {
            await traces.SetOutcomeAsync($"late{i}", SessionOutcome.Failed());
        }

        var run = Assert.Single(await scheduler.RunDueAsync());
        Assert.Equal(Enumerable.Range(0, 5).Select(i => $"late{i}"), run.Results.SessionIds);
        Assert.Empty(await scheduler.RunDueAsync());
    }

    [Fact]
    public async Task A_due_dream_whose_scope_is_already_dreaming_is_skipped_not_doubled()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 11, 25, 2, 59, 0, TimeSpan.Zero));
        var runs = new InMemoryDreamRunStore(time);
        var (scheduler, _) = Create(time, new DreamSchedule { Scope = s_scope, Cron = "0 3 * * *" }, runs: runs);
        var holder = await runs.CreateAsync(new DreamRunRequest { Scope = s_scope });
        await runs.StartAsync(holder.Id, "another process", TimeSpan.FromHours(1));

        await scheduler.RunDueAsync();
        time.Advance(TimeSpan.FromMinutes(2));

        Assert.Empty(await scheduler.RunDueAsync());
        Assert.Equal(DreamRunStatus.Running, (await runs.GetAsync(holder.Id))!.Status);
    }

    [Fact]
    public async Task A_scheduled_dream_runs_with_its_token_budget_and_a_stop_at_the_budget_is_logged_with_the_reason()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 11, 25, 12, 0, 0, TimeSpan.Zero));
        var traces = new InMemoryTraceStore();
        var runs = new InMemoryDreamRunStore(time);
        var model = new FakeChatClient
        {
            GetResponseAsyncCallback = (_, _, _) => Task.FromResult(new ChatResponse(new ChatMessage(ChatRole.Assistant, """{"lessons":[]}""")) { Usage = new UsageDetails { InputTokenCount = 700, OutputTokenCount = 300 } }),
        };
        var dreams = new DreamConsolidator(traces, new InMemoryMemoryStore(time), runs, time, reflector: new ModelReflector(model));
        var logger = new FakeLogger<DreamScheduler>();
        var schedule = new DreamSchedule { Scope = s_scope, AfterNewSessions = 10, Request = new DreamRunRequest { Scope = s_scope, TokenBudget = 1000 } };
        var scheduler = new DreamScheduler([schedule], dreams, runs, traces, time, logger);
        await traces.ImportAsync(Enumerable.Range(0, 10).Select(i => new SessionWithEvents(
            new SessionRecord { Id = $"s{i:D3}", AgentId = "bot", Task = "t", Status = SessionStatus.Completed, StartedAt = time.GetUtcNow(), EndedAt = time.GetUtcNow().AddSeconds(i + 1), Outcome = i < 6 ? SessionOutcome.Failed() : SessionOutcome.Succeeded() },
            [
                new ToolCallEvent { SessionId = $"s{i:D3}", Sequence = 1, CallId = "c", ToolName = "refund", Arguments = "{}" },
                new ToolResultEvent { SessionId = $"s{i:D3}", Sequence = 2, CallId = "c", ToolName = "refund", IsError = i < 6, Result = i < 6 ? "Error: amount too high" : "ok" },
            ])).ToList());

        var run = Assert.Single(await scheduler.RunDueAsync());

        Assert.Equal(1000, run.Request.TokenBudget);
        Assert.Equal(DreamRunStatus.Completed, run.Status);
        Assert.True(run.Results.BudgetReached);
        Assert.Contains(logger.Collector.GetSnapshot(), r => r.Message.Contains("stopped at its token budget", StringComparison.Ordinal) && r.Message.Contains("token budget reached", StringComparison.Ordinal));
    }

    [Fact]
    public void A_schedule_with_an_invalid_token_budget_is_refused_at_registration()
    {
        var services = new ServiceCollection();
        var ex = Assert.Throws<ArgumentOutOfRangeException>(() => services.AddDreamingAgents().AddDreamSchedule("bot", "0 3 * * *", request: new DreamRunRequest { Scope = s_scope, TokenBudget = 0 }));
        Assert.Equal("TokenBudget", ex.ParamName);
    }

    [Theory]
    [InlineData("not a cron", null, "DreamSchedule.Cron")]
    [InlineData("0 3 * *", null, "DreamSchedule.Cron")]
    [InlineData(null, 0, "DreamSchedule.AfterNewSessions")]
    [InlineData(null, 5, "below the request's MinSessions (10)")]
    [InlineData(null, null, "DreamSchedule.Cron, DreamSchedule.AfterNewSessions")]
    public void Bad_schedules_are_refused_at_registration_naming_the_setting(string? cron, int? after, string expected)
    {
        var services = new ServiceCollection();
        var ex = Assert.Throws<ArgumentException>(() => services.AddDreamingAgents().AddDreamSchedule("bot", cron, afterNewSessions: after));
        Assert.Contains(expected, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_hosted_service_starts_and_stops_cleanly()
    {
        var services = new ServiceCollection();
        services.AddDreamingAgents().UseInMemoryStore().AddDreamSchedule("bot", "*/5 * * * *");
        await using var provider = services.BuildServiceProvider();
        var hosted = Assert.Single(provider.GetServices<IHostedService>());
        Assert.IsType<DreamScheduler>(hosted);
        await hosted.StartAsync(CancellationToken.None);
        await hosted.StopAsync(CancellationToken.None);
    }

    private static (DreamScheduler Scheduler, IDreamRunStore Runs) Create(FakeTimeProvider time, DreamSchedule schedule, InMemoryTraceStore? traces = null, IDreamRunStore? runs = null)
    {
        traces ??= new InMemoryTraceStore();
        runs ??= new InMemoryDreamRunStore(time);
        var dreams = new DreamConsolidator(traces, new InMemoryMemoryStore(time), runs, time);
        return (new DreamScheduler([schedule], dreams, runs, traces, time), runs);
    }

    private static async Task SeedAsync(InMemoryTraceStore traces, int first, int count, TimeProvider time)
    {
        var now = time.GetUtcNow();
        await traces.ImportAsync(Enumerable.Range(first, count).Select(i => new SessionWithEvents(
            new SessionRecord
            {
                Id = $"s{i:D3}",
                AgentId = "bot",
                Task = "t",
                Status = SessionStatus.Completed,
                StartedAt = now.AddMinutes(i),
                EndedAt = now.AddMinutes(i).AddSeconds(10),
                Outcome = SessionOutcome.Succeeded(),
            },
            [])).ToList());
    }
}
