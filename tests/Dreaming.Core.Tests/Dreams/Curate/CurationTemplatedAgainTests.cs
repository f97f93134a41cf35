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
    public void A_lesson_found_again_with_other_numbers_is_the_first_one_quoting_the_later_dreams_figures(string kind, string? tool, string signature)
    {
        // The first dream saw it in 18 sessions (17 failed, base rate 58%); the next one, over new sessions, in 25 (20 failed,
        // 61%). It is the same lesson (one insight, its id and evidence kept), and its text quotes the newer figures: the
        // first dream's numbers stayed for ever before ("17 of the 18" after 20 of 25, and 200 of 250 later).
        var first = TemplateLessonWriter.Write(Finding(kind, tool, signature, 18, 17, "s1"), 0.58);
        var again = TemplateLessonWriter.Write(Finding(kind, tool, signature, 25, 20, "s2"), 0.61);
        Assert.NotEqual(first.Text, again.Text);

        var added = MemoryCurator.Curate([], [first], [], s_scope, _ => [], s_now);
        var result = MemoryCurator.Curate(added.Insights, [again], [], s_scope, _ => [], s_now.AddDays(1));

        var insight = Assert.Single(result.Insights);
        Assert.Equal((added.Insights[0].Id, again.Text), (insight.Id, insight.Text));
        Assert.Equal(["s1", "s2"], insight.Evidence.Select(e => e.SessionId));
        var change = Assert.Single(result.Changes);
        Assert.Equal(DreamChangeOp.Update, change.Op);
        Assert.Contains("same tool, error and wording", change.Reason, StringComparison.Ordinal);
        Assert.Contains("with the figures of these sessions now", change.Reason, StringComparison.Ordinal);
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

        // Found again by a later dream with other numbers, each is its own tip again, with the new figures.
        var again = TemplateLessonWriter.Write([resent with { Sessions = 4, WastedCalls = 9, Evidence = [new FindingEvidence("s3", false, [3])] }], 0.6);
        var merged = MemoryCurator.Curate(result.Insights, again, [], s_scope, _ => [], s_now.AddDays(1));
        var change = Assert.Single(merged.Changes);
        Assert.Equal((DreamChangeOp.Update, result.Insights[1].Id), (change.Op, change.InsightId));
        Assert.Contains("(9 repeated calls in 4 sessions)", merged.Insights[1].Text, StringComparison.Ordinal);
        Assert.Equal(result.Insights[0].Text, merged.Insights[0].Text);
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
    public void A_lesson_found_again_with_the_very_same_text_is_merged_without_an_update()
    {
        // No churn: a dream that finds the lesson with the very same text merges its evidence and changes no text; one
        // with other numbers quotes its own figures, keeping the wording the latest verdict gave it.
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

        Assert.Equal([DreamChangeOp.Update, DreamChangeOp.Merge, DreamChangeOp.Update], ops);
        Assert.Equal(reworded.Text, Assert.Single(memory).Text);
        Assert.DoesNotContain("it is required", same.Text, StringComparison.Ordinal);
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

    [Fact]
    public async Task A_lesson_a_person_edited_through_the_store_without_saying_so_keeps_their_wording_when_found_again()
    {
        // The edit in code, by a person, changes the advice but leaves Source as the dream wrote it (Mined): the next dream
        // that found the lesson put its own template text back in place of the person's.
        var store = new InMemoryMemoryStore();
        var first = TemplateLessonWriter.Write(Finding(FindingKinds.ToolError, "book_reservation", DreamTestData.PaymentError, 18, 17, "s1"), 0.58);
        var added = MemoryCurator.Curate([], [first], [], s_scope, _ => [], s_now);
        var dreamt = await store.ProposeAsync(new MemoryProposal { Scope = s_scope, Author = MemoryAuthor.DreamRun("dr-1"), Insights = added.Insights });
        var personal = first.Text.Replace("and do not finish until the call succeeds.", "and recompute the total from the fares first.", StringComparison.Ordinal);
        Assert.NotEqual(first.Text, personal);
        var edited = await store.EditAsync(dreamt.Id, new MemoryEdit { Author = MemoryAuthor.Person("alice"), Upserts = [dreamt.Insights[0] with { Text = personal }] });

        var again = TemplateLessonWriter.Write(Finding(FindingKinds.ToolError, "book_reservation", DreamTestData.PaymentError, 25, 20, "s2"), 0.61);
        var result = MemoryCurator.Curate(edited.Insights, [again], [], s_scope, _ => [], s_now.AddDays(1));

        var insight = Assert.Single(result.Insights);
        Assert.Equal((personal, InsightSource.Human), (insight.Text, insight.Source));
        Assert.Equal(["s1", "s2"], insight.Evidence.Select(e => e.SessionId));
        Assert.Equal(DreamChangeOp.Merge, Assert.Single(result.Changes).Op);
    }

    [Fact]
    public void A_lesson_found_again_every_night_keeps_the_newest_evidence_sessions_not_all_of_them()
    {
        // Each dream that found the lesson again appended its sessions, and every version stores the whole list: a year of
        // nightly dreams made 3,650 evidence sessions on one insight, in each of 365 versions.
        var memory = MemoryCurator.Curate([], [Night(0)], [], s_scope, _ => [], s_now).Insights;
        CurationResult result = null!;
        for (var night = 1; night < 30; night++)
        {
            result = MemoryCurator.Curate(memory, [Night(night)], [], s_scope, _ => [], s_now.AddDays(night));
            memory = result.Insights;
        }

        var insight = Assert.Single(memory);
        Assert.Equal(100, insight.Evidence.Count);
        Assert.Equal(Enumerable.Range(200, 100).Select(i => $"s{i}"), insight.Evidence.Select(e => e.SessionId));
        Assert.Contains("its 10 evidence sessions merged; left out: the insight's 10 oldest (the evidence keeps at most 100 sessions: those the lesson found now cites, its first ones first, then the newest of the others)", Assert.Single(result.Changes).Reason, StringComparison.Ordinal);

        var options = new CurationOptions { MaxEvidence = 15 };
        var capped = MemoryCurator.Curate(memory, [Night(30)], [], s_scope, _ => [], s_now.AddDays(30), options);
        Assert.Equal(Enumerable.Range(295, 15).Select(i => $"s{i}"), Assert.Single(capped.Insights).Evidence.Select(e => e.SessionId));
        Assert.Equal(15, MemoryCurator.Curate([], [Night(31) with { Evidence = [.. Enumerable.Range(0, 20).Select(i => new InsightEvidence($"n{i}"))] }], [], s_scope, _ => [], s_now, options).Insights[0].Evidence.Count);

        static LessonCandidate Night(int night) => TemplateLessonWriter.Write(
            DreamTestData.ToolErrorFinding("book_reservation", DreamTestData.PaymentError, [.. Enumerable.Range(night * 10, 10).Select(i => $"s{i}")]),
            0.5);
    }

    [Fact]
    public void A_lesson_with_more_evidence_than_the_bound_keeps_the_sessions_its_finding_cites_first()
    {
        // A finding lists the sessions that show it best first: the failed ones of a pitfall, and with lookback the new ones
        // before those earlier dreams read. The bound kept the end of the list: the successes, the earlier sessions.
        var options = new CurationOptions { MaxEvidence = 3 };
        var pitfall = TemplateLessonWriter.Write(DreamTestData.ToolErrorFinding("book_reservation", DreamTestData.PaymentError, "f1", "f2", "f3", "ok4", "ok5"), 0.5);
        var added = MemoryCurator.Curate([], [pitfall], [], s_scope, _ => [], s_now, options);
        Assert.Equal(["f1", "f2", "f3"], Assert.Single(added.Insights).Evidence.Select(e => e.SessionId));

        // Found again with more sessions than the bound: the finding's first ones, not its last.
        var again = TemplateLessonWriter.Write(DreamTestData.ToolErrorFinding("book_reservation", DreamTestData.PaymentError, "n1", "n2", "n3", "n4"), 0.5);
        var merged = MemoryCurator.Curate(added.Insights, [again], [], s_scope, _ => [], s_now.AddDays(1), options);
        Assert.Equal(["n1", "n2", "n3"], Assert.Single(merged.Insights).Evidence.Select(e => e.SessionId));
        Assert.Contains("3 of its 4 evidence sessions merged; left out: the insight's 3 oldest and this lesson's last 1", Assert.Single(merged.Changes).Reason, StringComparison.Ordinal);

        // Found again by a lookback dream citing a new session and one it already holds (f1, its oldest): both are kept, and
        // the oldest of the others is left out.
        var lookback = TemplateLessonWriter.Write(DreamTestData.ToolErrorFinding("book_reservation", DreamTestData.PaymentError, "new", "f1"), 0.5);
        var kept = MemoryCurator.Curate(added.Insights, [lookback], [], s_scope, _ => [], s_now.AddDays(1), options);
        Assert.Equal(["f1", "f3", "new"], Assert.Single(kept.Insights).Evidence.Select(e => e.SessionId));
        Assert.Contains("its 2 evidence sessions merged; left out: the insight's 1 oldest", Assert.Single(kept.Changes).Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Max_evidence_below_one_is_refused_naming_it()
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => new CurationOptions { MaxEvidence = 0 }.Validate());
        Assert.Equal("MaxEvidence", error.ParamName);
        Assert.Equal(0, error.ActualValue);
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
