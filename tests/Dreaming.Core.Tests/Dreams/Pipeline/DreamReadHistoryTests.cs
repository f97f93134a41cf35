using NSubstitute;

namespace Dreaming.Tests;

public class DreamReadHistoryTests
{
    private static readonly MemoryScope s_scope = MemoryScope.Agent("bot");
    private static readonly DateTimeOffset s_start = new(2026, 11, 1, 0, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task Only_runs_that_mined_their_sessions_count_as_having_read_them()
    {
        var history = await LoadAsync(
            Run("dr-1", DreamRunStatus.Completed, mined: true, "a"),
            Run("dr-2", DreamRunStatus.Completed, mined: false, "b"),   // too few sessions: read nothing for good
            Run("dr-3", DreamRunStatus.Failed, mined: true, "c"));

        Assert.False(history.IsUnread(Session("a", 1)));
        Assert.True(history.IsUnread(Session("b", 1)));
        Assert.True(history.IsUnread(Session("c", 1)));
        Assert.Equal("dr-1", history.LastRunId);
    }

    [Fact]
    public async Task With_more_runs_than_one_list_holds_a_late_session_is_looked_for_only_after_the_oldest_listed_cursor()
    {
        var runs = Enumerable.Range(0, DreamRunStoreRules.MaxListLimit)
            .Select(i => Run($"dr-{DreamRunStoreRules.MaxListLimit - i:D4}", DreamRunStatus.Completed, mined: true, $"s{DreamRunStoreRules.MaxListLimit - i:D4}", cursorMinute: DreamRunStoreRules.MaxListLimit - i))
            .ToArray();
        var full = await LoadAsync(runs);
        var partial = await LoadAsync(runs[..^1]);

        Assert.False(full.IsUnread(Session("old", 0)));      // before the oldest listed cursor (minute 1): never read again
        Assert.True(full.IsUnread(Session("late", 2)));
        Assert.False(full.IsUnread(Session("s0500", 500)));
        Assert.True(partial.IsUnread(Session("old", 0)));    // every run listed: any age
    }

    [Fact]
    public async Task When_none_of_a_full_list_of_runs_mined_no_session_behind_the_cursor_counts_as_late()
    {
        // A thousand dreams in a row found too few sessions (or failed): the runs that read the old sessions are not
        // listed any more, and their sessions must not look unread.
        var runs = Enumerable.Range(0, DreamRunStoreRules.MaxListLimit)
            .Select(i => Run($"dr-{i:D4}", i % 2 == 0 ? DreamRunStatus.Completed : DreamRunStatus.Failed, mined: false, "new", cursorMinute: 500))
            .ToArray();
        var history = await LoadAsync(runs);
        var nothingCompleted = await LoadAsync(runs.Select(r => r with { Status = DreamRunStatus.Failed }).ToArray());

        Assert.False(history.IsUnread(Session("old", 100)));
        Assert.True(history.IsUnread(Session("late", 600)));   // after the newest cursor: the selector reads it anyway
        Assert.False(nothingCompleted.IsUnread(Session("old", 100)));
    }

    private static async Task<DreamReadHistory> LoadAsync(params DreamRun[] runs)
    {
        var store = Substitute.For<IDreamRunStore>();
        store.ListAsync(s_scope, DreamRunStoreRules.MaxListLimit, Arg.Any<CancellationToken>()).Returns(runs);
        return await DreamReadHistory.LoadAsync(store, s_scope, CancellationToken.None);
    }

    private static DreamRun Run(string id, DreamRunStatus status, bool mined, string sessionId, int cursorMinute = 1) => new()
    {
        Id = id,
        Request = new DreamRunRequest { Scope = s_scope },
        Status = status,
        Results = new DreamRunResults
        {
            SessionIds = [sessionId],
            Cursor = new DreamCursor(s_start.AddMinutes(cursorMinute), sessionId),
            StageUsage = mined ? [new DreamStageUsage("select", SessionUsage.Zero, TimeSpan.Zero), new DreamStageUsage("mine", SessionUsage.Zero, TimeSpan.Zero)] : [new DreamStageUsage("select", SessionUsage.Zero, TimeSpan.Zero)],
        },
    };

    private static SessionRecord Session(string id, int endMinute) => new()
    {
        Id = id,
        AgentId = "bot",
        Task = "t",
        Status = SessionStatus.Completed,
        StartedAt = s_start,
        EndedAt = s_start.AddMinutes(endMinute),
        Outcome = SessionOutcome.Succeeded(),
    };
}

public class DreamSessionSelectorTests
{
    private static readonly DateTimeOffset s_start = new(2026, 11, 1, 0, 0, 0, TimeSpan.Zero);

    [Fact]
    public void A_cursor_kept_to_the_millisecond_still_sits_on_a_session_whose_store_keeps_finer_times()
    {
        // A trace store may keep ticks while the dream run store keeps the cursor to the millisecond (the durable ones do).
        var session = Session("s11", s_start.AddTicks(5_000));
        var cursor = new DreamCursor(s_start, "s11");

        Assert.False(DreamSessionSelector.IsAfter(session, cursor));
        Assert.True(DreamSessionSelector.IsAfter(Session("s12", s_start.AddTicks(5_000)), cursor));
        Assert.True(DreamSessionSelector.IsAfter(Session("s00", s_start.AddMilliseconds(1)), cursor));
    }

    [Fact]
    public void The_cursor_orders_sessions_of_one_millisecond_by_id_and_never_moves_back()
    {
        var later = Session("s10", s_start.AddTicks(7_000));   // later within the millisecond, but s10 < s11
        var earlier = Session("s11", s_start.AddTicks(2_000));
        var cursor = DreamSessionSelector.CursorOf([new SessionWithEvents(later, []), new SessionWithEvents(earlier, [])], previous: null);
        var behind = DreamSessionSelector.CursorOf([new SessionWithEvents(Session("old", s_start.AddDays(-1)), [])], previous: cursor);

        Assert.Equal("s11", cursor!.SessionId);
        Assert.Same(cursor, behind);
    }

    private static SessionRecord Session(string id, DateTimeOffset ended) => new()
    {
        Id = id,
        AgentId = "bot",
        Task = "t",
        Status = SessionStatus.Completed,
        StartedAt = ended.AddSeconds(-1),
        EndedAt = ended,
        Outcome = SessionOutcome.Succeeded(),
    };
}
