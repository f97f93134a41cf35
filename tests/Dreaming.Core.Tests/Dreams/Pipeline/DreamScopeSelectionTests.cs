using Microsoft.Extensions.Time.Testing;

namespace Dreaming.Tests;

/// <summary>Which sessions a dream of each scope reads: an agent's, a team's (by the session's scope, never another team's
/// or an unscoped one), or all for the global scope; and the scheduler counts new sessions the same way.</summary>
public class DreamScopeSelectionTests
{
    private static readonly DateTimeOffset s_start = new(2026, 11, 1, 0, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task A_team_dream_reads_only_the_sessions_of_its_team()
    {
        var traces = new InMemoryTraceStore();
        await SeedAllAsync(traces);
        var dreams = new DreamConsolidator(traces, new InMemoryMemoryStore(), new InMemoryDreamRunStore());

        var run = await dreams.DreamAsync(new DreamRunRequest { Scope = MemoryScope.Team("billing"), MaxSessions = 1000 });

        Assert.Equal(DreamRunStatus.Completed, run.Status);
        Assert.Equal(Ids("billing", 12), run.Results.SessionIds.Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task A_team_dream_over_a_store_that_ignores_the_scope_filter_still_reads_only_its_team()
    {
        var traces = new ScopeIgnoringTraceStore();
        await SeedAllAsync(traces);
        var dreams = new DreamConsolidator(traces, new InMemoryMemoryStore(), new InMemoryDreamRunStore());

        var run = await dreams.DreamAsync(new DreamRunRequest { Scope = MemoryScope.Team("support"), MaxSessions = 1000 });

        Assert.Equal(DreamRunStatus.Completed, run.Status);
        Assert.True(traces.Queried);
        Assert.Equal(Ids("support", 12), run.Results.SessionIds.Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task A_global_dream_reads_the_sessions_of_every_team_and_the_unscoped_ones()
    {
        var traces = new InMemoryTraceStore();
        await SeedAllAsync(traces);
        var dreams = new DreamConsolidator(traces, new InMemoryMemoryStore(), new InMemoryDreamRunStore());

        var run = await dreams.DreamAsync(new DreamRunRequest { Scope = MemoryScope.Global, MaxSessions = 1000 });

        Assert.Equal(DreamRunStatus.Completed, run.Status);
        Assert.Equal(48, run.Results.SessionIds.Count);
    }

    [Fact]
    public async Task A_team_without_sessions_of_its_own_dreams_nothing_and_says_so()
    {
        var traces = new InMemoryTraceStore();
        await SeedAllAsync(traces);
        var dreams = new DreamConsolidator(traces, new InMemoryMemoryStore(), new InMemoryDreamRunStore());

        var run = await dreams.DreamAsync(new DreamRunRequest { Scope = MemoryScope.Team("legal") });

        Assert.Empty(run.Results.SessionIds);
        Assert.Contains("not enough sessions (0 < 10): no sessions are recorded with scope 'legal'", run.Results.Note, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_team_count_schedule_counts_only_the_new_sessions_of_its_team()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 11, 25, 12, 0, 0, TimeSpan.Zero));
        var traces = new InMemoryTraceStore();
        var runs = new InMemoryDreamRunStore(time);
        var team = MemoryScope.Team("billing");
        var dreams = new DreamConsolidator(traces, new InMemoryMemoryStore(time), runs, time);
        var scheduler = new DreamScheduler(
            [new DreamSchedule { Scope = team, AfterNewSessions = 5, Request = new DreamRunRequest { Scope = team, MinSessions = 5 } }],
            dreams, runs, traces, time);

        // Four of the team's and plenty of others': not yet five of its own.
        await traces.ImportAsync([.. Sessions("billing", 4, s_start), .. Sessions("support", 10, s_start), .. Sessions(null, 10, s_start)]);
        Assert.Empty(await scheduler.RunDueAsync());

        await traces.ImportAsync(Sessions("billing", 5, s_start).Skip(4).ToList());
        var run = Assert.Single(await scheduler.RunDueAsync());
        Assert.Equal(Ids("billing", 5), run.Results.SessionIds.Order(StringComparer.Ordinal));
    }

    // Twelve sessions each of the teams billing, support and Billing (another team: ids compare ordinally), and twelve
    // without a scope; all of agent bot, so an agent filter would not tell them apart.
    private static async Task SeedAllAsync(ITraceStore traces) =>
        await traces.ImportAsync([.. Sessions("billing", 12, s_start), .. Sessions("support", 12, s_start.AddHours(1)), .. Sessions("Billing", 12, s_start.AddHours(2)), .. Sessions(null, 12, s_start.AddHours(3))]);

    private static List<SessionWithEvents> Sessions(string? scope, int count, DateTimeOffset start) =>
        Enumerable.Range(0, count)
            .Select(i => DreamTestData.RefundSession($"{scope ?? "none"}-{i:D2}", fails: i % 2 == 0, "bot", start.AddMinutes(i)))
            .Select(s => s with { Session = s.Session with { Scope = scope } })
            .ToList();

    private static IEnumerable<string> Ids(string scope, int count) => Enumerable.Range(0, count).Select(i => $"{scope}-{i:D2}");

    // A store written before SessionQuery.Scope existed: it answers every query as if no scope was asked for.
    private sealed class ScopeIgnoringTraceStore() : ForwardingTraceStore(new InMemoryTraceStore())
    {
        public bool Queried { get; private set; }

        public override Task<SessionPage> QuerySessionsAsync(SessionQuery query, CancellationToken cancellationToken = default)
        {
            Queried = true;
            return base.QuerySessionsAsync(query with { Scope = null }, cancellationToken);
        }

        public override IAsyncEnumerable<SessionWithEvents> StreamSessionsAsync(SessionQuery query, CancellationToken cancellationToken = default) =>
            base.StreamSessionsAsync(query with { Scope = null }, cancellationToken);
    }
}
