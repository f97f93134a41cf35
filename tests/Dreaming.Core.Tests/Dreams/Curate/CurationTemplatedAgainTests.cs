namespace Dreaming.Tests;

/// <summary>A templated lesson found again by a later dream, with other numbers, is the same lesson: it merges, whatever
/// the kind of its finding, while a lesson about another sequence, limit or tool is added.</summary>
public sealed class CurationTemplatedAgainTests
{
    private static readonly DateTimeOffset s_now = new(2026, 11, 25, 12, 0, 0, TimeSpan.Zero);
    private static readonly MemoryScope s_scope = MemoryScope.Agent("airline");

    public static TheoryData<string, string?, string> Findings() => new()
    {
        { FindingKinds.ToolSequence, null, "search_direct_flight -> search_onestop_flight" },
        { FindingKinds.LimitHit, null, "finish_reason: length" },
        { FindingKinds.ToolError, "book_reservation", "arguments not valid JSON" },
        { FindingKinds.RepeatedFailingCall, "book_reservation", "arguments not valid JSON" },
        { FindingKinds.ToolError, "book_reservation", "Error: payment amount does not add up, total price is <num>, but paid <num>" },
    };

    [Theory]
    [MemberData(nameof(Findings))]
    public void A_lesson_found_again_with_other_numbers_merges_into_the_first(string kind, string? tool, string signature)
    {
        // The first dream saw it in 18 sessions (17 failed, base rate 58%); the next one, over new sessions, in 25 (20 failed, 61%).
        var first = TemplateLessonWriter.Write(Finding(kind, tool, signature, 18, 17, "s1"), 0.58);
        var again = TemplateLessonWriter.Write(Finding(kind, tool, signature, 25, 20, "s2"), 0.61);
        Assert.NotEqual(first.Text, again.Text);

        var added = MemoryCurator.Curate([], [first], [], s_scope, _ => [], s_now);
        var result = MemoryCurator.Curate(added.Insights, [again], [], s_scope, _ => [], s_now.AddDays(1));

        var insight = Assert.Single(result.Insights);
        Assert.Equal(["s1", "s2"], insight.Evidence.Select(e => e.SessionId));
        var change = Assert.Single(result.Changes);
        Assert.Equal(DreamChangeOp.Merge, change.Op);
        Assert.Contains("same tool, error and wording", change.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Another_sequence_limit_or_tool_is_another_lesson()
    {
        var lessons = new[]
        {
            Finding(FindingKinds.ToolSequence, null, "search_direct_flight -> search_onestop_flight", 18, 17, "s1"),
            Finding(FindingKinds.ToolSequence, null, "search_direct_flight -> book_reservation", 25, 20, "s2"),
            Finding(FindingKinds.ToolSequence, null, "step1 -> step2", 25, 20, "s3"),
            Finding(FindingKinds.ToolSequence, null, "step1 -> step21", 25, 20, "s4"),
            Finding(FindingKinds.LimitHit, null, "finish_reason: length", 18, 17, "s5"),
            Finding(FindingKinds.LimitHit, null, "outcome: max_iterations_reached", 25, 20, "s6"),
            Finding(FindingKinds.ToolError, "book_reservation", "arguments not valid JSON", 18, 17, "s7"),
            Finding(FindingKinds.ToolError, "update_reservation_flights", "arguments not valid JSON", 25, 20, "s8"),
        }.Select(f => TemplateLessonWriter.Write(f, 0.58)).ToList();

        var result = MemoryCurator.Curate([], lessons, [], s_scope, _ => [], s_now);

        Assert.Equal(lessons.Count, result.Insights.Count);
        Assert.All(result.Changes, c => Assert.Equal(DreamChangeOp.Add, c.Op));
    }

    [Fact]
    public void A_tip_about_the_same_call_resent_is_not_merged_into_the_tip_about_its_error()
    {
        // τ-bench airline: update_reservation_flights returned 'flight … not available' in 5 sessions (3 failed, lift 1.03),
        // and in 3 of them (2 failed, lift 1.15) the agent sent the identical call again: both efficiency costs.
        const string Signature = "Error: flight <id> not available on date <date>";
        var error = Finding(FindingKinds.ToolError, "update_reservation_flights", Signature, 5, 3, "s1") with { Kind = FindingKinds.EfficiencyCost, WastedCalls = 15 };
        var resent = Finding(FindingKinds.RepeatedFailingCall, "update_reservation_flights", Signature, 3, 2, "s2") with { Kind = FindingKinds.EfficiencyCost, WastedCalls = 6 };
        var lessons = TemplateLessonWriter.Write([error, resent], 0.58);

        var result = MemoryCurator.Curate([], lessons, [], s_scope, _ => [], s_now);

        Assert.Equal(2, result.Insights.Count);
        Assert.All(result.Changes, c => Assert.Equal(DreamChangeOp.Add, c.Op));
        Assert.Contains("do not send the same call again unchanged (6 repeated calls in 3 sessions)", result.Insights[1].Text, StringComparison.Ordinal);
        Assert.DoesNotContain("same call", result.Insights[0].Text, StringComparison.Ordinal);

        // Found again by a later dream with other numbers, each merges into its own tip.
        var again = TemplateLessonWriter.Write([resent with { Sessions = 4, WastedCalls = 9, Evidence = [new FindingEvidence("s3", false, [3])] }], 0.6);
        var merged = MemoryCurator.Curate(result.Insights, again, [], s_scope, _ => [], s_now.AddDays(1));
        var change = Assert.Single(merged.Changes);
        Assert.Equal(DreamChangeOp.Merge, change.Op);
        Assert.Equal(result.Insights[1].Id, change.InsightId);
    }

    [Theory]
    [InlineData(true, false)]
    [InlineData(false, true)]
    public void A_criterion_found_again_is_worded_as_its_latest_verdict_says_whether_it_is_required(bool requiredBefore, bool requiredNow)
    {
        // The rubric stopped (or started) requiring "refund/order": the next dream's finding says so, but the lesson it
        // wrote merged into the one already in memory, which kept saying "it is required (not meeting it fails the outcome
        // whatever the score)" of a criterion no longer required (or kept silent about a new gate).
        var first = TemplateLessonWriter.Write(Finding(FindingKinds.RubricCriterion, null, "refund/order", 18, 17, "s1") with { RequiredCriterion = requiredBefore }, 0.58);
        var again = TemplateLessonWriter.Write(Finding(FindingKinds.RubricCriterion, null, "refund/order", 25, 20, "s2") with { RequiredCriterion = requiredNow }, 0.61);

        var added = MemoryCurator.Curate([], [first], [], s_scope, _ => [], s_now);
        var result = MemoryCurator.Curate(added.Insights, [again], [], s_scope, _ => [], s_now.AddDays(1));

        var insight = Assert.Single(result.Insights);
        Assert.Equal((added.Insights[0].Id, again.Text), (insight.Id, insight.Text));
        Assert.Equal(requiredNow, insight.Text.Contains("it is required", StringComparison.Ordinal));
        Assert.Equal(["s1", "s2"], insight.Evidence.Select(e => e.SessionId));
        var change = Assert.Single(result.Changes);
        Assert.Equal((DreamChangeOp.Update, insight.Id), (change.Op, change.InsightId));
        Assert.Contains("worded otherwise", change.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void A_lesson_worded_anew_is_merged_not_worded_again_by_the_next_dreams_that_find_it_the_same()
    {
        // Rewording must not churn: once the text says what the latest verdict says, a dream that finds the same lesson
        // with other numbers only, or with the very same text, merges its evidence and keeps the text (no update).
        var first = TemplateLessonWriter.Write(Finding(FindingKinds.RubricCriterion, null, "refund/order", 18, 17, "s1") with { RequiredCriterion = true }, 0.58);
        var reworded = TemplateLessonWriter.Write(Finding(FindingKinds.RubricCriterion, null, "refund/order", 25, 20, "s2"), 0.61);
        var same = TemplateLessonWriter.Write(Finding(FindingKinds.RubricCriterion, null, "refund/order", 31, 24, "s3"), 0.6);
        var memory = MemoryCurator.Curate([], [first], [], s_scope, _ => [], s_now).Insights;
        memory = MemoryCurator.Curate(memory, [reworded], [], s_scope, _ => [], s_now.AddDays(1)).Insights;

        var ops = new List<DreamChangeOp>();
        foreach (var candidate in new[] { same, same, reworded })
        {
            var result = MemoryCurator.Curate(memory, [candidate], [], s_scope, _ => [], s_now.AddDays(2 + ops.Count));
            ops.Add(Assert.Single(result.Changes).Op);
            memory = result.Insights;
        }

        Assert.Equal([DreamChangeOp.Merge, DreamChangeOp.Merge, DreamChangeOp.Merge], ops);
        Assert.Equal(reworded.Text, Assert.Single(memory).Text);
        Assert.Equal(["s1", "s2", "s3"], memory[0].Evidence.Select(e => e.SessionId));
    }

    [Fact]
    public void A_lesson_a_person_reworded_keeps_their_wording_when_found_again()
    {
        var first = TemplateLessonWriter.Write(Finding(FindingKinds.RubricCriterion, null, "refund/order", 18, 17, "s1") with { RequiredCriterion = true }, 0.58);
        var again = TemplateLessonWriter.Write(Finding(FindingKinds.RubricCriterion, null, "refund/order", 25, 20, "s2"), 0.61);
        var added = MemoryCurator.Curate([], [first], [], s_scope, _ => [], s_now);
        var edited = added.Insights[0] with { Text = first.Text.Replace("Check it before you finish.", "Quote the order id.", StringComparison.Ordinal), Source = InsightSource.Human };

        var result = MemoryCurator.Curate([edited], [again], [], s_scope, _ => [], s_now.AddDays(1));

        Assert.Equal(edited.Text, Assert.Single(result.Insights).Text);
        Assert.Equal(DreamChangeOp.Merge, Assert.Single(result.Changes).Op);
    }

    private static Finding Finding(string kind, string? tool, string signature, int sessions, int failed, string session) =>
        DreamTestData.ToolErrorFinding(tool ?? "unused", signature, session) with
        {
            Kind = kind,
            Pattern = kind,
            Tool = tool,
            Sessions = sessions,
            FailedSessions = failed,
            FailureRate = (double)failed / sessions,
        };
}
