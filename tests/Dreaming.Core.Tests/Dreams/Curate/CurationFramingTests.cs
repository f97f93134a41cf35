namespace Dreaming.Tests;

/// <summary>A later dream, over other sessions, can frame the same error the other way (a pitfall, then an efficiency tip,
/// or the reverse): the memory keeps one insight for it, in the framing with as much or more support.</summary>
public sealed class CurationFramingTests
{
    private const string Tool = "update_reservation_flights";
    private const string Signature = "Error: flight <id> not available on date <date>";
    private static readonly DateTimeOffset s_now = new(2026, 11, 25, 12, 0, 0, TimeSpan.Zero);
    private static readonly MemoryScope s_scope = MemoryScope.Agent("airline");

    [Fact]
    public void A_tip_with_as_much_support_replaces_the_pitfall_about_the_same_error_in_place()
    {
        var pitfall = TemplateLessonWriter.Write(Finding(FindingKinds.ToolError, 3, 3, "s1", "s2", "s3"), 0.58);
        var first = MemoryCurator.Curate([], [pitfall], [], s_scope, _ => [], s_now);
        var tip = TemplateLessonWriter.Write(Finding(FindingKinds.EfficiencyCost, 4, 1, "s4", "s5", "s6", "s7") with { WastedCalls = 5 }, 0.58);
        var other = TemplateLessonWriter.Write(Finding(FindingKinds.EfficiencyCost, 4, 1, "s8") with { Signature = "Error: payment method not found" }, 0.58);

        var result = MemoryCurator.Curate(first.Insights, [tip, other], [], s_scope, _ => [], s_now.AddDays(1));

        Assert.Equal(2, result.Insights.Count);
        var insight = result.Insights[0];
        Assert.Equal((first.Insights[0].Id, InsightKind.Workflow, tip.Text), (insight.Id, insight.Kind, insight.Text));
        Assert.Equal(["s1", "s2", "s3", "s4", "s5", "s6", "s7"], insight.Evidence.Select(e => e.SessionId));
        Assert.Equal([DreamChangeOp.Update, DreamChangeOp.Add], result.Changes.Select(c => c.Op));
        Assert.Contains("as an efficiency tip", result.Changes[0].Reason, StringComparison.Ordinal);
        Assert.Contains("(4 against 3)", result.Changes[0].Reason, StringComparison.Ordinal);
        Assert.Contains("error: payment method not found", result.Insights[1].Text, StringComparison.OrdinalIgnoreCase);
    }

    [Theory]
    [InlineData(FindingKinds.ToolError)]
    [InlineData(FindingKinds.RepeatedFailingCall)]
    public void A_pitfall_with_less_support_only_merges_its_evidence_into_the_tip(string pattern)
    {
        var tip = TemplateLessonWriter.Write(Finding(FindingKinds.EfficiencyCost, 4, 1, "s1", "s2", "s3", "s4") with { Pattern = pattern, WastedCalls = 5 }, 0.58);
        var first = MemoryCurator.Curate([], [tip], [], s_scope, _ => [], s_now);
        var pitfall = TemplateLessonWriter.Write(Finding(pattern, 2, 2, "s5", "s6"), 0.58);

        var result = MemoryCurator.Curate(first.Insights, [pitfall], [], s_scope, _ => [], s_now.AddDays(1));

        var insight = Assert.Single(result.Insights);
        Assert.Equal((InsightKind.Workflow, tip.Text), (insight.Kind, insight.Text));
        Assert.Equal(6, insight.Evidence.Count);
        var change = Assert.Single(result.Changes);
        Assert.Equal(DreamChangeOp.Merge, change.Op);
        Assert.Contains("tied to failure", change.Reason, StringComparison.Ordinal);
        Assert.Contains("(2 against 4)", change.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void A_tip_about_the_call_resent_is_not_the_other_framing_of_the_pitfall_about_the_error()
    {
        var pitfall = TemplateLessonWriter.Write(Finding(FindingKinds.ToolError, 3, 3, "s1", "s2", "s3"), 0.58);
        var first = MemoryCurator.Curate([], [pitfall], [], s_scope, _ => [], s_now);
        var resent = TemplateLessonWriter.Write(Finding(FindingKinds.EfficiencyCost, 4, 1, "s4", "s5", "s6", "s7") with { Pattern = FindingKinds.RepeatedFailingCall }, 0.58);

        var result = MemoryCurator.Curate(first.Insights, [resent], [], s_scope, _ => [], s_now.AddDays(1));

        Assert.Equal(2, result.Insights.Count);
        Assert.Equal(pitfall.Text, result.Insights[0].Text);
        Assert.Equal(DreamChangeOp.Add, Assert.Single(result.Changes).Op);
    }

    [Theory]
    [InlineData(true, false)]
    [InlineData(false, true)]
    public void A_criterion_found_again_in_the_other_framing_with_less_support_keeps_its_framing_but_says_whether_it_is_required_now(bool requiredBefore, bool requiredNow)
    {
        // The tip (better supported) stays, but it went on saying "it is required" of a criterion the rubric no longer
        // requires (or kept silent about a new gate) when the pitfall found again said otherwise.
        var tip = TemplateLessonWriter.Write(Criterion(FindingKinds.EfficiencyCost, 6, 1, requiredBefore, "s1", "s2", "s3", "s4", "s5", "s6") with { WastedCalls = 7 }, 0.5);
        var first = MemoryCurator.Curate([], [tip], [], s_scope, _ => [], s_now);
        var pitfall = TemplateLessonWriter.Write(Criterion(FindingKinds.RubricCriterion, 2, 2, requiredNow, "s7", "s8"), 0.5);

        var result = MemoryCurator.Curate(first.Insights, [pitfall], [], s_scope, _ => [], s_now.AddDays(1));

        var insight = Assert.Single(result.Insights);
        var expected = TemplateLessonWriter.Write(Criterion(FindingKinds.EfficiencyCost, 6, 1, requiredNow, "s1") with { WastedCalls = 7 }, 0.5).Text;
        Assert.Equal((first.Insights[0].Id, InsightKind.Workflow, expected), (insight.Id, insight.Kind, insight.Text));
        Assert.Equal(8, insight.Evidence.Count);
        var change = Assert.Single(result.Changes);
        Assert.Equal(DreamChangeOp.Update, change.Op);
        Assert.Contains("the better-supported framing is kept, worded as the criterion's latest verdict says", change.Reason, StringComparison.Ordinal);

        // And the other way round: the pitfall kept, the tip found again with less support.
        var gate = TemplateLessonWriter.Write(Criterion(FindingKinds.RubricCriterion, 6, 6, requiredBefore, "s1", "s2", "s3", "s4", "s5", "s6"), 0.5);
        var kept = MemoryCurator.Curate([], [gate], [], s_scope, _ => [], s_now);
        var cost = TemplateLessonWriter.Write(Criterion(FindingKinds.EfficiencyCost, 2, 1, requiredNow, "s7", "s8") with { WastedCalls = 3 }, 0.5);
        var reworded = Assert.Single(MemoryCurator.Curate(kept.Insights, [cost], [], s_scope, _ => [], s_now.AddDays(1)).Insights);
        Assert.Equal(TemplateLessonWriter.Write(Criterion(FindingKinds.RubricCriterion, 6, 6, requiredNow, "s1"), 0.5).Text, reworded.Text);
    }

    [Fact]
    public void A_framing_whose_evidence_is_at_the_bound_is_not_taken_over_by_one_dreams_finding_of_the_other_framing()
    {
        // With CurationOptions.MaxEvidence at one dream's evidence (MiningOptions.MaxEvidence, 10), a pitfall three dreams
        // found (30 sessions, 10 kept) had only the support of one dream's tip about the same error: a tie, which the newer
        // framing won, and the next dream's pitfall won it back, so the insight changed framing with every dream.
        var options = new CurationOptions { MaxEvidence = 10 };
        var memory = MemoryCurator.Curate([], [Night(FindingKinds.ToolError, 0)], [], s_scope, _ => [], s_now, options).Insights;
        for (var night = 1; night < 3; night++)
        {
            memory = MemoryCurator.Curate(memory, [Night(FindingKinds.ToolError, night)], [], s_scope, _ => [], s_now.AddDays(night), options).Insights;
        }

        var result = MemoryCurator.Curate(memory, [Night(FindingKinds.EfficiencyCost, 3)], [], s_scope, _ => [], s_now.AddDays(3), options);

        var insight = Assert.Single(result.Insights);
        Assert.Equal((InsightKind.Pitfall, memory[0].Text), (insight.Kind, insight.Text));
        var change = Assert.Single(result.Changes);
        Assert.Equal(DreamChangeOp.Merge, change.Op);
        Assert.Contains("(10 against 10, its evidence at the bound of 10 sessions)", change.Reason, StringComparison.Ordinal);

        // A tip with more support (the counters: sessions given the pitfall that failed) still takes over.
        var harmed = MemoryCurator.Curate([memory[0] with { Harmful = 1, Helpful = 0 }], [Night(FindingKinds.EfficiencyCost, 3)], [], s_scope, _ => [], s_now.AddDays(3), options);
        Assert.Equal(InsightKind.Workflow, Assert.Single(harmed.Insights).Kind);

        static LessonCandidate Night(string kind, int night) => TemplateLessonWriter.Write(
            Finding(kind, 10, kind == FindingKinds.ToolError ? 10 : 2, [.. Enumerable.Range(night * 10, 10).Select(i => $"s{i}")]) with { WastedCalls = 12 },
            0.5);
    }

    private static Finding Criterion(string kind, int sessions, int failed, bool required, params string[] evidence) =>
        Finding(kind, sessions, failed, evidence) with { Pattern = FindingKinds.RubricCriterion, Tool = null, Signature = "refund/order", RequiredCriterion = required };

    private static Finding Finding(string kind, int sessions, int failed, params string[] evidence) =>
        DreamTestData.ToolErrorFinding(Tool, Signature, evidence) with
        {
            Kind = kind,
            Pattern = kind == FindingKinds.EfficiencyCost ? FindingKinds.ToolError : kind,
            Sessions = sessions,
            FailedSessions = failed,
            FailureRate = (double)failed / sessions,
        };
}
