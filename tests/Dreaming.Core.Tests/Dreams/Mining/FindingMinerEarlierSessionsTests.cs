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

    [Fact]
    public async Task The_evidence_lists_the_new_sessions_first_even_when_old_failures_would_fill_it()
    {
        // The refund error now in one new session that passed, and in five old ones that failed: tied to failure, whose
        // evidence lists failed sessions first. The new session must still be cited, and first: it is why it is reported.
        var newPassed = DreamTestData.RefundSession("new-00", fails: true);
        newPassed = newPassed with { Session = newPassed.Session with { Outcome = SessionOutcome.Succeeded() } };
        List<SessionWithEvents> sessions =
        [
            newPassed,
            .. Enumerable.Range(1, 9).Select(i => DreamTestData.RefundSession($"new-{i:D2}", fails: false)),
            .. Enumerable.Range(0, 5).Select(i => DreamTestData.RefundSession($"old-{i:D2}", fails: true)),
            .. Enumerable.Range(5, 5).Select(i => DreamTestData.RefundSession($"old-{i:D2}", fails: false)),
        ];
        var earlier = sessions.Select(s => s.Session.Id).Where(id => id.StartsWith("old-", StringComparison.Ordinal)).ToHashSet(StringComparer.Ordinal);

        var report = await new FindingMiner().MineAsync(sessions.ToAsyncEnumerable(), earlier, new MiningOptions { MaxEvidence = 3 }, CancellationToken.None);

        var finding = Assert.Single(report.Findings, f => f.Kind == FindingKinds.ToolError);
        Assert.Equal(6, finding.Sessions);
        Assert.Equal(["new-00", "old-00", "old-01"], finding.Evidence.Select(e => e.SessionId));
    }

    [Fact]
    public async Task Without_earlier_sessions_the_evidence_keeps_its_order()
    {
        // Tied to failure: failed sessions first, then passed ones, in the order mined.
        var passed = DreamTestData.RefundSession("a-passed", fails: true);
        passed = passed with { Session = passed.Session with { Outcome = SessionOutcome.Succeeded() } };
        List<SessionWithEvents> sessions =
        [
            passed,
            .. Enumerable.Range(0, 9).Select(i => DreamTestData.RefundSession($"ok-{i:D2}", fails: false)),
            .. Enumerable.Range(0, 3).Select(i => DreamTestData.RefundSession($"f-{i:D2}", fails: true)),
        ];

        var report = await new FindingMiner().MineAsync(sessions.ToAsyncEnumerable());

        var finding = Assert.Single(report.Findings, f => f.Kind == FindingKinds.ToolError);
        Assert.Equal(["f-00", "f-01", "f-02", "a-passed"], finding.Evidence.Select(e => e.SessionId));
    }
}
