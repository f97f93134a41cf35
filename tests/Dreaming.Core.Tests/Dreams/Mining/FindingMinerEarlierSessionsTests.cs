namespace Dreaming.Tests;

/// <summary>Mining with earlier sessions (a dream's lookback): they add support and count in the statistics, but a
/// pattern seen in no new session is not reported.</summary>
public class FindingMinerEarlierSessionsTests
{
    [Fact]
    public async Task A_pattern_reaches_support_from_earlier_sessions_only_with_a_new_one()
    {
        // Two failing refunds now, two from before, six passing sessions: support 4 with the earlier ones, 2 without.
        var sessions = DreamTestData.RefundSessions(10, failing: 4);
        var earlier = new HashSet<string>(StringComparer.Ordinal) { "s02", "s03" };

        var report = await new FindingMiner().MineAsync(sessions.ToAsyncEnumerable(), earlier, options: null, CancellationToken.None);
        var newOnly = await new FindingMiner().MineAsync(sessions.Where(s => !earlier.Contains(s.Session.Id)).ToAsyncEnumerable());

        var finding = Assert.Single(report.Findings, f => f.Kind == FindingKinds.ToolError);
        Assert.Equal(4, finding.Sessions);
        Assert.Equal(["s00", "s01", "s02", "s03"], finding.Evidence.Select(e => e.SessionId));
        Assert.Equal(10, report.SessionsMined);
        Assert.DoesNotContain(newOnly.Findings, f => f.Kind == FindingKinds.ToolError);
    }

    [Fact]
    public async Task A_pattern_seen_only_in_earlier_sessions_is_not_reported()
    {
        var sessions = DreamTestData.RefundSessions(10, failing: 4);
        var earlier = new HashSet<string>(StringComparer.Ordinal) { "s00", "s01", "s02", "s03" };

        var report = await new FindingMiner().MineAsync(sessions.ToAsyncEnumerable(), earlier, options: null, CancellationToken.None);
        var all = await new FindingMiner().MineAsync(sessions.ToAsyncEnumerable());

        Assert.DoesNotContain(report.Findings, f => f.Kind == FindingKinds.ToolError);
        Assert.Contains(all.Findings, f => f.Kind == FindingKinds.ToolError);
        Assert.Equal(0.4, report.BaseFailureRate, 3);
    }
}
