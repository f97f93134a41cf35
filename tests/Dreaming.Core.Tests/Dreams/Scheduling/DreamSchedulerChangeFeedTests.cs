using Microsoft.Extensions.Time.Testing;
using NSubstitute;

namespace Dreaming.Tests;

/// <summary>A count schedule on a store that numbers its changes reads its window once, then at each poll only the
/// sessions changed since (<see cref="SessionQuery.ChangedAfter"/>), and reads in full again when a dream of the scope
/// completes, when the count reaches the threshold (to confirm it) and on a store without change numbers.</summary>
public class DreamSchedulerChangeFeedTests
{
    private static readonly DateTimeOffset s_start = new(2026, 11, 1, 0, 0, 0, TimeSpan.Zero);
    private static readonly MemoryScope s_scope = MemoryScope.Agent("bot");

    [Fact]
    public async Task A_second_poll_reads_only_the_sessions_changed_since_the_first()
    {
        var clock = new FakeTimeProvider(s_start.AddDays(1));
        var traces = new QueryCountingTraceStore { NumbersChanges = true };
        await traces.ImportAsync([.. Enumerable.Range(0, 500).Select(i => Session($"s{i:D3}", i))]);
        await traces.ImportAsync([Session("ungraded", -100, graded: false)]);
        var dreams = Substitute.For<IDreamConsolidator>();
        dreams.DreamAsync(Arg.Any<DreamRunRequest>(), Arg.Any<CancellationToken>()).Returns(new DreamRun { Id = "dr-new", Request = new DreamRunRequest { Scope = s_scope }, Status = DreamRunStatus.Completed });
        var scheduler = new DreamScheduler([new DreamSchedule { Scope = s_scope, AfterNewSessions = 503 }], dreams, new InMemoryDreamRunStore(clock), traces, clock);

        async Task<int> Poll(int expectedRead, int expectedDreams = 0)
        {
            traces.Read = 0;
            traces.ReadIds.Clear();
            var started = await scheduler.RunDueAsync();
            Assert.Equal(expectedRead, traces.Read);
            Assert.Equal(expectedDreams, started.Count);
            clock.Advance(TimeSpan.FromMinutes(1));
            return traces.Read;
        }

        await Poll(expectedRead: 501);   // the first poll reads the whole window: 500 to count, and the ungraded one

        // A session recorded and ended, and the ungraded one graded: the poll reads those two, and counts 502.
        await traces.WriteAsync(new TraceWriteBatch([Session("live", 600).Session with { Status = SessionStatus.Running, EndedAt = null, Outcome = null }], []));
        await traces.CompleteSessionAsync(new SessionCompletion { SessionId = "live", Status = SessionStatus.Completed, EndedAt = s_start.AddMinutes(601), Outcome = SessionOutcome.Succeeded() });
        await traces.SetOutcomeAsync("ungraded", SessionOutcome.Failed());
        await Poll(expectedRead: 2);
        Assert.Equal(["live", "ungraded"], traces.ReadIds);

        // Graded again: read again, counted once. A poll with nothing changed reads nothing.
        await traces.SetOutcomeAsync("live", SessionOutcome.Failed());
        await Poll(expectedRead: 1);
        await Poll(expectedRead: 0);

        // Retention deletes a counted session: the ids reach the threshold with the next session, and the full read that
        // confirms it finds one fewer, so no dream starts on too few sessions.
        Assert.Equal(1, await traces.PurgeAsync(s_start.AddMinutes(-50)));
        await traces.ImportAsync([Session("n1", 700)]);
        await Poll(expectedRead: 1 + 502);

        // The next one makes 503: read, confirmed by a full read, and the dream starts.
        await traces.ImportAsync([Session("n2", 701)]);
        await Poll(expectedRead: 1 + 503, expectedDreams: 1);
    }

    [Fact]
    public async Task A_burst_of_changes_beyond_the_threshold_is_not_read_to_its_end()
    {
        // Older logs imported at once: the poll after it needs only enough of them to reach the threshold (a full read
        // then confirms the count), as the full read stops there, not every session changed since, page after page.
        var clock = new FakeTimeProvider(s_start.AddDays(10));
        var traces = new QueryCountingTraceStore { NumbersChanges = true };
        await traces.ImportAsync([.. Enumerable.Range(0, 10).Select(i => Session($"s{i:D3}", i))]);
        var dreams = Substitute.For<IDreamConsolidator>();
        dreams.DreamAsync(Arg.Any<DreamRunRequest>(), Arg.Any<CancellationToken>()).Returns(new DreamRun { Id = "dr-new", Request = new DreamRunRequest { Scope = s_scope }, Status = DreamRunStatus.Completed });
        var scheduler = new DreamScheduler([new DreamSchedule { Scope = s_scope, AfterNewSessions = 50 }], dreams, new InMemoryDreamRunStore(clock), traces, clock);
        Assert.Empty(await scheduler.RunDueAsync());

        await traces.ImportAsync([.. Enumerable.Range(0, 5_000).Select(i => Session($"imported{i:D4}", 1_000 + i))]);
        traces.Read = 0;
        Assert.Single(await scheduler.RunDueAsync());
        Assert.True(traces.Read <= 2 * SessionQuery.MaxPageSize, $"The poll read {traces.Read} sessions to count to 50.");
    }

    [Fact]
    public async Task A_dream_of_the_scope_completing_makes_the_next_poll_read_in_full()
    {
        var clock = new FakeTimeProvider(s_start.AddDays(1));
        var traces = new QueryCountingTraceStore { NumbersChanges = true };
        await traces.ImportAsync([.. Enumerable.Range(0, 10).Select(i => Session($"s{i:D3}", i))]);
        var runs = new InMemoryDreamRunStore(clock);
        var scheduler = new DreamScheduler([new DreamSchedule { Scope = s_scope, AfterNewSessions = 50 }], Substitute.For<IDreamConsolidator>(), runs, traces, clock);
        var first = await runs.CreateAsync(new DreamRunRequest { Scope = s_scope });
        await runs.StartAsync(first.Id, "host", TimeSpan.FromMinutes(5));
        await runs.CompleteAsync(first.Id, Mined(9));

        traces.Read = 0;
        Assert.Empty(await scheduler.RunDueAsync());
        Assert.Equal(10, traces.Read);
        traces.Read = 0;
        Assert.Empty(await scheduler.RunDueAsync());
        Assert.Equal(0, traces.Read);

        // Another host's dream completes (reading nothing new): the count's cursor and history may have changed, so the
        // next poll reads the window again, once.
        var second = await runs.CreateAsync(new DreamRunRequest { Scope = s_scope });
        await runs.StartAsync(second.Id, "host-2", TimeSpan.FromMinutes(5));
        await runs.CompleteAsync(second.Id, Mined(9));
        traces.Read = 0;
        Assert.Empty(await scheduler.RunDueAsync());
        Assert.Equal(10, traces.Read);
        traces.Read = 0;
        Assert.Empty(await scheduler.RunDueAsync());
        Assert.Equal(0, traces.Read);
    }

    [Fact]
    public async Task A_store_without_change_numbers_is_read_in_full_at_every_poll()
    {
        var clock = new FakeTimeProvider(s_start.AddDays(1));
        var traces = new QueryCountingTraceStore();
        await traces.ImportAsync([.. Enumerable.Range(0, 10).Select(i => Session($"s{i:D3}", i))]);
        var scheduler = new DreamScheduler([new DreamSchedule { Scope = s_scope, AfterNewSessions = 50 }], Substitute.For<IDreamConsolidator>(), new InMemoryDreamRunStore(clock), traces, clock);
        for (var poll = 0; poll < 3; poll++)
        {
            traces.Read = 0;
            Assert.Empty(await scheduler.RunDueAsync());
            Assert.Equal(10, traces.Read);
        }
    }

    private static DreamRunResults Mined(int minute) => new()
    {
        SessionIds = [.. Enumerable.Range(0, 10).Select(i => $"s{i:D3}")],
        Cursor = new DreamCursor(s_start.AddMinutes(minute).AddSeconds(30), $"s{minute:D3}"),
        StageUsage = [new DreamStageUsage("mine", SessionUsage.Zero, TimeSpan.Zero)],
    };

    private static SessionWithEvents Session(string id, int minute, bool graded = true) => new(
        new SessionRecord
        {
            Id = id,
            AgentId = "bot",
            Task = "t",
            Status = SessionStatus.Completed,
            StartedAt = s_start.AddMinutes(minute),
            EndedAt = s_start.AddMinutes(minute).AddSeconds(30),
            Outcome = graded ? SessionOutcome.Succeeded() : null,
        },
        []);
}
