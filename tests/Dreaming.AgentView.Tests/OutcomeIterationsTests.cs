using AngleSharp.Html.Dom;
using static Dreaming.AgentView.Tests.TestEvents;

namespace Dreaming.AgentView.Tests;

/// <summary>The outcome iterations of a session: a row per criterion, a column per iteration, the score against the
/// threshold, whether it passed as the loop decided, and the loop's final result.</summary>
public sealed class OutcomeIterationsTests
{
    private static string[][] Rows(IHtmlDocument page, string part) =>
        [.. page.QuerySelectorAll($"table.outcome {part} tr").Select(tr => tr.Children.Select(c => c.TextContent).ToArray())];

    private static OutcomeEvaluationEndedEvent Ended(int iteration, string result, double score, bool passed, params CriterionVerdictRecord[] criteria) => new()
    {
        Iteration = iteration,
        RubricId = "refund",
        Result = result,
        Score = score,
        Threshold = 0.75,
        Passed = passed,
        Criteria = criteria,
        GraderUsage = new SessionUsage { InputTokens = 900, OutputTokens = 40, CostMinorUnits = 12 },
    };

    [Fact]
    public async Task Each_criterion_has_a_row_and_each_iteration_a_column_with_its_score_result_and_the_final_result()
    {
        await using var host = await AgentViewHost.StartAsync();
        await host.Traces.SeedAsync(Full(
            "s",
            "task",
            new OutcomeEvaluationStartedEvent { Iteration = 1, RubricId = "refund", RubricVersion = 2 },
            Ended(1, "needs_revision", 0.7496, false, new("order", "not_met", 0, "does not contain \"#W123\""), new("amount", "met", 1, "found $12.00"), new("tone", "partially_met", 0.5, "apologises twice")),
            new NoteEvent { Text = "revising" },
            new OutcomeEvaluationStartedEvent { Iteration = 2, RubricId = "refund", RubricVersion = 2 },
            Ended(2, "needs_revision", 0.8, false, new("order", "met", 1, "contains it"), new("amount", "met", 1, null), new("tone", "error", null, "the grader timed out")),
            new OutcomeEvaluationStartedEvent { Iteration = 3, RubricId = "refund", RubricVersion = 2 },
            Ended(3, "needs_revision", 1, false, new("order", "not_met", 0, "gone"), new("amount", "met", 1, null), new("tone", "met", 1, null)),
            new OutcomeEvaluationStartedEvent { Iteration = 4, RubricId = "refund", RubricVersion = 2 },
            Ended(4, "satisfied", 0.9, true, new("order", "met", 1, null), new("amount", "met", 1, null), new("tone", "partially_met", 0.5, null), new("style", "skipped", null, "no grader"))));

        var page = await host.PageAsync("/dreaming/sessions/s");

        Assert.Equal("Rubric refund v2", page.QuerySelector("table.outcome caption")?.TextContent);
        Assert.Equal([["Criterion", "Iteration 1", "Iteration 2", "Iteration 3", "Iteration 4"]], Rows(page, "thead"));
        Assert.Equal(
            [
                ["order", "not met (0)", "met (1)", "not met (0)", "met (1)"],
                ["amount", "met (1)", "met (1)", "met (1)", "met (1)"],
                ["tone", "partially met (0.5)", "error", "met (1)", "partially met (0.5)"],
                ["style", "-", "-", "-", "skipped"],
            ],
            Rows(page, "tbody"));
        Assert.Equal(
            [
                ["Score", "0.749 (threshold 0.75)", "0.8 (threshold 0.75)", "1 (threshold 0.75)", "0.9 (threshold 0.75)"],
                ["Passed", "not passed: below the threshold", "not passed: a criterion could not be checked", "not passed: a required criterion was not met", "passed"],
                ["Result", "needs_revision", "needs_revision", "needs_revision", "satisfied"],
                ["Grader tokens", "900 in, 40 out, cost 12", "900 in, 40 out, cost 12", "900 in, 40 out, cost 12", "900 in, 40 out, cost 12"],
            ],
            Rows(page, "tfoot"));
        var cells = page.QuerySelectorAll("table.outcome tbody tr:first-child td");
        Assert.Equal("does not contain \"#W123\"", cells[0].GetAttribute("title"));
        Assert.Equal("num verdict verdict-not-met", cells[0].ClassName);
        Assert.Equal("num verdict verdict-met", cells[1].ClassName);
        Assert.Equal(["status status-failed", "status status-failed", "status status-failed", "status status-passed"], page.QuerySelectorAll("table.outcome tfoot tr.passed td").Select(td => td.ClassName ?? "").ToArray());

        // The session's outcome (source rubric:refund@2) is the loop's final result.
        Assert.Equal("Final result: satisfied 0.749, after 4 iterations", page.QuerySelector("section#outcome p.final")?.TextContent);
    }

    [Fact]
    public async Task An_iteration_whose_agent_failed_or_that_was_interrupted_is_not_scored_and_its_error_is_shown()
    {
        await using var host = await AgentViewHost.StartAsync();
        var full = Full(
            "s",
            "task",
            new OutcomeEvaluationStartedEvent { Iteration = 1, RubricId = "refund" },
            Ended(1, "needs_revision", 0.5, false, new CriterionVerdictRecord("order", "not_met", 0, "missing")),
            new OutcomeEvaluationEndedEvent { Iteration = 2, RubricId = "refund", Result = "failed", Error = "the agent failed: boom" },
            new OutcomeEvaluationStartedEvent { Iteration = 3, RubricId = "refund" },
            new OutcomeEvaluationEndedEvent { Iteration = 3, RubricId = "refund", Result = "interrupted", Error = "canceled" },
            new OutcomeEvaluationStartedEvent { Iteration = 4, RubricId = "refund" });
        await host.Traces.SeedAsync(full with { Session = full.Session with { Outcome = null } });

        var page = await host.PageAsync("/dreaming/sessions/s");

        var footer = Rows(page, "tfoot");
        Assert.Equal(["Score", "0.5 (threshold 0.75)", "not scored", "not scored", "grading not ended"], footer[0]);
        Assert.Equal(["Passed", "not passed: below the threshold", "not graded", "not graded", "-"], footer[1]);
        Assert.Equal(["Result", "needs_revision", "failed", "interrupted", "-"], footer[2]);
        Assert.Equal(["Error", "-", "the agent failed: boom", "canceled", "-"], footer[4]);
        Assert.Equal([["order", "not met (0)", "-", "-", "-"]], Rows(page, "tbody"));
        Assert.Equal("Final result: not recorded, after 4 iterations", page.QuerySelector("section#outcome p.final")?.TextContent);
        Assert.Equal("event-5", page.QuerySelectorAll("tr.event-failure").Select(tr => tr.Id).First(id => id == "event-5"));
    }

    [Fact]
    public async Task A_minimum_aggregation_is_named_with_the_score_and_a_loop_without_the_sessions_outcome_ends_with_its_last_result()
    {
        await using var host = await AgentViewHost.StartAsync();
        var full = Full(
            "s",
            "task",
            Ended(1, "max_iterations_reached", 0, false, new CriterionVerdictRecord("order", "not_met", 0, null)) with { Aggregation = RubricAggregationNames.Minimum, Threshold = 0.7465 });
        await host.Traces.SeedAsync(full with { Session = full.Session with { Outcome = SessionOutcome.Failed(0.1, "human") } });

        var page = await host.PageAsync("/dreaming/sessions/s");

        Assert.Equal("0 (minimum, threshold 0.7465)", page.QuerySelector("table.outcome tfoot tr.score td")?.TextContent);
        Assert.Equal("Rubric refund", page.QuerySelector("table.outcome caption")?.TextContent);
        Assert.Equal("Final result: max_iterations_reached 0, after 1 iteration", page.QuerySelector("section#outcome p.final")?.TextContent);
    }

    [Fact]
    public async Task A_loop_of_many_iterations_and_criteria_shows_the_last_iterations_and_the_first_criteria_with_notes()
    {
        // MaxEscalations has no upper bound, so a loop may run MaxIterations times each escalation: 60 iterations of 80
        // criteria with 2,000-character reasons were a 10 MB table.
        await using var host = await AgentViewHost.StartAsync();
        var events = new List<SessionEvent>();
        for (var i = 1; i <= 60; i++)
        {
            events.Add(new OutcomeEvaluationStartedEvent { Iteration = i, RubricId = "refund", RubricVersion = 2 });
            events.Add(Ended(i, i == 60 ? "satisfied" : "needs_revision", 0.5, i == 60, [.. Enumerable.Range(1, 80).Select(c => new CriterionVerdictRecord("c" + c, "not_met", 0, new string('r', 2_000)))]));
        }

        await host.Traces.SeedAsync(Full("s", "task", [.. events]));
        using var client = host.Client();
        var body = await client.GetStringAsync(new Uri("/dreaming/sessions/s", UriKind.Relative));
        var page = await AgentViewHost.ParseAsync(body);

        Assert.Equal(["Criterion", .. Enumerable.Range(41, 20).Select(i => "Iteration " + i)], Rows(page, "thead")[0]);
        Assert.Equal([.. Enumerable.Range(1, 50).Select(c => "c" + c)], Rows(page, "tbody").Select(row => row[0]).ToArray());
        Assert.Equal(
            ["The first 40 of 60 iterations are not shown here (the timeline lists their results and scores).", "The last 30 of 80 criteria are not shown here."],
            page.QuerySelectorAll("section#outcome p.cap-note").Select(p => p.TextContent).ToArray());
        Assert.Equal("Final result: satisfied 0.749, after 60 iterations", page.QuerySelector("section#outcome p.final")?.TextContent);
        Assert.True(body.Length < 2_500_000, $"the page is {body.Length:N0} characters");
    }

    [Fact]
    public async Task Required_and_report_only_criteria_are_marked_and_the_required_one_that_failed_a_passing_score_is_named()
    {
        await using var host = await AgentViewHost.StartAsync();
        CriterionVerdictRecord Order(string verdict) => new("order", verdict, verdict == "met" ? 1 : 0, null) { Weight = 0, Required = true, Kind = "contains" };
        CriterionVerdictRecord Amount(string verdict) => new("amount", verdict, verdict == "met" ? 1 : 0, null) { Weight = 2, Required = false, Kind = "regex" };
        CriterionVerdictRecord Tone(string verdict) => new("tone", verdict, verdict == "met" ? 1 : 0, null) { Weight = 0, Required = false, Kind = CriterionKindNames.Model };
        await host.Traces.SeedAsync(Full(
            "s",
            "task",
            Ended(1, "needs_revision", 1, false, Order("not_met"), Amount("met"), Tone("not_met")),
            Ended(2, "needs_revision", 0, false, Order("met"), Amount("not_met"), Tone("met")),
            Ended(3, "needs_revision", 0, false, Tone("met") with { Weight = 0 }),
            Ended(4, "satisfied", 1, true, Order("met"), Amount("met"), Tone("not_met"))));

        var page = await host.PageAsync("/dreaming/sessions/s");

        // A required criterion and a report-only one say so; the first iteration's score passed, and the table names the
        // required criterion that failed it, its cell marked; a report-only criterion alone is "no criterion scored".
        Assert.Equal([["order required", "not met (0)", "met (1)", "-", "met (1)"], ["amount", "met (1)", "not met (0)", "-", "met (1)"], ["tone report only", "not met (0)", "met (1)", "met (1)", "not met (0)"]], Rows(page, "tbody"));
        Assert.Equal(["Passed", "not passed: required order not met", "not passed: below the threshold", "not passed: no criterion was scored", "passed"], Rows(page, "tfoot")[1]);
        var headers = page.QuerySelectorAll("table.outcome tbody th");
        Assert.Equal(["weight 0, required, checked without a model (contains)", "weight 2, checked without a model (regex)", "weight 0, report only (never moves the score), judged by the grader model"], headers.Select(th => th.GetAttribute("title") ?? "(none)").ToArray());
        Assert.Equal("num verdict verdict-not-met gate-failed", page.QuerySelector("table.outcome tbody tr:first-child td")?.ClassName);
        Assert.Equal("num verdict verdict-not-met", page.QuerySelectorAll("table.outcome tbody tr:last-child td")[0].ClassName);
    }

    [Fact]
    public async Task A_required_criterion_skipped_is_named_as_not_checked_and_neither_it_nor_one_in_error_is_marked_as_a_failed_gate()
    {
        await using var host = await AgentViewHost.StartAsync();
        CriterionVerdictRecord Order(string verdict) => new("order", verdict, verdict == "met" ? 1 : null, null) { Weight = 1, Required = true, Kind = CriterionKindNames.Model };
        CriterionVerdictRecord Amount(string verdict) => new("amount", verdict, verdict == "met" ? 1 : null, null) { Weight = 1, Required = false, Kind = "regex" };
        await host.Traces.SeedAsync(Full(
            "s",
            "task",
            Ended(1, "failed", 1, false, Order("skipped"), Amount("met")),
            Ended(2, "failed", 1, false, Order("error"), Amount("met"))));

        var page = await host.PageAsync("/dreaming/sessions/s");

        Assert.Equal(["Passed", "not passed: required order not checked (skipped)", "not passed: a criterion could not be checked"], Rows(page, "tfoot")[1]);
        Assert.Equal(["num verdict verdict-skipped", "num verdict verdict-error"], page.QuerySelectorAll("table.outcome tbody tr:first-child td").Select(td => td.ClassName ?? string.Empty).ToArray());
    }

    [Fact]
    public async Task Verdicts_recorded_before_weights_were_show_as_they_did()
    {
        await using var host = await AgentViewHost.StartAsync();
        await host.Traces.SeedAsync(Full("s", "task", Ended(1, "needs_revision", 1, false, new CriterionVerdictRecord("order", "not_met", 0, null), new CriterionVerdictRecord("tone", "met", 1, null))));

        var page = await host.PageAsync("/dreaming/sessions/s");

        Assert.Equal([["order", "not met (0)"], ["tone", "met (1)"]], Rows(page, "tbody"));
        Assert.Equal(["Passed", "not passed: a required criterion was not met"], Rows(page, "tfoot")[1]);
        Assert.All(page.QuerySelectorAll("table.outcome tbody th"), th => Assert.Null(th.GetAttribute("title")));
    }

    [Fact]
    public async Task Each_criterion_row_is_opened_in_the_markup_and_not_left_to_the_browser()
    {
        await using var host = await AgentViewHost.StartAsync();
        await host.Traces.SeedAsync(Full(
            "s",
            "task",
            Ended(1, "needs_revision", 1, false, new("order", "not_met", 0, null) { Weight = 0, Required = true, Kind = "contains" }, new("tone", "met", 1, null))));
        using var client = host.Client();

        var body = await client.GetStringAsync(new Uri("/dreaming/sessions/s", UriKind.Relative));

        // A parser opens a row for a <th> found in a <tbody> (so the DOM looks right), but the markup must open it itself.
        var start = body.IndexOf("<table class=\"outcome\">", StringComparison.Ordinal);
        var tbody = body[body.IndexOf("<tbody>", start, StringComparison.Ordinal)..body.IndexOf("</tbody>", start, StringComparison.Ordinal)];
        Assert.Equal(2, System.Text.RegularExpressions.Regex.Count(tbody, "<tr><th[ >]"));
        Assert.Equal(2, System.Text.RegularExpressions.Regex.Count(tbody, "</tr>"));
    }
}
