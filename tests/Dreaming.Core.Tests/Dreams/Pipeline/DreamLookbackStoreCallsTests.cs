using Microsoft.Extensions.Time.Testing;

namespace Dreaming.Tests;

/// <summary>A lookback with no room left under <see cref="DreamRunRequest.MaxSessions"/> costs the dream nothing more.</summary>
public class DreamLookbackStoreCallsTests
{
    private static readonly DateTimeOffset s_night1 = new(2026, 11, 1, 0, 0, 0, TimeSpan.Zero);
    private static readonly MemoryScope Bot = MemoryScope.Agent("bot");

    [Fact]
    public async Task When_the_new_sessions_fill_MaxSessions_the_lookback_lists_no_runs()
    {
        var clock = new FakeTimeProvider(s_night1);
        var traces = new InMemoryTraceStore();
        var runs = new CountingRunStore(new InMemoryDreamRunStore(clock));
        var dreams = new DreamConsolidator(traces, new InMemoryMemoryStore(), runs, clock);
        await traces.ImportAsync([.. Enumerable.Range(0, 10).Select(i => DreamTestData.RefundSession($"old-{i:D2}", fails: i < 2, "bot", s_night1.AddMinutes(i)))]);
        clock.SetUtcNow(s_night1.AddHours(1));
        await dreams.DreamAsync(new DreamRunRequest { Scope = Bot });

        var counts = new List<int>();
        foreach (var (night, lookback) in new[] { (1, (TimeSpan?)null), (2, TimeSpan.FromDays(7)) })
        {
            await traces.ImportAsync([.. Enumerable.Range(0, 10).Select(i => DreamTestData.RefundSession($"n{night}-{i:D2}", fails: i < 2, "bot", s_night1.AddDays(night).AddMinutes(i)))]);
            clock.SetUtcNow(s_night1.AddDays(night).AddHours(1));
            runs.Lists = 0;
            var run = await dreams.DreamAsync(new DreamRunRequest { Scope = Bot, MaxSessions = 10, Lookback = lookback });
            Assert.Equal(DreamRunStatus.Completed, run.Status);
            Assert.Equal(10, run.Results.SessionIds.Count);
            Assert.Equal(10, run.Results.Report.SessionsMined);
            counts.Add(runs.Lists);
        }

        Assert.Equal(counts[0], counts[1]);
    }

    private sealed class CountingRunStore(IDreamRunStore inner) : ForwardingDreamRunStore(inner)
    {
        public int Lists { get; set; }

        public override Task<IReadOnlyList<DreamRun>> ListAsync(MemoryScope scope, int limit = 50, CancellationToken cancellationToken = default)
        {
            Lists++;
            return base.ListAsync(scope, limit, cancellationToken);
        }
    }
}
