using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace Dreaming.Tests;

/// <summary>What names a session after the retention job purged it: the insights' evidence, the dream run's session ids,
/// the next dream's read history, lookback and credit assignment. Nothing may throw or read a session twice.</summary>
public class RetentionReferencesTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 26, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task The_dream_after_a_purge_of_what_the_last_one_read_and_its_insights_cite_completes_over_the_new_sessions_only()
    {
        var time = new FakeTimeProvider(Now);
        var services = new ServiceCollection();
        services.AddSingleton<TimeProvider>(time);
        services.AddDreamingAgents().UseInMemoryStore().AddSessionRetention(TimeSpan.FromDays(30), o => o.DreamScopes.Add(MemoryScope.Agent("bot")));
        await using var provider = services.BuildServiceProvider();
        var traces = provider.GetRequiredService<ITraceStore>();
        var dreams = provider.GetRequiredService<IDreamConsolidator>();
        var memory = provider.GetRequiredService<IMemoryStore>();
        var request = new DreamRunRequest { Scope = MemoryScope.Agent("bot"), Lookback = TimeSpan.FromDays(90) };

        await traces.ImportAsync([.. Enumerable.Range(0, 12).Select(i => DreamTestData.RefundSession($"old-{i:D2}", fails: i < 9, start: Now.AddDays(-60).AddMinutes(i)))]);
        var first = await dreams.DreamAsync(request);
        Assert.Equal(DreamRunStatus.Completed, first.Status);
        var version = await memory.GetActiveVersionAsync(MemoryScope.Agent("bot"));
        var cited = version!.Insights.SelectMany(i => i.Evidence).Select(e => e.SessionId).ToHashSet(StringComparer.Ordinal);
        Assert.Contains("old-00", cited);

        // Every session the dream read is purged; its evidence and run still name them.
        var purge = await provider.GetRequiredService<SessionRetention>().RunOnceAsync();
        Assert.Equal(12, purge.Purged);
        Assert.Null(purge.HeldBy);

        // New sessions given the insights: the next dream reads them alone, credits the insights from them, and its
        // lookback finds nothing of the purged ones.
        var given = version.Insights.Select(i => i.Id).ToList();
        await traces.ImportAsync([.. Enumerable.Range(0, 12).Select(i =>
        {
            var session = DreamTestData.RefundSession($"new-{i:D2}", fails: i < 3, start: Now.AddDays(-1).AddMinutes(i));
            return session with { Session = session.Session with { InsightIds = given, MemoryVersionId = version.Id } };
        })]);
        var second = await dreams.DreamAsync(request);

        Assert.Equal(DreamRunStatus.Completed, second.Status);
        Assert.All(second.Results.SessionIds, id => Assert.StartsWith("new-", id, StringComparison.Ordinal));
        Assert.Equal(12, second.Results.SessionIds.Count);
        var after = await memory.GetActiveVersionAsync(MemoryScope.Agent("bot"));
        Assert.True(after!.Insights.Sum(i => i.Seen) > version.Insights.Sum(i => i.Seen), "the new sessions credited the insights they were given");
    }
}
