using Microsoft.Extensions.Logging.Testing;
using Microsoft.Extensions.Time.Testing;

namespace Dreaming.Tests;

/// <summary>Two app instances (replicas) with the same schedule on one shared store: here two schedulers, each with its own
/// consolidator, over the same trace, memory and run stores, as two processes on one SQLite file are.</summary>
public class DreamSchedulerReplicaTests
{
    private static readonly MemoryScope s_scope = MemoryScope.Agent("bot");

    [Fact]
    public async Task A_cron_occurrence_another_replica_already_dreamt_is_skipped_not_dreamt_twice()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 11, 25, 2, 58, 0, TimeSpan.Zero));
        var replicas = new Replicas(time, new DreamSchedule { Scope = s_scope, Cron = "0 3 * * *", Request = new DreamRunRequest { Scope = s_scope, MinSessions = 1 } });
        await replicas.SeedAsync(10);
        Assert.Empty(await replicas.A.RunDueAsync());
        Assert.Empty(await replicas.B.RunDueAsync());

        // Each replica polls on its own phase: A a few seconds after 03:00, B forty seconds later, once A's dream is over
        // and more sessions have arrived.
        time.Advance(TimeSpan.FromMinutes(2) + TimeSpan.FromSeconds(5));
        var first = Assert.Single(await replicas.A.RunDueAsync());
        Assert.Equal(DreamRunStatus.Completed, first.Status);
        await replicas.SeedAsync(10);
        time.Advance(TimeSpan.FromSeconds(40));

        Assert.Empty(await replicas.B.RunDueAsync());
        Assert.Contains(replicas.LogB.Collector.GetSnapshot(), r => r.Message.Contains(first.Id, StringComparison.Ordinal) && r.Message.Contains("already dreamt", StringComparison.Ordinal));
        Assert.Single(await replicas.Runs.ListAsync(s_scope));

        // The next night B is first: it dreams (over the sessions since A's dream) and A skips.
        time.Advance(TimeSpan.FromDays(1) - TimeSpan.FromSeconds(30));
        var second = Assert.Single(await replicas.B.RunDueAsync());
        Assert.Equal(DreamRunStatus.Completed, second.Status);
        Assert.Equal(10, second.Results.SessionIds.Count);
        time.Advance(TimeSpan.FromSeconds(30));
        Assert.Empty(await replicas.A.RunDueAsync());
        Assert.Equal(2, (await replicas.Runs.ListAsync(s_scope)).Count);
    }

    [Fact]
    public async Task A_cron_occurrence_whose_dream_failed_on_another_replica_is_still_dreamt()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 11, 25, 2, 58, 0, TimeSpan.Zero));
        var replicas = new Replicas(time, new DreamSchedule { Scope = s_scope, Cron = "0 3 * * *", Request = new DreamRunRequest { Scope = s_scope, MinSessions = 1 } });
        await replicas.SeedAsync(10);
        Assert.Empty(await replicas.B.RunDueAsync());
        time.Advance(TimeSpan.FromMinutes(2) + TimeSpan.FromSeconds(5));

        // Another replica's dream of this occurrence that failed (or was refused and recorded canceled) is no reason to skip.
        var failed = await replicas.Runs.CreateAsync(new DreamRunRequest { Scope = s_scope });
        await replicas.Runs.StartAsync(failed.Id, "replica A", TimeSpan.FromMinutes(10));
        await replicas.Runs.FailAsync(failed.Id, "the model was unreachable");
        var canceled = await replicas.Runs.CreateAsync(new DreamRunRequest { Scope = s_scope });
        await replicas.Runs.CancelAsync(canceled.Id);
        time.Advance(TimeSpan.FromSeconds(40));

        var run = Assert.Single(await replicas.B.RunDueAsync());
        Assert.Equal(DreamRunStatus.Completed, run.Status);
    }

    [Fact]
    public async Task A_replica_polling_while_another_dreams_records_no_canceled_run_and_dreams_once_it_ended()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 11, 25, 12, 0, 0, TimeSpan.Zero));
        var schedule = new DreamSchedule { Scope = s_scope, AfterNewSessions = 5, Request = new DreamRunRequest { Scope = s_scope, MinSessions = 5 } };
        var replicas = new Replicas(time, schedule);
        await replicas.SeedAsync(10);

        // Replica A's dream of the scope holds the lease (a refused request would be recorded canceled, and with webhooks
        // raise dream.canceled, at every poll) for a long while (a model writing the lessons).
        var holder = await replicas.Runs.CreateAsync(new DreamRunRequest { Scope = s_scope });
        await replicas.Runs.StartAsync(holder.Id, "replica A", TimeSpan.FromMinutes(10));
        for (var minute = 0; minute < 8; minute++)
        {
            Assert.Empty(await replicas.B.RunDueAsync());
            time.Advance(TimeSpan.FromMinutes(1));
        }

        Assert.Equal([holder.Id], (await replicas.Runs.ListAsync(s_scope)).Select(r => r.Id));
        Assert.Contains(replicas.LogB.Collector.GetSnapshot(), r => r.Message.Contains(holder.Id, StringComparison.Ordinal) && r.Message.Contains("already running", StringComparison.Ordinal));

        // Once A's dream has ended (here its process died and the lease ran out), B dreams.
        time.Advance(TimeSpan.FromMinutes(3));
        var run = Assert.Single(await replicas.B.RunDueAsync());
        Assert.Equal(DreamRunStatus.Completed, run.Status);
        Assert.Equal(DreamRunStatus.Failed, (await replicas.Runs.GetAsync(holder.Id))!.Status);
    }

    [Fact]
    public async Task A_lease_that_ran_out_while_an_earlier_schedule_dreamt_in_the_same_poll_does_not_skip_the_occurrence()
    {
        // A replica that died while dreaming scope "other" left its lease to run out at 03:05. This instance's first
        // schedule dreams its own scope from 03:00:05 until 03:15; its second, of "other", is checked after that, when the
        // lease has long run out: the dead replica's run is no reason to skip the occurrence (it would be lost until
        // the next night).
        var other = MemoryScope.Agent("other");
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 11, 25, 2, 58, 0, TimeSpan.Zero));
        var traces = new InMemoryTraceStore();
        var runs = new InMemoryDreamRunStore(time);
        var dreams = new SlowDreams(new DreamConsolidator(traces, new InMemoryMemoryStore(time), runs, time), time, s_scope, TimeSpan.FromMinutes(15));
        var log = new FakeLogger<DreamScheduler>();
        var scheduler = new DreamScheduler(
            [new DreamSchedule { Scope = s_scope, Cron = "0 3 * * *" }, new DreamSchedule { Scope = other, Cron = "0 3 * * *" }],
            dreams, runs, traces, time, log);
        Assert.Empty(await scheduler.RunDueAsync());
        var dead = await runs.CreateAsync(new DreamRunRequest { Scope = other });
        await runs.StartAsync(dead.Id, "replica that died", TimeSpan.FromMinutes(7));

        time.Advance(TimeSpan.FromMinutes(2) + TimeSpan.FromSeconds(5));
        var started = await scheduler.RunDueAsync();

        Assert.Equal([s_scope, other], started.Select(r => r.Scope));
        Assert.DoesNotContain(log.Collector.GetSnapshot(), r => r.Message.Contains("already running", StringComparison.Ordinal));
    }

    // Dreams of one scope take a while (on the fake clock).
    private sealed class SlowDreams(IDreamConsolidator inner, FakeTimeProvider time, MemoryScope slow, TimeSpan duration) : IDreamConsolidator
    {
        public async Task<DreamRun> DreamAsync(DreamRunRequest request, CancellationToken cancellationToken = default)
        {
            var run = await inner.DreamAsync(request, cancellationToken);
            if (request.Scope == slow)
            {
                time.Advance(duration);
            }

            return run;
        }
    }

    private sealed class Replicas
    {
        private int _seeded;

        public Replicas(FakeTimeProvider time, DreamSchedule schedule)
        {
            Time = time;
            Runs = new InMemoryDreamRunStore(time);
            Memory = new InMemoryMemoryStore(time);
            A = new DreamScheduler([schedule], new DreamConsolidator(Traces, Memory, Runs, time), Runs, Traces, time, LogA);
            B = new DreamScheduler([schedule], new DreamConsolidator(Traces, Memory, Runs, time), Runs, Traces, time, LogB);
        }

        public FakeTimeProvider Time { get; }

        public InMemoryTraceStore Traces { get; } = new();

        public InMemoryDreamRunStore Runs { get; }

        public InMemoryMemoryStore Memory { get; }

        public FakeLogger<DreamScheduler> LogA { get; } = new();

        public FakeLogger<DreamScheduler> LogB { get; } = new();

        public DreamScheduler A { get; }

        public DreamScheduler B { get; }

        public async Task SeedAsync(int count)
        {
            var now = Time.GetUtcNow();
            var first = _seeded;
            _seeded += count;
            await Traces.ImportAsync(Enumerable.Range(first, count).Select(i => new SessionWithEvents(
                new SessionRecord
                {
                    Id = $"s{i:D3}",
                    AgentId = "bot",
                    Task = "t",
                    Status = SessionStatus.Completed,
                    StartedAt = now.AddSeconds(-20 + (i - first)),
                    EndedAt = now.AddSeconds(-10 + (i - first) / 10.0),
                    Outcome = i % 2 == 0 ? SessionOutcome.Failed() : SessionOutcome.Succeeded(),
                },
                [
                    new ToolCallEvent { SessionId = $"s{i:D3}", Sequence = 1, CallId = "c", ToolName = "refund", Arguments = "{}" },
                    new ToolResultEvent { SessionId = $"s{i:D3}", Sequence = 2, CallId = "c", ToolName = "refund", IsError = i % 2 == 0, Result = i % 2 == 0 ? "Error: amount too high" : "ok" },
                ])).ToList());
        }
    }
}
