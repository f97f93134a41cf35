using NSubstitute;

namespace Dreaming.Tests;

/// <summary>The count of new sessions a count schedule (<see cref="DreamSchedule.AfterNewSessions"/>) takes at every poll
/// asks the store only for the sessions that can still be new (<see cref="SessionQuery.EndedFrom"/>), and decides the same.</summary>
public class DreamSchedulerNewSessionCountTests
{
    private static readonly MemoryScope s_scope = MemoryScope.Agent("bot");
    private static readonly DateTimeOffset s_start = new(2026, 11, 1, 0, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task A_poll_with_too_few_new_sessions_reads_only_those_that_ended_since_the_oldest_listed_cursor()
    {
        // 300 old sessions, read; a thousand dreams listed, the oldest of them with its cursor on s290: a late session is
        // looked for only after it, so sessions s000-s289 can never be new again and need not be read at each poll.
        var traces = new QueryCountingTraceStore();
        await ImportAsync(traces, Enumerable.Range(0, 300).Select(i => Session($"s{i:D3}", i)));
        await ImportAsync(traces, [Session("new-1", 400), Session("new-2", 401)]);
        var scheduler = new DreamScheduler([Schedule(5)], Substitute.For<IDreamConsolidator>(), RunStore(ThousandRuns()), traces);

        traces.Read = 0;
        Assert.Empty(await scheduler.RunDueAsync());

        Assert.Equal(12, traces.Read);   // s290-s299 and the two new ones, not all 302
    }

    [Fact]
    public async Task The_decision_is_unchanged_for_late_long_and_same_millisecond_sessions()
    {
        var traces = new QueryCountingTraceStore();
        await ImportAsync(traces, Enumerable.Range(0, 300).Select(i => Session($"s{i:D3}", i)));
        var runs = RunStore(ThousandRuns());
        var scheduler = new DreamScheduler([Schedule(4)], Substitute.For<IDreamConsolidator>(), runs, traces);
        var cursorEnd = End(299);

        // Not new: graded late but ended before the oldest listed cursor (never looked for), running, and ungraded.
        await ImportAsync(traces, [Session("late-too-old", 100), Session("ungraded", 350) with { Outcome = null }]);
        await traces.WriteAsync(new TraceWriteBatch([new SessionRecord { Id = "running", AgentId = "bot", Task = "t", StartedAt = s_start }], []));
        Assert.Empty(await scheduler.RunDueAsync());

        // New: one that ended in the cursor's millisecond after it by id, one that started long before the cursor and
        // ended after it, and a late one ended after the oldest listed cursor: three, not yet four.
        await ImportAsync(
            traces,
            [
                Session("s299z", 299) with { EndedAt = cursorEnd.AddTicks(5000) },
                Session("long", 0) with { EndedAt = End(500) },
                Session("late-in-window", 295) with { EndedAt = End(295).AddSeconds(1) },
            ]);
        Assert.Empty(await scheduler.RunDueAsync());
        Assert.Equal(3, await DreamSessionSelector.CountNewAsync(traces, s_scope, new DreamCursor(cursorEnd, "s299"), await DreamReadHistory.LoadAsync(runs, s_scope, CancellationToken.None), 100, CancellationToken.None));

        await traces.SetOutcomeAsync("ungraded", SessionOutcome.Failed());
        var dreams = Substitute.For<IDreamConsolidator>();
        dreams.DreamAsync(Arg.Any<DreamRunRequest>(), Arg.Any<CancellationToken>()).Returns(new DreamRun { Id = "dr-new", Request = new DreamRunRequest { Scope = s_scope }, Status = DreamRunStatus.Completed });
        var due = new DreamScheduler([Schedule(4)], dreams, runs, traces);
        Assert.Single(await due.RunDueAsync());
    }

    [Fact]
    public async Task With_fewer_runs_than_one_list_holds_a_late_session_of_any_age_still_counts()
    {
        // Every run is listed: a session graded long after the dream passed it is new, however old, so the whole scope is
        // still read (no end-time bound).
        var traces = new QueryCountingTraceStore();
        await ImportAsync(traces, Enumerable.Range(0, 300).Select(i => Session($"s{i:D3}", i)));
        await ImportAsync(traces, [Session("graded-late", 1) with { Outcome = null }]);
        var runs = RunStore(ThousandRuns()[..10]);
        var history = await DreamReadHistory.LoadAsync(runs, s_scope, CancellationToken.None);
        var cursor = new DreamCursor(End(299), "s299");

        Assert.Null(DreamSessionSelector.CandidatesEndFrom(cursor, history));
        Assert.Equal(299, await DreamSessionSelector.CountNewAsync(traces, s_scope, cursor, history, 1000, CancellationToken.None));   // s000-s298: the runs listed read only s299
        await traces.SetOutcomeAsync("graded-late", SessionOutcome.Succeeded());
        Assert.Equal(300, await DreamSessionSelector.CountNewAsync(traces, s_scope, cursor, history, 1000, CancellationToken.None));
    }

    [Fact]
    public async Task Counts_and_selections_match_a_walk_of_every_session_on_random_stores()
    {
        var random = new Random(11);
        var roundsWithBoundedLateSessions = 0;
        for (var round = 0; round < 120; round++)
        {
            var traces = new InMemoryTraceStore();
            var sessions = new List<SessionWithEvents>();
            for (var i = 0; i < 120; i++)
            {
                // Few distinct milliseconds, so ties on the end time are common; some ungraded or with a label that is no verdict.
                var ended = s_start.AddMilliseconds(random.Next(40)).AddTicks(random.Next(10_000));
                var record = Session($"r{random.Next(1000):D3}-{i}", 0) with { EndedAt = ended, StartedAt = s_start.AddMinutes(-random.Next(100)) };
                record = random.Next(10) switch
                {
                    0 => record with { Outcome = null },
                    1 => record with { Outcome = new SessionOutcome { Label = "needs_revision" } },
                    _ => record,
                };
                sessions.Add(new SessionWithEvents(record, []));
            }

            await traces.ImportAsync(sessions);
            var ordered = sessions.Select(s => s.Session).OrderBy(s => s.EndedAt!.Value.ToUnixTimeMilliseconds()).ThenBy(s => s.Id, StringComparer.Ordinal).ToList();
            // In half the rounds the runs read only the earliest third of the sessions, so that sessions ended before the
            // cursor are left unread: late sessions, which only the read history's bound (LateSince) keeps in the query.
            var readable = random.Next(2) == 0 ? ordered.Count : ordered.Count / 3;
            var runList = Enumerable.Range(0, random.Next(2) == 0 ? DreamRunStoreRules.MaxListLimit : 5)
                .Select(i =>
                {
                    var at = ordered[random.Next(ordered.Count)];
                    return Run($"dr-{i:D4}", [.. Enumerable.Range(0, 3).Select(_ => ordered[random.Next(readable)].Id)], new DreamCursor(at.EndedAt!.Value, at.Id), mined: random.Next(4) > 0);
                })
                .ToArray();
            var history = await DreamReadHistory.LoadAsync(RunStore(runList), s_scope, CancellationToken.None);
            var cursorAt = ordered[random.Next(ordered.Count)];
            var cursor = random.Next(8) == 0 ? null : new DreamCursor(cursorAt.EndedAt!.Value, cursorAt.Id);
            var all = new List<SessionRecord>();
            await foreach (var session in DreamSessionSelector.ScopeSessionsAsync(traces, s_scope, CancellationToken.None))
            {
                all.Add(session);
            }

            var candidates = all.Where(s => DreamSessionSelector.IsCandidate(s, cursor, history)).ToList();
            if (history.LateSince is not null && cursor is not null && candidates.Any(s => !DreamSessionSelector.IsAfter(s, cursor)))
            {
                roundsWithBoundedLateSessions++;
            }

            foreach (var enough in new[] { 1, 7, 1000 })
            {
                Assert.Equal(Math.Min(enough, candidates.Count), await DreamSessionSelector.CountNewAsync(traces, s_scope, cursor, history, enough, CancellationToken.None));
            }

            var expected = candidates.OrderBy(s => s.EndedAt!.Value.ToUnixTimeMilliseconds()).ThenBy(s => s.Id, StringComparer.Ordinal).Take(10).Select(s => s.Id);
            var selected = await DreamSessionSelector.SelectAsync(traces, new DreamRunRequest { Scope = s_scope, MaxSessions = 10 }, cursor, history, CancellationToken.None);
            Assert.Equal(expected, selected.Select(s => s.Session.Id));
        }

        // Rounds where the bound matters: a bounded history and a late candidate before the cursor (8 with this seed).
        Assert.True(roundsWithBoundedLateSessions >= 5, $"only {roundsWithBoundedLateSessions} rounds had late sessions under a bounded history");
    }

    private static DreamSchedule Schedule(int afterNewSessions) =>
        new() { Scope = s_scope, AfterNewSessions = afterNewSessions, Request = new DreamRunRequest { Scope = s_scope, MinSessions = 1 } };

    private static Task<int> ImportAsync(ITraceStore traces, IEnumerable<SessionRecord> sessions) =>
        traces.ImportAsync([.. sessions.Select(static s => new SessionWithEvents(s, []))]);

    private static DateTimeOffset End(int minute) => s_start.AddMinutes(minute).AddSeconds(30);

    private static SessionRecord Session(string id, int minute) => new()
    {
        Id = id,
        AgentId = "bot",
        Task = "t",
        Status = SessionStatus.Completed,
        StartedAt = s_start.AddMinutes(minute),
        EndedAt = End(minute),
        Outcome = SessionOutcome.Succeeded(),
    };

    // Newest first, as a run store lists them: the newest read s299, the oldest (the thousandth) s290.
    private static DreamRun[] ThousandRuns() =>
        [.. Enumerable.Range(0, DreamRunStoreRules.MaxListLimit).Select(i =>
        {
            var n = 299 - (i / 100);
            return Run($"dr-{DreamRunStoreRules.MaxListLimit - i:D4}", [$"s{n:D3}"], new DreamCursor(End(n), $"s{n:D3}"), mined: true);
        })];

    private static DreamRun Run(string id, IReadOnlyList<string> read, DreamCursor cursor, bool mined) => new()
    {
        Id = id,
        Request = new DreamRunRequest { Scope = s_scope },
        Status = DreamRunStatus.Completed,
        StartedAt = s_start,
        Results = new DreamRunResults
        {
            SessionIds = read,
            Cursor = cursor,
            StageUsage = mined ? [new DreamStageUsage("mine", SessionUsage.Zero, TimeSpan.Zero)] : [],
        },
    };

    private static IDreamRunStore RunStore(DreamRun[] newestFirst)
    {
        var store = Substitute.For<IDreamRunStore>();
        store.ListAsync(s_scope, Arg.Any<int>(), Arg.Any<CancellationToken>()).Returns(call => newestFirst.Take(call.ArgAt<int>(1)).ToList());
        store.GetLastCompletedAsync(s_scope, Arg.Any<CancellationToken>()).Returns(newestFirst.FirstOrDefault());
        return store;
    }
}
