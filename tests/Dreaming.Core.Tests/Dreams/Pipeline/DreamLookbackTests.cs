using Microsoft.Extensions.Time.Testing;

namespace Dreaming.Tests;

/// <summary>Which earlier sessions a dream with <see cref="DreamRunRequest.Lookback"/> mines with its new ones: already
/// read, of the scope, within the lookback, newest first, at most MaxLookbackSessions and MaxSessions in all; the
/// reflector and the guard see them; the request checks its lookback values.</summary>
public class DreamLookbackTests
{
    private static readonly DateTimeOffset s_night1 = new(2026, 11, 1, 0, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task Earlier_sessions_are_the_newest_read_ones_within_the_lookback_and_the_limits()
    {
        // Night 1: twelve sessions read by a first dream, of which the last eight started within the lookback of night 2's
        // dream; another agent's sessions are never taken.
        var (traces, runs, clock) = Stores();
        await traces.ImportAsync([.. Night("old", 12, s_night1, "bot"), .. Night("other", 5, s_night1, "other-bot")]);
        clock.SetUtcNow(s_night1.AddHours(1));
        var first = await new DreamConsolidator(traces, new InMemoryMemoryStore(), runs, clock).DreamAsync(new DreamRunRequest { Scope = Bot });
        Assert.Equal(12, first.Results.SessionIds.Count);

        await traces.ImportAsync(Night("new", 3, s_night1.AddDays(1), "bot"));
        clock.SetUtcNow(s_night1.AddDays(1).AddHours(1));
        var miner = new CapturingMiner();
        var dreams = new DreamConsolidator(traces, new InMemoryMemoryStore(), runs, clock, miner: miner);
        var lookback = TimeSpan.FromDays(1) + TimeSpan.FromHours(1) - TimeSpan.FromMinutes(4);

        var run = await dreams.DreamAsync(new DreamRunRequest { Scope = Bot, MinSessions = 3, Lookback = lookback, MaxLookbackSessions = 6 });

        Assert.Equal(DreamRunStatus.Completed, run.Status);
        Assert.Equal(["new-00", "new-01", "new-02"], run.Results.SessionIds);
        Assert.Equal(["new-00", "new-01", "new-02"], miner.Sessions);
        Assert.Equal(["old-11", "old-10", "old-09", "old-08", "old-07", "old-06"], miner.Earlier);

        // MaxSessions bounds the dream in all: three new sessions leave room for two earlier ones.
        await traces.ImportAsync(Night("third", 3, s_night1.AddDays(2), "bot"));
        clock.SetUtcNow(s_night1.AddDays(2).AddHours(1));
        run = await dreams.DreamAsync(new DreamRunRequest { Scope = Bot, MinSessions = 3, MaxSessions = 5, Lookback = TimeSpan.FromDays(3) });

        Assert.Equal(["third-00", "third-01", "third-02"], run.Results.SessionIds);
        Assert.Equal(["new-02", "new-01"], miner.Earlier);
    }

    [Fact]
    public async Task Without_a_lookback_or_before_any_dream_no_earlier_session_is_mined()
    {
        var (traces, runs, clock) = Stores();
        await traces.ImportAsync(Night("old", 12, s_night1, "bot"));
        clock.SetUtcNow(s_night1.AddHours(1));
        var miner = new CapturingMiner();
        var dreams = new DreamConsolidator(traces, new InMemoryMemoryStore(), runs, clock, miner: miner);

        await dreams.DreamAsync(new DreamRunRequest { Scope = Bot, Lookback = TimeSpan.FromDays(7) });
        Assert.Empty(miner.Earlier);

        await traces.ImportAsync(Night("new", 10, s_night1.AddDays(1), "bot"));
        clock.SetUtcNow(s_night1.AddDays(1).AddHours(1));
        await dreams.DreamAsync(new DreamRunRequest { Scope = Bot });
        Assert.Empty(miner.Earlier);
        Assert.Equal(10, miner.Sessions.Count);
    }

    [Fact]
    public async Task Too_few_new_sessions_are_too_few_whatever_the_lookback_holds_and_the_cursor_stays()
    {
        var (traces, runs, clock) = Stores();
        await traces.ImportAsync(Night("old", 12, s_night1, "bot"));
        clock.SetUtcNow(s_night1.AddHours(1));
        var miner = new CapturingMiner();
        var dreams = new DreamConsolidator(traces, new InMemoryMemoryStore(), runs, clock, miner: miner);
        var first = await dreams.DreamAsync(new DreamRunRequest { Scope = Bot });

        await traces.ImportAsync(Night("new", 3, s_night1.AddDays(1), "bot"));
        clock.SetUtcNow(s_night1.AddDays(1).AddHours(1));
        var run = await dreams.DreamAsync(new DreamRunRequest { Scope = Bot, Lookback = TimeSpan.FromDays(7) });

        Assert.Equal(DreamRunStatus.Completed, run.Status);
        Assert.StartsWith("not enough sessions (3 < 10)", run.Results.Note, StringComparison.Ordinal);
        Assert.Equal(first.Results.Cursor, run.Results.Cursor);
        Assert.Equal(12, miner.Sessions.Count);
    }

    [Fact]
    public async Task The_reflector_and_the_guard_see_the_earlier_sessions_a_finding_cites()
    {
        // Two failing refunds a night: night 2's finding cites night 1's sessions, whose text the reflector may quote.
        var (traces, runs, clock) = Stores();
        await traces.ImportAsync(Night("old", 10, s_night1, "bot", failing: 2));
        clock.SetUtcNow(s_night1.AddHours(1));
        var reflector = new CapturingReflector();
        var dreams = new DreamConsolidator(traces, new InMemoryMemoryStore(), runs, clock, reflector: reflector);
        await dreams.DreamAsync(new DreamRunRequest { Scope = Bot });
        Assert.Empty(reflector.Findings);

        await traces.ImportAsync(Night("new", 10, s_night1.AddDays(1), "bot", failing: 2));
        clock.SetUtcNow(s_night1.AddDays(1).AddHours(1));
        await dreams.DreamAsync(new DreamRunRequest { Scope = Bot, Lookback = TimeSpan.FromDays(7) });

        var finding = Assert.Single(reflector.Findings);
        Assert.Equal(["new-00", "new-01", "old-00", "old-01"], finding.Evidence.Select(e => e.SessionId).Order(StringComparer.Ordinal));
        Assert.All(finding.Evidence, e => Assert.Contains(e.SessionId, reflector.Sessions));
    }

    [Theory]
    [InlineData(0L, 100, "Lookback")]
    [InlineData(-1L, 100, "Lookback")]
    [InlineData(366L * 24 * 60, 100, "Lookback")]
    [InlineData(60L, 0, "MaxLookbackSessions")]
    [InlineData(60L, 1_000_001, "MaxLookbackSessions")]
    public void Lookback_values_out_of_range_are_refused_naming_the_value(long minutes, int maxLookbackSessions, string name)
    {
        var request = new DreamRunRequest { Scope = Bot, Lookback = TimeSpan.FromMinutes(minutes), MaxLookbackSessions = maxLookbackSessions };

        var error = Assert.Throws<ArgumentOutOfRangeException>(request.Validate);

        Assert.Equal(name, error.ParamName);
        Assert.StartsWith(name + " must be", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_request_has_no_lookback_by_default_and_accepts_the_limits()
    {
        var request = new DreamRunRequest { Scope = Bot };
        Assert.Null(request.Lookback);
        Assert.Equal(DreamRunRequest.DefaultMaxLookbackSessions, request.MaxLookbackSessions);

        (request with { Lookback = DreamRunRequest.MaxLookbackLimit, MaxLookbackSessions = DreamRunRequest.MaxSessionsLimit }).Validate();
    }

    private static readonly MemoryScope Bot = MemoryScope.Agent("bot");

    private static (InMemoryTraceStore Traces, InMemoryDreamRunStore Runs, FakeTimeProvider Clock) Stores()
    {
        var clock = new FakeTimeProvider(s_night1);
        return (new InMemoryTraceStore(), new InMemoryDreamRunStore(clock), clock);
    }

    private static List<SessionWithEvents> Night(string prefix, int count, DateTimeOffset start, string agent, int failing = 0) =>
        [.. Enumerable.Range(0, count).Select(i => DreamTestData.RefundSession($"{prefix}-{i:D2}", fails: i < failing, agent, start.AddMinutes(i)))];

    private sealed class CapturingMiner : IDreamMiner
    {
        public List<string> Sessions { get; private set; } = [];

        public List<string> Earlier { get; private set; } = [];

        public Task<MiningReport> MineAsync(IReadOnlyList<SessionWithEvents> sessions, CancellationToken cancellationToken) =>
            MineAsync(sessions, [], cancellationToken);

        public Task<MiningReport> MineAsync(IReadOnlyList<SessionWithEvents> sessions, IReadOnlyList<SessionWithEvents> earlier, CancellationToken cancellationToken)
        {
            Sessions = [.. sessions.Select(s => s.Session.Id)];
            Earlier = [.. earlier.Select(s => s.Session.Id)];
            return new FindingMiner().MineAsync(sessions.ToAsyncEnumerable(), cancellationToken: cancellationToken);
        }
    }

    private sealed class CapturingReflector : IDreamReflector
    {
        public List<Finding> Findings { get; private set; } = [];

        public List<string> Sessions { get; private set; } = [];

        public Task<ReflectionResult> ReflectAsync(ReflectionRequest request, CancellationToken cancellationToken)
        {
            Findings = [.. request.Findings.Where(f => f.Tool == "refund")];
            Sessions = [.. request.Sessions.Keys];
            return Task.FromResult(new ReflectionResult(TemplateLessonWriter.Write(request.Findings, request.BaseFailureRate), SessionUsage.Zero, null));
        }
    }
}
