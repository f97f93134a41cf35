namespace Dreaming.Tests;

/// <summary>A dream that finds too few sessions says why from the scope's newest sessions, not from all of them.</summary>
public class DreamTooFewSessionsTests
{
    private static readonly DateTimeOffset s_start = new(2026, 11, 1, 0, 0, 0, TimeSpan.Zero);

    [Theory]
    [InlineData("agent")]
    [InlineData("global")]
    public async Task The_reason_counts_the_newest_sessions_up_to_a_cap_and_says_so(string kind)
    {
        // 2,500 finished sessions without an outcome and 3 running: the selection walks them all (no earlier dream, so each
        // may be new); the reason for too few reads only the newest 500 again (one page), and its message says it counted those.
        var scope = kind == "agent" ? MemoryScope.Agent("bot") : MemoryScope.Global;
        var traces = new QueryCountingTraceStore();
        await traces.ImportAsync([.. Enumerable.Range(0, 2500).Select(i => new SessionWithEvents(Session($"u{i:D4}", i, SessionStatus.Completed), []))]);
        await traces.WriteAsync(new TraceWriteBatch([.. Enumerable.Range(0, 3).Select(i => Session($"r{i}", 3000 + i, SessionStatus.Running))], []));
        var dreams = new DreamConsolidator(traces, new InMemoryMemoryStore(), new InMemoryDreamRunStore());

        traces.Read = 0;
        var run = await dreams.DreamAsync(new DreamRunRequest { Scope = scope });

        Assert.Equal(DreamRunStatus.Completed, run.Status);
        Assert.Contains("not enough sessions (0 < 10) — of the newest 500 recorded (more are not counted): 497 finished without an outcome or label, 3 still running; memory unchanged", run.Results.Note, StringComparison.Ordinal);
        Assert.True(traces.Read <= 2503 + 501, $"{traces.Read} sessions read");
    }

    [Fact]
    public async Task Under_the_cap_the_reason_counts_every_session()
    {
        var traces = new QueryCountingTraceStore();
        await traces.ImportAsync([.. Enumerable.Range(0, 500).Select(i => new SessionWithEvents(Session($"u{i:D4}", i, SessionStatus.Completed), []))]);
        var dreams = new DreamConsolidator(traces, new InMemoryMemoryStore(), new InMemoryDreamRunStore());

        var run = await dreams.DreamAsync(new DreamRunRequest { Scope = MemoryScope.Agent("bot") });

        Assert.Contains("not enough sessions (0 < 10) — of 500 recorded: 500 finished without an outcome or label; memory unchanged", run.Results.Note, StringComparison.Ordinal);
    }

    private static SessionRecord Session(string id, int second, SessionStatus status) => new()
    {
        Id = id,
        AgentId = "bot",
        Task = "t",
        Status = status,
        StartedAt = s_start.AddSeconds(second),
        EndedAt = status == SessionStatus.Running ? null : s_start.AddSeconds(second + 1),
    };
}
