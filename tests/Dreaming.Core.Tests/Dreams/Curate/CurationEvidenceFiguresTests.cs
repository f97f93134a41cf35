using System.Globalization;
using System.Text.RegularExpressions;

namespace Dreaming.Tests;

/// <summary>The figures a lesson found again by many dreams shows the agent and the reviewer agree with one another once
/// its evidence is at the <see cref="CurationOptions.MaxEvidence"/> bound, and a change says exactly which evidence
/// sessions it left out.</summary>
public sealed partial class CurationEvidenceFiguresTests
{
    private static readonly DateTimeOffset s_now = new(2026, 11, 25, 12, 0, 0, TimeSpan.Zero);
    private static readonly MemoryScope s_scope = MemoryScope.Agent("airline");

    [Fact]
    public void A_merge_that_leaves_out_some_of_the_lessons_own_sessions_says_so_apart_from_the_insights_oldest()
    {
        // Found again with more sessions than the bound: the lesson's first three are kept, and what is left out is the
        // insight's three and the lesson's own last one, not "the 4 oldest".
        var options = new CurationOptions { MaxEvidence = 3 };
        var first = TemplateLessonWriter.Write(DreamTestData.ToolErrorFinding("book_reservation", DreamTestData.PaymentError, "f1", "f2", "f3"), 0.5);
        var added = MemoryCurator.Curate([], [first], [], s_scope, _ => [], s_now, options);
        var again = TemplateLessonWriter.Write(DreamTestData.ToolErrorFinding("book_reservation", DreamTestData.PaymentError, "n1", "n2", "n3", "n4"), 0.5);

        var merged = MemoryCurator.Curate(added.Insights, [again], [], s_scope, _ => [], s_now.AddDays(1), options);

        Assert.Equal(["n1", "n2", "n3"], Assert.Single(merged.Insights).Evidence.Select(e => e.SessionId));
        Assert.EndsWith(
            "3 of its 4 evidence sessions merged; left out: the insight's 3 oldest and this lesson's last 1 (the evidence keeps at most 3 sessions: those the lesson found now cites, its first ones first, then the newest of the others)",
            Assert.Single(merged.Changes).Reason,
            StringComparison.Ordinal);
    }

    [Fact]
    public void A_lesson_added_with_more_sessions_than_the_bound_says_how_many_it_keeps()
    {
        var options = new CurationOptions { MaxEvidence = 3 };
        var lesson = TemplateLessonWriter.Write(DreamTestData.ToolErrorFinding("book_reservation", DreamTestData.PaymentError, "f1", "f2", "f3", "f4", "f5"), 0.5);

        var added = MemoryCurator.Curate([], [lesson], [], s_scope, _ => [], s_now, options);

        Assert.Equal(["f1", "f2", "f3"], Assert.Single(added.Insights).Evidence.Select(e => e.SessionId));
        Assert.EndsWith("; its first 3 of 5 evidence sessions kept (the evidence keeps at most 3 sessions)", Assert.Single(added.Changes).Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void At_a_bound_of_one_a_merge_and_an_add_say_session_not_sessions()
    {
        var options = new CurationOptions { MaxEvidence = 1 };
        var first = TemplateLessonWriter.Write(DreamTestData.ToolErrorFinding("book_reservation", DreamTestData.PaymentError, "f1", "f2"), 0.5);
        var added = MemoryCurator.Curate([], [first], [], s_scope, _ => [], s_now, options);
        Assert.EndsWith("; its first 1 of 2 evidence sessions kept (the evidence keeps at most 1 session)", Assert.Single(added.Changes).Reason, StringComparison.Ordinal);

        var again = TemplateLessonWriter.Write(DreamTestData.ToolErrorFinding("book_reservation", DreamTestData.PaymentError, "n1"), 0.5);
        var merged = MemoryCurator.Curate(added.Insights, [again], [], s_scope, _ => [], s_now.AddDays(1), options);

        Assert.Equal(["n1"], Assert.Single(merged.Insights).Evidence.Select(e => e.SessionId));
        Assert.EndsWith(
            "its 1 evidence session merged; left out: the insight's 1 oldest (the evidence keeps at most 1 session: those the lesson found now cites, its first ones first, then the newest of the others)",
            Assert.Single(merged.Changes).Reason,
            StringComparison.Ordinal);

        var tip = TemplateLessonWriter.Write(
            DreamTestData.ToolErrorFinding("book_reservation", DreamTestData.PaymentError, "t1", "t2") with { Kind = FindingKinds.EfficiencyCost, WastedCalls = 4 },
            0.5);
        var reframed = MemoryCurator.Curate(merged.Insights, [tip], [], s_scope, _ => [], s_now.AddDays(2), options);
        Assert.Contains("with no more support (1 against 1, its evidence at the bound of 1 session)", Assert.Single(reframed.Changes).Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void A_lesson_citing_a_session_twice_is_added_with_it_once_so_finding_it_again_changes_no_evidence()
    {
        // A reflector may cite two events of one session (s1#4, s1#9): the evidence keeps each session once, as a merge
        // does, so the next dream that finds the same lesson in the same sessions does not drop one in silence.
        var lesson = TemplateLessonWriter.Write(DreamTestData.ToolErrorFinding("book_reservation", DreamTestData.PaymentError, "s1", "s2"), 0.5) with
        {
            Evidence = [new InsightEvidence("s1", 4), new InsightEvidence("s1", 9), new InsightEvidence("s2")],
        };

        var added = MemoryCurator.Curate([], [lesson], [], s_scope, _ => [], s_now);
        Assert.Equal([new InsightEvidence("s1", 4), new InsightEvidence("s2")], Assert.Single(added.Insights).Evidence);

        var again = MemoryCurator.Curate(added.Insights, [lesson], [], s_scope, _ => [], s_now.AddDays(1));
        Assert.Equal(Assert.Single(added.Insights).Evidence, Assert.Single(again.Insights).Evidence);
        Assert.EndsWith("its 2 evidence sessions merged", Assert.Single(again.Changes).Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Thirty_dreams_past_the_evidence_bound_show_figures_that_agree_with_one_another()
    {
        // Each night's dream finds the lesson again in its own sessions (10 of them its evidence) and the sessions given
        // the lesson credit it. After ten nights the evidence is at the bound of 100; the figures must still agree: the text
        // and the change quote the same (latest) dream's sessions, the evidence holds what the changes say they kept and
        // left out, and the support a change quotes is the evidence kept plus helpful minus harmful, as shown.
        var memory = (IReadOnlyList<Insight>)[];
        var leftOut = 0;
        var given = (Seen: 0, Helpful: 0, Harmful: 0);
        for (var night = 0; night < 30; night++)
        {
            var (sessions, failed) = (12 + (night % 7), 9 + (night % 3));
            var finding = DreamTestData.ToolErrorFinding("book_reservation", DreamTestData.PaymentError, [.. Enumerable.Range(night * 10, 10).Select(i => $"s{i}")]) with
            {
                Sessions = sessions,
                FailedSessions = failed,
                FailureRate = (double)failed / sessions,
            };
            var credits = memory.Count == 0
                ? []
                : Enumerable.Range(0, 5).Select(i => new InsightCredit(memory[0].Id, $"given{night}-{i}", Helpful: i < 4, Harmful: i == 4)).ToList();
            given = memory.Count == 0 ? given : (given.Seen + 5, given.Helpful + 4, given.Harmful + 1);

            var result = MemoryCurator.Curate(memory, [TemplateLessonWriter.Write(finding, 0.5)], credits, s_scope, _ => [], s_now.AddDays(night));
            memory = result.Insights;

            var insight = Assert.Single(memory);
            var percent = (int)Math.Round(100.0 * failed / sessions, MidpointRounding.AwayFromZero);
            Assert.Contains(Invariant($"; {failed} of the {sessions} sessions where it happened failed ({percent}%, against 50% overall)."), insight.Text, StringComparison.Ordinal);
            var change = Assert.Single(result.Changes, c => c.Op != DreamChangeOp.Update || !c.Reason.StartsWith("given to", StringComparison.Ordinal));
            Assert.Equal(insight.Text, change.Text);
            if (night > 0)
            {
                Assert.Contains(Invariant($"found again in {sessions} sessions ({failed} failed)"), change.Reason, StringComparison.Ordinal);
            }

            if (LeftOut().Match(change.Reason) is { Success: true } match)
            {
                leftOut += int.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture);
            }

            Assert.Equal(Math.Min(100, (night + 1) * 10), insight.Evidence.Count);
            Assert.Equal((night + 1) * 10, insight.Evidence.Count + leftOut);
            Assert.Equal(Enumerable.Range(Math.Max(0, (night - 9) * 10), insight.Evidence.Count).Select(i => $"s{i}"), insight.Evidence.Select(e => e.SessionId));
            Assert.Equal(given, (insight.Seen, insight.Helpful, insight.Harmful));
        }

        // The same error found as an efficiency tip with less support: the change quotes the insight's support as its
        // evidence kept plus helpful minus harmful (100 + 116 - 29), and says its evidence is at the bound.
        var tip = TemplateLessonWriter.Write(
            DreamTestData.ToolErrorFinding("book_reservation", DreamTestData.PaymentError, "t1", "t2") with { Kind = FindingKinds.EfficiencyCost, WastedCalls = 4 },
            0.5);
        var reframed = MemoryCurator.Curate(memory, [tip], [], s_scope, _ => [], s_now.AddDays(30));
        var kept = Assert.Single(reframed.Insights);
        var support = kept.Evidence.Count + kept.Helpful - kept.Harmful;
        Assert.Equal(187, support);
        Assert.Contains(Invariant($"with less support (2 against {support}, its evidence at the bound of 100 sessions)"), Assert.Single(reframed.Changes).Reason, StringComparison.Ordinal);
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);

    [GeneratedRegex(@"the insight's (\d+) oldest")]
    private static partial Regex LeftOut();
}
