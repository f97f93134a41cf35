using Microsoft.Extensions.Time.Testing;
using NSubstitute;

namespace Dreaming.Tests;

/// <summary>What a poll of the scheduler asks the stores for, when no dream is due: a count schedule lists its scope's
/// runs (to know what earlier dreams read) only when a dream completed since the last poll.</summary>
public class DreamSchedulerStoreCallsTests
{
    private static readonly DateTimeOffset s_start = new(2026, 11, 1, 0, 0, 0, TimeSpan.Zero);
    private static readonly MemoryScope s_scope = MemoryScope.Agent("bot");

    [Fact]
    public async Task A_run_requested_earlier_that_completed_last_does_not_make_every_poll_list_the_runs()
    {
        // Run A is requested first, run B second; B completes, then A (two hosts, a slow dream, a manual dream): the newest
        // completed run in the list's order (B) is not the run that completed last (A). The history is loaded once.
        var clock = new FakeTimeProvider(s_start);
        var runs = new CountingRunStore(new InMemoryDreamRunStore(clock));
        var a = await runs.CreateAsync(new DreamRunRequest { Scope = s_scope });
        clock.Advance(TimeSpan.FromSeconds(1));
        var b = await runs.CreateAsync(new DreamRunRequest { Scope = s_scope });
        await runs.StartAsync(b.Id, "host-2", TimeSpan.FromMinutes(5));
        clock.Advance(TimeSpan.FromSeconds(1));
        await runs.CompleteAsync(b.Id, Mined("s1", 1));
        await runs.StartAsync(a.Id, "host-1", TimeSpan.FromMinutes(5));
        clock.Advance(TimeSpan.FromSeconds(1));
        await runs.CompleteAsync(a.Id, Mined("s2", 2));
        Assert.Equal(a.Id, (await runs.GetLastCompletedAsync(s_scope))!.Id);
        Assert.Equal(b.Id, (await runs.ListAsync(s_scope)).First(r => r.Status == DreamRunStatus.Completed).Id);

        var traces = new InMemoryTraceStore();
        await traces.ImportAsync([Session("s1", 1), Session("s2", 2), Session("s3", 3)]);
        var scheduler = new DreamScheduler([Schedule(5)], Substitute.For<IDreamConsolidator>(), runs, traces, clock);

        runs.HistoryLists = 0;
        for (var poll = 0; poll < 5; poll++)
        {
            Assert.Empty(await scheduler.RunDueAsync());
            clock.Advance(TimeSpan.FromMinutes(1));
        }

        Assert.Equal(1, runs.HistoryLists);

        // A dream that completes since is seen at the next poll: the history is loaded again, once.
        var c = await runs.CreateAsync(new DreamRunRequest { Scope = s_scope });
        await runs.StartAsync(c.Id, "host-1", TimeSpan.FromMinutes(5));
        await runs.CompleteAsync(c.Id, Mined("s3", 3));
        for (var poll = 0; poll < 3; poll++)
        {
            Assert.Empty(await scheduler.RunDueAsync());
        }

        Assert.Equal(2, runs.HistoryLists);
    }

    [Fact]
    public async Task A_poll_with_nothing_due_asks_each_count_schedule_for_its_last_run_and_one_page_and_a_cron_schedule_for_nothing()
    {
        // Three count schedules (an agent, a team, global), each scope with a completed dream, and a nightly cron schedule:
        // after the first poll (which loads each scope's read history, and the cron schedule's look for a killed dream),
        // a poll asks each count schedule's store for its last completed run and one page of sessions, and no more.
        var clock = new FakeTimeProvider(s_start.AddHours(1));
        var runs = new CountingRunStore(new InMemoryDreamRunStore(clock));
        var traces = new QueryCountingTraceStore();
        await traces.ImportAsync([Session("s1", 1), Session("s2", 2), Session("s3", 3)]);
        var team = MemoryScope.Team("billing");
        var scopes = new[] { s_scope, team, MemoryScope.Global };
        foreach (var scope in scopes)
        {
            var run = await runs.CreateAsync(new DreamRunRequest { Scope = scope });
            await runs.StartAsync(run.Id, "host", TimeSpan.FromMinutes(5));
            await runs.CompleteAsync(run.Id, Mined("s3", 3));
        }

        var schedules = scopes.Select(scope => new DreamSchedule { Scope = scope, AfterNewSessions = 5, Request = new DreamRunRequest { Scope = scope, MinSessions = 1 } })
            .Append(new DreamSchedule { Scope = s_scope, Cron = "0 3 * * *" });
        var scheduler = new DreamScheduler(schedules, Substitute.For<IDreamConsolidator>(), runs, traces, clock);
        Assert.Empty(await scheduler.RunDueAsync());

        for (var poll = 0; poll < 3; poll++)
        {
            clock.Advance(TimeSpan.FromMinutes(1));
            runs.Calls.Clear();
            traces.Pages = 0;
            Assert.Empty(await scheduler.RunDueAsync());

            Assert.Equal(["GetLastCompletedAsync", "GetLastCompletedAsync", "GetLastCompletedAsync"], runs.Calls);
            Assert.Equal(3, traces.Pages);
        }
    }

    private static DreamSchedule Schedule(int afterNewSessions) =>
        new() { Scope = s_scope, AfterNewSessions = afterNewSessions, Request = new DreamRunRequest { Scope = s_scope, MinSessions = 1 } };

    private static DreamRunResults Mined(string sessionId, int minute) => new()
    {
        SessionIds = [sessionId],
        Cursor = new DreamCursor(s_start.AddMinutes(minute).AddSeconds(30), sessionId),
        StageUsage = [new DreamStageUsage("mine", SessionUsage.Zero, TimeSpan.Zero)],
    };

    private static SessionWithEvents Session(string id, int minute) => new(
        new SessionRecord
        {
            Id = id,
            AgentId = "bot",
            Task = "t",
            Status = SessionStatus.Completed,
            StartedAt = s_start.AddMinutes(minute),
            EndedAt = s_start.AddMinutes(minute).AddSeconds(30),
            Outcome = SessionOutcome.Succeeded(),
        },
        []);

    /// <summary>Counts the lists of a thousand runs (the read history's loads), and names the reads it is asked for.</summary>
    private sealed class CountingRunStore(IDreamRunStore inner) : ForwardingDreamRunStore(inner)
    {
        public int HistoryLists { get; set; }

        public List<string> Calls { get; } = [];

        public override Task<IReadOnlyList<DreamRun>> ListAsync(MemoryScope scope, int limit = 50, CancellationToken cancellationToken = default)
        {
            if (limit == DreamRunStoreRules.MaxListLimit)
            {
                HistoryLists++;
            }

            Calls.Add(nameof(ListAsync));
            return base.ListAsync(scope, limit, cancellationToken);
        }

        public override Task<DreamRun?> GetLastCompletedAsync(MemoryScope scope, CancellationToken cancellationToken = default)
        {
            Calls.Add(nameof(GetLastCompletedAsync));
            return base.GetLastCompletedAsync(scope, cancellationToken);
        }

        public override Task<DreamRun?> GetAsync(string runId, CancellationToken cancellationToken = default)
        {
            Calls.Add(nameof(GetAsync));
            return base.GetAsync(runId, cancellationToken);
        }
    }
}
