namespace Dreaming.Tests;

public class TemplateLessonWriterTests
{
    [Fact]
    public void A_failure_predicting_tool_error_becomes_a_pitfall_with_its_numbers_and_evidence()
    {
        var finding = Finding(FindingKinds.ToolError, "book_reservation", "Error: payment amount does not add up, total price is <num>, but paid <num>", 13, 12);

        var lesson = TemplateLessonWriter.Write(finding, 0.58);

        Assert.Equal(InsightKind.Pitfall, lesson.Kind);
        Assert.False(lesson.IsEfficiencyTip);
        Assert.Contains("`book_reservation`", lesson.Text, StringComparison.Ordinal);
        Assert.Contains("payment amount does not add up", lesson.Text, StringComparison.Ordinal);
        Assert.Contains("12 of the 13 sessions", lesson.Text, StringComparison.Ordinal);
        Assert.Contains("92%", lesson.Text, StringComparison.Ordinal);
        Assert.Contains("58%", lesson.Text, StringComparison.Ordinal);
        Assert.Equal(["book_reservation"], lesson.Triggers.Tools);
        Assert.Equal(["s1", "s2"], lesson.Evidence.Select(e => e.SessionId));
        Assert.Equal(7, lesson.Evidence[0].EventSequence);
        Assert.Same(finding, lesson.Finding);
        Assert.Equal(InsightSource.Mined, lesson.Source);
    }

    [Theory]
    [InlineData("cancel_pending_order", "Error: order is already cancelled")]
    [InlineData("get_order", "Error: order <id> not found")]
    [InlineData("update_reservation_flights", "Error: not enough seats on flight <id>")]
    [InlineData("update_reservation_flights", "Error: gift card balance is not enough")]
    [InlineData("update_reservation_flights", "Error: certificate cannot be used to update reservation")]
    [InlineData("update_reservation_flights", "Error: flight <id> not available on date <date>")]
    [InlineData("delete_user", "Error: user <id> does not exist")]
    public void A_state_error_is_not_told_to_retry_until_the_call_succeeds(string tool, string signature)
    {
        // "Order already cancelled", "not found", "not enough seats": the state the error reports does not change by
        // calling again, so "do not finish until the call succeeds" would keep the agent retrying a call that never will.
        var lesson = TemplateLessonWriter.Write(Finding(FindingKinds.ToolError, tool, signature, 10, 9), 0.5);

        Assert.Equal(InsightKind.Pitfall, lesson.Kind);
        Assert.DoesNotContain("until the call succeeds", lesson.Text, StringComparison.Ordinal);
        Assert.Equal(
            $"Calls to `{tool}` fail with \"{signature}\"; 9 of the 10 sessions where it happened failed (90%, against 50% overall). The error reports a state that calling again will not change: check for it before calling `{tool}`, and when the call fails so, do not send it again or say it was done; change what the error names, or tell the user why it cannot be done.",
            lesson.Text);
    }

    [Theory]
    [InlineData("Error: payment amount does not add up, total price is <num>, but paid <num>")]
    [InlineData("Error: invalid date format <str>")]
    [InlineData("ValueError: amount must be positive")]
    [InlineData("Error: Additional properties are not allowed ('seat' was unexpected)")]
    [InlineData("ValidationError: extra fields not permitted")]
    [InlineData("Error: value 'first' is not allowed for argument 'cabin'")]
    [InlineData("Error: field 'passengers' has insufficient items")]
    public void An_error_in_the_arguments_is_still_told_to_fix_them_and_finish_only_when_the_call_succeeds(string signature)
    {
        var lesson = TemplateLessonWriter.Write(Finding(FindingKinds.ToolError, "book_reservation", signature, 10, 9), 0.5);

        Assert.EndsWith("Check the arguments against what the error requires before calling `book_reservation`, and do not finish until the call succeeds.", lesson.Text, StringComparison.Ordinal);
    }

    [Fact]
    public void An_error_that_recurs_in_successful_sessions_becomes_an_efficiency_tip_never_a_rule()
    {
        var finding = Finding(FindingKinds.EfficiencyCost, "update_reservation_flights", "Error: payment method not found", 4, 0) with { WastedCalls = 5 };

        var lesson = TemplateLessonWriter.Write(finding, 0.58);

        Assert.True(lesson.IsEfficiencyTip);
        Assert.Equal(InsightKind.Workflow, lesson.Kind);
        Assert.StartsWith("To save steps:", lesson.Text, StringComparison.Ordinal);
        Assert.Contains("5 wasted calls", lesson.Text, StringComparison.Ordinal);
        Assert.Contains("not a reason to stop", lesson.Text, StringComparison.Ordinal);
    }

    [Fact]
    public void A_help_request_that_recurs_in_successful_sessions_is_a_tip_about_the_question_not_about_a_tool()
    {
        var finding = Finding(FindingKinds.EfficiencyCost, null, "help_requested: Which currency is the refund in?", 4, 1) with { Pattern = FindingKinds.AgentStuck, Occurrences = 6 };

        var lesson = TemplateLessonWriter.Write(finding, 0.5);

        Assert.True(lesson.IsEfficiencyTip);
        Assert.Equal(InsightKind.Workflow, lesson.Kind);
        Assert.Equal(
            "To save steps: the agent often stopped at \"help_requested: Which currency is the refund in?\" (6 times in 4 sessions), even in sessions that went on to succeed. Look in the task and the tools for what it needs before asking.",
            lesson.Text);
    }

    [Theory]
    [InlineData(FindingKinds.ToolError, FindingKinds.ToolError, InsightKind.Pitfall, "Calls to `lookup_order` were sent arguments that are not valid JSON: 9 of the 10 sessions where it happened failed (90%, against 50% overall). Send the arguments of `lookup_order` as one valid JSON object matching its parameters, with nothing before or after it.")]
    [InlineData(FindingKinds.RepeatedFailingCall, FindingKinds.RepeatedFailingCall, InsightKind.Pitfall, "Calls to `lookup_order` were sent arguments that are not valid JSON again and again in a session: 9 of the 10 sessions where it happened failed (90%, against 50% overall). Do not send a call the tool could not read the same way again. Send the arguments of `lookup_order` as one valid JSON object matching its parameters, with nothing before or after it.")]
    [InlineData(FindingKinds.EfficiencyCost, FindingKinds.ToolError, InsightKind.Workflow, "To save steps: calls to `lookup_order` were often sent arguments that are not valid JSON (12 wasted calls in 10 sessions), even in sessions that succeed. Send the arguments of `lookup_order` as one valid JSON object matching its parameters, with nothing before or after it.")]
    [InlineData(FindingKinds.EfficiencyCost, FindingKinds.RepeatedFailingCall, InsightKind.Workflow, "To save steps: calls to `lookup_order` were often sent arguments that are not valid JSON (12 wasted calls in 10 sessions), even in sessions that succeed. Send the arguments of `lookup_order` as one valid JSON object matching its parameters, with nothing before or after it.")]
    public void Arguments_that_were_not_valid_json_are_the_models_to_fix_not_an_error_the_tool_returns(string kind, string pattern, InsightKind expectedKind, string expected)
    {
        var finding = Finding(kind, "lookup_order", "arguments not valid JSON", 10, 9) with { Pattern = pattern, WastedCalls = 12 };

        var lesson = TemplateLessonWriter.Write(finding, 0.5);

        Assert.Equal(expected, lesson.Text);
        Assert.Equal(expectedKind, lesson.Kind);
        Assert.Equal(kind == FindingKinds.EfficiencyCost, lesson.IsEfficiencyTip);
        Assert.DoesNotContain("fails with", lesson.Text, StringComparison.Ordinal);
        Assert.DoesNotContain("returns", lesson.Text, StringComparison.Ordinal);
        Assert.Equal(["lookup_order"], lesson.Triggers.Tools);
    }

    [Theory]
    [InlineData(FindingKinds.RepeatedFailingCall, "do not repeat the same call unchanged")]
    [InlineData(FindingKinds.ToolSequence, "went with failure")]
    [InlineData(FindingKinds.RubricCriterion, "Graders often find")]
    [InlineData(FindingKinds.LimitHit, "ran out of room")]
    [InlineData(FindingKinds.AgentStuck, "stopped at the same point")]
    public void Every_kind_of_finding_gets_its_own_wording(string kind, string expected)
    {
        var lesson = TemplateLessonWriter.Write(Finding(kind, kind == FindingKinds.RubricCriterion ? null : "tool", "sig", 10, 9), 0.5);
        Assert.Contains(expected, lesson.Text, StringComparison.Ordinal);
        Assert.False(lesson.IsEfficiencyTip);
    }

    [Theory]
    [InlineData(200, 199, 0.996, "199 of the 200 sessions where it happened failed (99%, against 99% overall)")]
    [InlineData(400, 1, 0.004, "1 of the 400 sessions where it happened failed (1%, against 1% overall)")]
    [InlineData(13, 12, 0.58, "12 of the 13 sessions where it happened failed (92%, against 58% overall)")]
    [InlineData(5, 5, 0.5, "5 of the 5 sessions where it happened failed (100%, against 50% overall)")]
    [InlineData(3, 0, 0, "0 of the 3 sessions where it happened failed (0%, against 0% overall)")]
    public void A_rate_short_of_all_or_above_none_is_never_shown_as_100_or_0_percent(int sessions, int failed, double baseRate, string expected)
    {
        var lesson = TemplateLessonWriter.Write(Finding(FindingKinds.ToolError, "refund", "Error: x", sessions, failed), baseRate);

        Assert.Contains(expected, lesson.Text, StringComparison.Ordinal);
    }

    [Fact]
    public void Findings_keep_their_order()
    {
        var lessons = TemplateLessonWriter.Write([Finding(FindingKinds.ToolError, "a", "x", 5, 5), Finding(FindingKinds.ToolError, "b", "y", 5, 4)], 0.5);
        Assert.Equal(["a", "b"], lessons.Select(l => l.Triggers.Tools.Single()));
    }

    [Fact]
    public void A_required_criterion_is_said_to_be_required_and_a_weighted_one_is_not()
    {
        var required = TemplateLessonWriter.Write(Finding(FindingKinds.RubricCriterion, null, "refund/order", 10, 9) with { RequiredCriterion = true }, 0.5);
        var weighted = TemplateLessonWriter.Write(Finding(FindingKinds.RubricCriterion, null, "refund/tone", 10, 9), 0.5);

        Assert.Equal("Graders often find \"refund/order\" not met, and it is required (not meeting it fails the outcome whatever the score): 9 of the 10 sessions where it happened failed (90%, against 50% overall). Check it before you finish.", required.Text);
        Assert.DoesNotContain("required", weighted.Text, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(FindingKinds.RubricCriterion, "refund/order", false, "To save steps: graders often find \"refund/order\" not met (6 times in 4 sessions), even in sessions that go on to succeed, and each time the work goes back for another revision. Check it before you finish.")]
    [InlineData(FindingKinds.RubricCriterion, "refund/order", true, "To save steps: graders often find \"refund/order\" not met (6 times in 4 sessions), even in sessions that go on to succeed, and each time the work goes back for another revision; it is required (not meeting it fails the outcome whatever the score). Check it before you finish.")]
    [InlineData(FindingKinds.LimitHit, "finish_reason: length", false, "To save steps: responses often stopped at their length limit (\"finish_reason: length\", 6 times in 4 sessions), even in sessions that go on to succeed. Keep each reply and each call's arguments short, and plan the steps first.")]
    public void A_criterion_or_a_limit_that_costs_steps_in_sessions_that_succeed_is_a_tip_about_it_not_about_a_tool(string pattern, string signature, bool required, string expected)
    {
        // Neither names a tool: the tip of a tool's error ("the tool often returns "refund/order" … avoid the calls that
        // trigger it") told the agent about a tool call that never was.
        var finding = Finding(FindingKinds.EfficiencyCost, null, signature, 4, 1) with { Pattern = pattern, WastedCalls = 6, Occurrences = 6, RequiredCriterion = required };

        var lesson = TemplateLessonWriter.Write(finding, 0.5);

        Assert.Equal(expected, lesson.Text);
        Assert.Equal(InsightKind.Workflow, lesson.Kind);
        Assert.True(lesson.IsEfficiencyTip);
    }

    private static Finding Finding(string kind, string? tool, string signature, int sessions, int failed) => new()
    {
        Kind = kind,
        Pattern = kind,
        Tool = tool,
        Signature = signature,
        Sessions = sessions,
        FailedSessions = failed,
        FailureRate = (double)failed / sessions,
        Lift = 1.5,
        FailureRateLowerBound = 0.6,
        PValue = 0.01,
        Strength = 1.1,
        Occurrences = sessions,
        WastedCalls = 0,
        WastedTokens = 0,
        Evidence = [new FindingEvidence("s1", true, [7, 9]), new FindingEvidence("s2", true, [])],
    };
}
