namespace Dreaming.Core.Tests.Dreams.Mining;

public sealed partial class FindingMinerPatternTests
{
    [Fact]
    public async Task The_same_call_failing_the_same_way_twice_in_a_session_is_a_loop()
    {
        const string args = """{"flight":"HAT030","date":"2024-05-13"}""";
        const string error = "Error: flight HAT030 not available on date 2024-05-13";
        var sessions = new List<MiningSessions>();
        for (var i = 0; i < 4; i++)
        {
            sessions.Add(MiningSessions.Failed($"loop{i}").Call("update", args, error).Call("update", args, error).Call("update", args, error));
            sessions.Add(MiningSessions.Succeeded($"ok{i}").Call("update", args, error).Call("update", """{"flight":"HAT031"}""", error));
        }

        var report = await MiningSessions.MineAsync(sessions);

        var loop = Assert.Single(report.Findings, f => f.Pattern == FindingKinds.RepeatedFailingCall);
        Assert.Equal(FindingKinds.RepeatedFailingCall, loop.Kind);
        Assert.Equal(("update", "Error: flight <id> not available on date <date>"), (loop.Tool, loop.Signature));
        Assert.Equal((4, 4, 12L, 8L), (loop.Sessions, loop.FailedSessions, loop.Occurrences, loop.WastedCalls));
        Assert.Equal([1L, 2L, 3L, 4L, 5L, 6L], loop.Evidence[0].EventSequences);
        Assert.Equal(error, loop.Example);
    }

    [Fact]
    public async Task Wasted_tokens_are_those_of_the_turns_that_asked_for_the_failing_calls()
    {
        // Each turn asks for two calls and costs 101 tokens: the first call's share is 51, the second's 50.
        var sessions = Enumerable.Range(0, 3).Select(i => MiningSessions.Succeeded($"s{i}")
            .CallOnly("a", "search").CallOnly("b", "search").Response(101)
            .Result("a", "Error: rate limited").Result("b")
            .CallOnly("c", "search").CallOnly("d", "fetch").Response(101)
            .Result("c").Result("d", "Error: rate limited"));

        var report = await MiningSessions.MineAsync(sessions);

        var search = Assert.Single(report.Findings, f => f.Tool == "search");
        var fetch = Assert.Single(report.Findings, f => f.Tool == "fetch");
        Assert.Equal((3L, 153L), (search.WastedCalls, search.WastedTokens));
        Assert.Equal((3L, 150L), (fetch.WastedCalls, fetch.WastedTokens));
        Assert.All([search, fetch], f => Assert.Equal(FindingKinds.EfficiencyCost, f.Kind));
    }

    [Fact]
    public async Task A_tool_sequence_that_separates_failed_from_successful_sessions_is_reported()
    {
        // Every session looks up then answers; failed ones search twice in a row, successful ones search once.
        var sessions = new List<MiningSessions>();
        for (var i = 0; i < 8; i++)
        {
            sessions.Add(MiningSessions.Failed($"f{i}").Call("lookup").Call("search").Call("search").Call("answer"));
            sessions.Add(MiningSessions.Succeeded($"s{i}").Call("lookup").Call("search").Call("answer"));
        }

        sessions.Add(MiningSessions.Succeeded("s8").Call("search").Call("search").Call("answer"));

        var report = await MiningSessions.MineAsync(sessions);

        var sequence = Assert.Single(report.Findings);
        Assert.Equal((FindingKinds.ToolSequence, null, "search -> search"), (sequence.Kind, sequence.Tool, sequence.Signature));
        Assert.Equal((9, 8), (sequence.Sessions, sequence.FailedSessions));
        Assert.True(sequence.PValue < 0.001);
        Assert.Equal([3L, 5L], sequence.Evidence[0].EventSequences);
    }

    [Fact]
    public async Task A_tool_sequence_needs_support_and_significance_over_all_sequences_tested()
    {
        // Present only in failed sessions, but in two of them: below MinSupport. With MinSupport 2 it is the only sequence
        // tested, and p = C(3,2)·C(2,0) / C(5,2) = 0.3 is above the false discovery rate.
        MiningSessions[] sessions =
        [
            MiningSessions.Failed("f1").Call("a").Call("b"),
            MiningSessions.Failed("f2").Call("a").Call("b"),
            MiningSessions.Failed("f3").Call("c"),
            MiningSessions.Succeeded("s1").Call("c"),
            MiningSessions.Succeeded("s2").Call("c"),
        ];

        Assert.Empty((await MiningSessions.MineAsync(sessions)).Findings);
        Assert.Empty((await MiningSessions.MineAsync(sessions, new MiningOptions { MinSupport = 2 })).Findings);
        var relaxed = await MiningSessions.MineAsync(sessions, new MiningOptions { MinSupport = 2, SequenceFalseDiscoveryRate = 0.5 });
        Assert.Equal("a -> b", Assert.Single(relaxed.Findings).Signature);
    }

    [Fact]
    public async Task Rubric_criteria_that_fail_often_are_findings()
    {
        var sessions = new List<MiningSessions>();
        for (var i = 0; i < 6; i++)
        {
            sessions.Add(MiningSessions.Labelled($"f{i}", "max_iterations_reached")
                .Evaluation("refund-summary", ("cites-policy", "not_met"), ("polite", "met"))
                .Evaluation("refund-summary", ("cites-policy", "partially_met"), ("polite", "met")));
            sessions.Add(MiningSessions.Labelled($"s{i}", "satisfied").Evaluation("refund-summary", ("cites-policy", "met"), ("polite", i < 3 ? "not_met" : "met")));
        }

        var report = await MiningSessions.MineAsync(sessions);

        var criterion = Assert.Single(report.Findings, f => f.Pattern == FindingKinds.RubricCriterion && f.Kind == FindingKinds.RubricCriterion);
        Assert.Equal(("refund-summary/cites-policy", 6, 6, 12L), (criterion.Signature, criterion.Sessions, criterion.FailedSessions, criterion.Occurrences));
        Assert.Equal("not_met because of cites-policy", criterion.Example);

        var fixedByRevision = Assert.Single(report.Findings, f => f.Signature == "refund-summary/polite");
        Assert.Equal((FindingKinds.EfficiencyCost, 3, 0), (fixedByRevision.Kind, fixedByRevision.Sessions, fixedByRevision.FailedSessions));
    }

    [Fact]
    public async Task A_report_only_criterion_is_not_mined_however_often_it_fails_while_a_gate_and_an_unrecorded_weight_are()
    {
        // "cites-policy" is report only (weight 0, not required): it fails in every failed session, but never failed an
        // iteration nor sent the work back, so "check it before you finish" would teach a rule the rubric does not enforce.
        // "order" is a weight-0 gate (required); "tone" was recorded before weights were, and is mined as it always was.
        var sessions = new List<MiningSessions>();
        for (var i = 0; i < 6; i++)
        {
            sessions.Add(MiningSessions.Labelled($"f{i}", "max_iterations_reached").Evaluation(
                "refund",
                new CriterionVerdictRecord("cites-policy", "not_met", 0, "no policy") { Weight = 0, Required = false, Kind = "model" },
                new CriterionVerdictRecord("order", i < 3 ? "not_met" : "met", 0, "no order") { Weight = 0, Required = true, Kind = "contains" },
                new CriterionVerdictRecord("tone", i < 3 ? "met" : "partially_met", 0.5, "curt")));
            sessions.Add(MiningSessions.Labelled($"s{i}", "satisfied").Evaluation(
                "refund",
                new CriterionVerdictRecord("cites-policy", i < 2 ? "not_met" : "met", 0, null) { Weight = 0, Required = false, Kind = "model" },
                new CriterionVerdictRecord("order", "met", 1, null) { Weight = 0, Required = true, Kind = "contains" },
                new CriterionVerdictRecord("tone", "met", 1, null)));
        }

        var report = await MiningSessions.MineAsync(sessions);

        var criteria = report.Findings.Where(f => f.Pattern == FindingKinds.RubricCriterion).ToList();
        Assert.Equal(["refund/order", "refund/tone"], criteria.Select(f => f.Signature).Order(StringComparer.Ordinal));
        Assert.All(criteria, f => Assert.Equal((FindingKinds.RubricCriterion, 3, 3), (f.Kind, f.Sessions, f.FailedSessions)));
        // The gate's verdicts recorded it as required; the older verdicts of "tone" say nothing of it.
        Assert.Equal([true, false], criteria.OrderBy(f => f.Signature, StringComparer.Ordinal).Select(f => f.RequiredCriterion));
    }

    [Theory]
    [InlineData(true, false, false)]
    [InlineData(false, true, false)]
    [InlineData(true, false, true)]
    [InlineData(false, true, true)]
    public async Task Whether_a_criterion_is_required_is_what_its_latest_verdict_recorded_whatever_the_order_sessions_come_in(bool requiredBefore, bool requiredNow, bool oldestFirst)
    {
        // The rubric changed in February: "order" stopped (or started) being required. A lesson that says "it is required"
        // of a criterion the rubric no longer requires teaches a gate that is not there (and the reverse hides one); the
        // verdicts before the change still count in the finding, but the latest verdict, met or not, says what the rubric
        // is now. The newer sessions come first, as a lookback streams them, so the order read does not decide.
        var (before, now) = (new DateTimeOffset(2026, 1, 10, 9, 0, 0, TimeSpan.Zero), new DateTimeOffset(2026, 2, 10, 9, 0, 0, TimeSpan.Zero));
        var sessions = new List<MiningSessions>();
        for (var i = 0; i < 3; i++)
        {
            sessions.Add(MiningSessions.Labelled($"new-failed{i}", "max_iterations_reached").At(now.AddMinutes(i)).Evaluation(
                "refund", new CriterionVerdictRecord("order", i == 0 ? "not_met" : "met", 0, "no order") { Weight = 1, Required = requiredNow, Kind = "contains" }));
            sessions.Add(MiningSessions.Labelled($"new-passed{i}", "satisfied").At(now.AddMinutes(i)).Evaluation(
                "refund", new CriterionVerdictRecord("order", "met", 1, null) { Weight = 1, Required = requiredNow, Kind = "contains" }));
        }

        for (var i = 0; i < 4; i++)
        {
            sessions.Add(MiningSessions.Labelled($"old-failed{i}", "max_iterations_reached").At(before.AddMinutes(i)).Evaluation(
                "refund", new CriterionVerdictRecord("order", "not_met", 0, "no order") { Weight = 1, Required = requiredBefore, Kind = "contains" }));
            sessions.Add(MiningSessions.Labelled($"old-passed{i}", "satisfied").At(before.AddMinutes(i)).Evaluation(
                "refund", new CriterionVerdictRecord("order", "met", 1, null) { Weight = 1, Required = requiredBefore, Kind = "contains" }));
        }

        // A verdict recorded before rubrics recorded it (Required null) says nothing either way, however late.
        sessions.Add(MiningSessions.Labelled("unrecorded", "max_iterations_reached").At(now.AddDays(1)).Evaluation(
            "refund", new CriterionVerdictRecord("order", "not_met", 0, "no order")));

        // Newest first, as a lookback streams them, or oldest first: an implementation that kept the first (or the last)
        // verdict read would pass one order only.
        if (oldestFirst)
        {
            sessions.Reverse();
        }

        var finding = Assert.Single((await MiningSessions.MineAsync(sessions)).Findings, f => f.Pattern == FindingKinds.RubricCriterion);

        Assert.Equal(("refund/order", 6, 6), (finding.Signature, finding.Sessions, finding.FailedSessions));
        Assert.Equal(requiredNow, finding.RequiredCriterion);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Of_two_latest_verdicts_at_the_same_time_in_different_sessions_required_wins_whichever_is_read_first(bool requiredFirst)
    {
        // Two sessions graded in the same millisecond (an orchestrated plan's items, an import) disagree: the docs say
        // required wins, whichever session the miner reads first; older verdicts said not required.
        var at = new DateTimeOffset(2026, 2, 10, 9, 0, 0, TimeSpan.Zero);
        var sessions = new List<MiningSessions>();
        for (var i = 0; i < 6; i++)
        {
            sessions.Add(MiningSessions.Labelled($"old-failed{i}", "max_iterations_reached").At(at.AddDays(-1)).Evaluation(
                "refund", new CriterionVerdictRecord("order", "not_met", 0, "no order") { Weight = 1, Required = false, Kind = "contains" }));
            sessions.Add(MiningSessions.Labelled($"old-passed{i}", "satisfied").At(at.AddDays(-1)).Evaluation(
                "refund", new CriterionVerdictRecord("order", "met", 1, null) { Weight = 1, Required = false, Kind = "contains" }));
        }

        var tied = new[]
        {
            MiningSessions.Labelled("tie-required", "max_iterations_reached").At(at).Evaluation(
                "refund", new CriterionVerdictRecord("order", "not_met", 0, "no order") { Weight = 1, Required = true, Kind = "contains" }),
            MiningSessions.Labelled("tie-not-required", "satisfied").At(at).Evaluation(
                "refund", new CriterionVerdictRecord("order", "met", 1, null) { Weight = 1, Required = false, Kind = "contains" }),
        };
        sessions.AddRange(requiredFirst ? tied : [tied[1], tied[0]]);

        var finding = Assert.Single((await MiningSessions.MineAsync(sessions)).Findings, f => f.Pattern == FindingKinds.RubricCriterion);

        Assert.Equal(("refund/order", 7, 7), (finding.Signature, finding.Sessions, finding.FailedSessions));
        Assert.True(finding.RequiredCriterion);
    }

    [Fact]
    public async Task Criteria_that_never_failed_do_not_take_the_room_of_a_failing_criterion_to_say_whether_it_is_required()
    {
        // A checklist rubric graded the first session read: four criteria met, recorded as not required. With room for four
        // patterns, whether each is required filled the table of required criteria, though none failed or became a
        // pattern, and the criterion that fails in every failed session, a required gate, was taught as not required.
        var at = new DateTimeOffset(2026, 2, 10, 9, 0, 0, TimeSpan.Zero);
        var sessions = new List<MiningSessions>
        {
            MiningSessions.Labelled("checklist", "satisfied").At(at.AddDays(1)).Evaluation(
                "intake",
                [.. Enumerable.Range(0, 4).Select(i => new CriterionVerdictRecord($"item{i}", "met", 1, null) { Weight = 1, Required = false, Kind = "contains" })]),
        };
        for (var i = 0; i < 4; i++)
        {
            sessions.Add(MiningSessions.Labelled($"failed{i}", "failed").At(at).Evaluation(
                "refund", new CriterionVerdictRecord("order", "not_met", 0, "no order") { Weight = 0, Required = true, Kind = "contains" }));
            sessions.Add(MiningSessions.Labelled($"passed{i}", "satisfied").At(at).Evaluation(
                "refund", new CriterionVerdictRecord("order", "met", 1, null) { Weight = 0, Required = true, Kind = "contains" }));
        }

        var finding = Assert.Single((await MiningSessions.MineAsync(sessions, new MiningOptions { MaxPatterns = 4 })).Findings);

        Assert.Equal(("refund/order", 4, 4), (finding.Signature, finding.Sessions, finding.FailedSessions));
        Assert.True(finding.RequiredCriterion);
    }

    [Fact]
    public async Task A_later_verdict_left_unnoted_for_lack_of_room_does_not_let_an_earlier_one_say_required()
    {
        // Read newest first: the rubric no longer requires "order" (its latest verdict, met, says so) when a checklist's
        // four met criteria have already taken the room for criteria that are not patterns. That verdict was not noted,
        // and the older failing verdicts, which still said required, made the criterion be taught as required.
        var at = new DateTimeOffset(2026, 2, 10, 9, 0, 0, TimeSpan.Zero);
        var sessions = new List<MiningSessions>
        {
            MiningSessions.Labelled("checklist", "satisfied").At(at.AddDays(3)).Evaluation(
                "intake",
                [.. Enumerable.Range(0, 4).Select(i => new CriterionVerdictRecord($"item{i}", "met", 1, null) { Weight = 1, Required = false, Kind = "contains" })]),
            MiningSessions.Labelled("latest", "satisfied").At(at.AddDays(2)).Evaluation(
                "refund", new CriterionVerdictRecord("order", "met", 1, null) { Weight = 1, Required = false, Kind = "contains" }),
        };
        for (var i = 0; i < 4; i++)
        {
            sessions.Add(MiningSessions.Labelled($"failed{i}", "failed").At(at).Evaluation(
                "refund", new CriterionVerdictRecord("order", "not_met", 0, "no order") { Weight = 0, Required = true, Kind = "contains" }));
        }

        var finding = Assert.Single((await MiningSessions.MineAsync(sessions, new MiningOptions { MaxPatterns = 4 })).Findings);

        Assert.Equal("refund/order", finding.Signature);
        Assert.False(finding.RequiredCriterion);
    }

    [Fact]
    public void Whether_criteria_are_required_is_kept_only_while_they_can_still_become_patterns()
    {
        // A hostile rubric history (a new criterion id in every verdict) notes at most as many criteria as the table has
        // room for patterns, and none once the table is full: no criterion can become a pattern then.
        var at = new DateTimeOffset(2026, 2, 10, 9, 0, 0, TimeSpan.Zero);
        var table = new PatternTable(maxPatterns: 5, maxEvidence: 1);
        table.Get(FindingKinds.ToolError, "refund", "Error: x");
        for (var i = 0; i < 1_000; i++)
        {
            table.NoteRequired($"intake/item{i}", required: false, at);
        }

        Assert.Equal(4, table.PendingCriteria);

        for (var i = 0; i < 4; i++)
        {
            table.Get(FindingKinds.ToolError, "refund", $"Error: {i}");
        }

        Assert.Equal(0, table.PendingCriteria);
        table.NoteRequired("intake/late", required: true, at);
        Assert.Equal(0, table.PendingCriteria);
    }

    [Fact]
    public async Task Wasted_tokens_stop_at_long_MaxValue_when_responses_report_it()
    {
        // A provider reporting long.MaxValue tokens for every response: each call's tokens are long.MaxValue, and the
        // wasted tokens of a loop, of an error and of a length limit hit add several of them.
        const string args = """{"flight":"HAT030"}""";
        const string error = "Error: flight HAT030 not available";
        var sessions = new List<MiningSessions>();
        for (var i = 0; i < 4; i++)
        {
            var session = MiningSessions.Failed($"loop{i}");
            for (var call = 0; call < 3; call++)
            {
                session.CallOnly($"c{call}", "update", args).Response(long.MaxValue).Result($"c{call}", error);
            }

            sessions.Add(session.Response(long.MaxValue, "length"));
            sessions.Add(MiningSessions.Succeeded($"ok{i}").Call("search"));
        }

        var report = await MiningSessions.MineAsync(sessions);

        Assert.Equal(long.MaxValue, Assert.Single(report.Findings, f => f.Pattern == FindingKinds.RepeatedFailingCall).WastedTokens);
        Assert.Equal(long.MaxValue, Assert.Single(report.Findings, f => f.Kind == FindingKinds.LimitHit).WastedTokens);
        Assert.All(report.Findings, f => Assert.True(f.WastedTokens >= 0, $"{f.Pattern} {f.Signature}: {f.WastedTokens}"));
    }

    [Fact]
    public async Task Iteration_and_length_limits_hit_are_findings()
    {
        var sessions = new List<MiningSessions>();
        for (var i = 0; i < 4; i++)
        {
            sessions.Add(MiningSessions.Labelled($"m{i}", "max_iterations_reached"));
            sessions.Add(MiningSessions.Failed($"l{i}").Response(4096, "length"));
            sessions.Add(MiningSessions.Succeeded($"s{i}").Response(100, "stop"));
            sessions.Add(MiningSessions.Succeeded($"t{i}").Response(100, "stop"));
        }

        var report = await MiningSessions.MineAsync(sessions);

        Assert.Equal(0.5, report.BaseFailureRate, 12);
        var limits = report.Findings.Where(f => f.Kind == FindingKinds.LimitHit).OrderBy(f => f.Signature, StringComparer.Ordinal).ToList();
        Assert.Equal(["finish_reason: length", "outcome: max_iterations_reached"], limits.Select(f => f.Signature));
        Assert.All(limits, f => Assert.Equal((4, 4, 2.0), (f.Sessions, f.FailedSessions, f.Lift)));
        Assert.Equal((4L, 4 * 4096L), (limits[0].WastedCalls, limits[0].WastedTokens));
        Assert.Empty(limits[1].Evidence[0].EventSequences);
    }

    [Fact]
    public async Task When_most_sessions_fail_only_a_pattern_that_always_fails_is_tied_to_failure()
    {
        // Base rate 0.9: a lift of 1.2 is out of reach, so the bar is a failure rate of 1.
        var sessions = new List<MiningSessions>();
        for (var i = 0; i < 18; i++)
        {
            sessions.Add(MiningSessions.Failed($"f{i}").Call("always", "{}", i < 5 ? "Error: always fails" : null).Call("often", "{}", i < 8 ? "Error: often fails" : null));
        }

        sessions.Add(MiningSessions.Succeeded("s0").Call("often", "{}", "Error: often fails"));
        sessions.Add(MiningSessions.Succeeded("s1"));

        var report = await MiningSessions.MineAsync(sessions);

        Assert.Equal(FindingKinds.ToolError, report.Findings.Single(f => f.Tool == "always").Kind);
        Assert.Equal(FindingKinds.EfficiencyCost, report.Findings.Single(f => f.Tool == "often").Kind);
    }

    [Fact]
    public async Task A_long_example_is_never_cut_between_the_two_halves_of_a_character()
    {
        // "Error:" and 200 emoji: the example is cut at 299 characters, which fall in the middle of the 147th emoji.
        var error = "Error:" + string.Concat(Enumerable.Repeat("\U0001F600", 200));
        var sessions = Enumerable.Range(0, 3).Select(i => MiningSessions.Failed($"f{i}").Call("book", error: error))
            .Concat(Enumerable.Range(0, 3).Select(i => MiningSessions.Succeeded($"s{i}").Call("book")));

        var report = await MiningSessions.MineAsync(sessions);

        var finding = Assert.Single(report.Findings, f => f.Pattern == FindingKinds.ToolError);
        Dreaming.Tests.Utf16.AssertWellFormed(finding.Example);
        Dreaming.Tests.Utf16.AssertWellFormed(finding.Signature);
        Assert.EndsWith("…", finding.Example, StringComparison.Ordinal);
        Assert.True(finding.Example!.Length <= 300);
    }
}
