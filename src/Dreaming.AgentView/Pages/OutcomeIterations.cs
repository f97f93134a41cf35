using System.Globalization;
using Dreaming.AgentView.Rendering;

namespace Dreaming.AgentView.Pages;

/// <summary>A session's outcome loop as a table per rubric: one row per criterion, one column per iteration (the verdict and
/// its score, the grader's reason as the cell's tooltip), then each iteration's score against the threshold, whether it
/// passed, its result and the grader's tokens; and the loop's final result.</summary>
/// <remarks>Read from the <c>outcome.evaluation_started</c>/<c>_ended</c> events. They record each criterion's verdict,
/// score and reason, and (since <see cref="CriterionVerdictRecord.Weight"/> was recorded) its weight, whether it is
/// required and its kind: a criterion's row says "required" or "report only" (weight 0, not required: its verdict never
/// moved the score), its header's tooltip the weight and kind, and the cell of a required criterion not met is marked
/// (<c>gate-failed</c>). Whether an iteration passed is shown as the loop decided it
/// (<see cref="OutcomeEvaluationEndedEvent.Passed"/>), never recomputed from the score: a score at the threshold still fails
/// on a required criterion not met, named when recorded, or a criterion in error. Verdicts recorded before the weights were
/// show as they did: no marks, and "a required criterion was not met" without a name.</remarks>
internal static class OutcomeIterations
{
    /// <summary>The most iterations a rubric's table shows: the last ones (a loop runs up to
    /// <see cref="OutcomeRequest.MaxIterationsLimit"/> iterations per escalation, and escalations have no upper bound).</summary>
    public const int MaxIterations = 20;

    /// <summary>The most criteria a rubric's table shows: the first ones recorded.</summary>
    public const int MaxCriteria = 50;

    /// <summary>The most required criteria an iteration's "not passed" names.</summary>
    private const int MaxNamedGates = 3;

    private const double Tolerance = 1e-9;

    /// <summary>Writes the section, or nothing when the session has no outcome evaluation.</summary>
    /// <param name="html">The page.</param>
    /// <param name="session">The session.</param>
    /// <param name="events">All its events.</param>
    public static void Write(HtmlWriter html, SessionRecord session, IReadOnlyList<SessionEvent> events)
    {
        var rubrics = Read(events);
        if (rubrics.Count == 0)
        {
            return;
        }

        html.Raw("<section id=\"outcome\">").Element("h3", "Outcome iterations");
        foreach (var rubric in rubrics)
        {
            WriteRubric(html, session, rubric);
        }

        html.Raw("</section>");
    }

    /// <summary>A score cut (never rounded up) to 3 decimals, so a score just below a threshold (0.7496 against 0.75) never
    /// reads as reaching it.</summary>
    /// <param name="score">The score.</param>
    public static string Score(double score) =>
        (Math.Floor((score + Tolerance) * 1000) / 1000).ToString("0.###", CultureInfo.InvariantCulture);

    /// <summary>An evaluation's score against its threshold, such as "0.8 (threshold 0.75)" or "0 (minimum, threshold 1)";
    /// "not scored" for one interrupted or one whose agent failed before any grading.</summary>
    /// <param name="ended">The evaluation.</param>
    public static string ScoreAgainstThreshold(OutcomeEvaluationEndedEvent ended)
    {
        if (!IsScored(ended))
        {
            return "not scored";
        }

        var aggregation = ended.Aggregation == RubricAggregationNames.WeightedMean ? string.Empty : ended.Aggregation + ", ";
        return $"{Score(ended.Score)} ({aggregation}threshold {ended.Threshold.ToString(CultureInfo.InvariantCulture)})";
    }

    // Interrupted evaluations and those of an agent that threw record no score (their defaults, 0): not a score of 0.
    private static bool IsScored(OutcomeEvaluationEndedEvent ended) =>
        !string.Equals(ended.Result, "interrupted", StringComparison.Ordinal) && (ended.Criteria.Count > 0 || ended.Error is null);

    private static string PassedText(OutcomeEvaluationEndedEvent ended)
    {
        if (!IsScored(ended))
        {
            return "not graded";
        }

        if (ended.Passed)
        {
            return "passed";
        }

        if (ended.Criteria.Any(c => c.Verdict == "error"))
        {
            return "not passed: a criterion could not be checked";
        }

        // A gate the work failed (judged not met) apart from one that was not checked (skipped for want of a grader).
        var failedGates = ended.Criteria.Where(IsFailedGate).Select(c => c.Id).ToList();
        if (failedGates.Count > 0)
        {
            return $"not passed: required {Named(failedGates)} not met";
        }

        var skippedGates = ended.Criteria.Where(c => c.FailedRequired && c.Verdict == "skipped").Select(c => c.Id).ToList();
        if (skippedGates.Count > 0)
        {
            return $"not passed: required {Named(skippedGates)} not checked (skipped)";
        }

        // A criterion whose weight was not recorded counted as scored (as before weights were recorded).
        if (!ended.Criteria.Any(c => c.Score is not null && c.Weight is not 0))
        {
            return "not passed: no criterion was scored";
        }

        if (ended.Score + Tolerance < ended.Threshold)
        {
            return "not passed: below the threshold";
        }

        // Every criterion's required flag known and none failed: the evaluator decided otherwise, for no reason recorded.
        return ended.Criteria.All(c => c.Required is not null) ? "not passed" : "not passed: a required criterion was not met";
    }

    private static void WriteRubric(HtmlWriter html, SessionRecord session, RubricTable rubric)
    {
        html.Raw("<table class=\"outcome\"><caption>").Text("Rubric ").Short(rubric.Id).Text(rubric.Version is { } v ? " v" + v.ToString(CultureInfo.InvariantCulture) : string.Empty)
            .Raw("</caption><thead><tr><th>Criterion</th>");
        var columns = rubric.Columns.Count > MaxIterations ? rubric.Columns[^MaxIterations..] : rubric.Columns;
        foreach (var column in columns)
        {
            html.Raw("<th class=\"num\">").Text("Iteration " + column.Iteration.ToString(CultureInfo.InvariantCulture)).Raw("</th>");
        }

        html.Raw("</tr></thead><tbody>");
        foreach (var criterion in rubric.CriterionIds.Take(MaxCriteria))
        {
            var definition = rubric.Definitions.GetValueOrDefault(criterion);
            html.Raw("<tr><th").Title(definition is null ? null : Describe(definition)).Raw("><code>").Short(criterion).Raw("</code>");
            if (definition?.Required == true)
            {
                html.Raw(" ").Element("span", "required", "criterion-tag required");
            }
            else if (definition?.IsReportOnly == true)
            {
                html.Raw(" ").Element("span", "report only", "criterion-tag report-only");
            }

            html.Raw("</th>");
            foreach (var column in columns)
            {
                var verdict = column.Ended?.Criteria.FirstOrDefault(c => c.Id == criterion);
                if (verdict is null)
                {
                    html.Raw("<td class=\"num muted\">-</td>");
                    continue;
                }

                html.Raw("<td class=\"num verdict verdict-" + VerdictClass(verdict.Verdict) + (IsFailedGate(verdict) ? " gate-failed" : string.Empty) + "\"").Title(verdict.Reason).Raw(">")
                    .Short(verdict.Verdict.Replace('_', ' ') + (verdict.Score is { } s ? " (" + Score(s) + ")" : string.Empty)).Raw("</td>");
            }

            html.Raw("</tr>");
        }

        html.Raw("</tbody><tfoot>");
        FooterRow(html, columns, "score", "Score", c => c.Ended is { } e ? ScoreAgainstThreshold(e) : "grading not ended", _ => null);
        FooterRow(html, columns, "passed", "Passed", c => c.Ended is { } e ? PassedText(e) : "-", c => c.Ended is { } e && IsScored(e) ? (e.Passed ? "status status-passed" : "status status-failed") : "muted");
        FooterRow(html, columns, "result", "Result", c => c.Ended?.Result ?? "-", _ => null);
        FooterRow(html, columns, "grader", "Grader tokens", c => c.Ended is { } e ? Tokens(e.GraderUsage) : "-", _ => null);
        if (columns.Any(c => c.Ended?.Error is not null))
        {
            FooterRow(html, columns, "error", "Error", c => c.Ended?.Error ?? "-", c => c.Ended?.Error is null ? "muted" : "failure");
        }

        html.Raw("</tfoot></table>");
        if (columns.Count < rubric.Columns.Count)
        {
            html.Element("p", string.Create(CultureInfo.InvariantCulture, $"The first {rubric.Columns.Count - columns.Count:N0} of {rubric.Columns.Count:N0} iterations are not shown here (the timeline lists their results and scores)."), "cap-note");
        }

        if (rubric.CriterionIds.Count > MaxCriteria)
        {
            html.Element("p", string.Create(CultureInfo.InvariantCulture, $"The last {rubric.CriterionIds.Count - MaxCriteria:N0} of {rubric.CriterionIds.Count:N0} criteria are not shown here."), "cap-note");
        }

        html.Raw("<p class=\"final\">Final result: ");
        var (label, score) = Final(session, rubric);
        html.Open("span", "status status-" + HtmlWriter.ClassName(label)).Short(label).Close("span");
        if (score is { } final)
        {
            html.Text(" " + Score(final));
        }

        html.Text(string.Create(CultureInfo.InvariantCulture, $", after {rubric.Columns.Count} iteration{(rubric.Columns.Count == 1 ? string.Empty : "s")}")).Raw("</p>");
    }

    // The session's outcome is the loop's final result when the loop set it (source rubric:{id}@{version}); otherwise the
    // last iteration's result when it is final, "in progress" while the session runs.
    private static (string Label, double? Score) Final(SessionRecord session, RubricTable rubric)
    {
        if (session.Outcome is { Source: { } source } outcome && source.StartsWith("rubric:" + rubric.Id + "@", StringComparison.Ordinal))
        {
            return (outcome.Label, outcome.Score);
        }

        if (rubric.Columns[^1].Ended is { } last && last.Result != "needs_revision")
        {
            return (last.Result, IsScored(last) ? last.Score : null);
        }

        return (session.Status == SessionStatus.Running ? "in progress" : "not recorded", null);
    }

    private static void FooterRow(HtmlWriter html, List<Column> columns, string name, string label, Func<Column, string> text, Func<Column, string?> cssClass)
    {
        html.Raw("<tr class=\"" + name + "\"><th>").Text(label).Raw("</th>");
        foreach (var column in columns)
        {
            html.Raw("<td").Raw(cssClass(column) is { } css ? " class=\"" + css + "\"" : string.Empty).Raw(">").Short(text(column)).Raw("</td>");
        }

        html.Raw("</tr>");
    }

    private static string Tokens(SessionUsage usage) => string.Create(
        CultureInfo.InvariantCulture,
        $"{usage.InputTokens:N0} in, {usage.OutputTokens:N0} out{(usage.CostMinorUnits > 0 ? $", cost {usage.CostMinorUnits:N0}" : string.Empty)}");

    // What a criterion counts for and how it is checked, as its row header's tooltip: "weight 2, required, checked without
    // a model (regex)". Each part is left out when it was not recorded.
    private static string? Describe(CriterionVerdictRecord definition)
    {
        var parts = new List<string>(3);
        if (definition.Weight is { } weight)
        {
            parts.Add("weight " + weight.ToString("0.###", CultureInfo.InvariantCulture));
        }

        if (definition.Required == true)
        {
            parts.Add("required");
        }
        else if (definition.IsReportOnly)
        {
            parts.Add("report only (never moves the score)");
        }

        if (definition.Kind is { } kind)
        {
            parts.Add(kind == CriterionKindNames.Model ? "judged by the grader model" : "checked without a model (" + kind + ")");
        }

        return parts.Count == 0 ? null : string.Join(", ", parts);
    }

    // A required criterion the grader or check judged and found not met: one in error or skipped was not judged at all.
    private static bool IsFailedGate(CriterionVerdictRecord verdict) => verdict.FailedRequired && verdict.Verdict is not ("error" or "skipped");

    private static string Named(List<string> ids) =>
        string.Join(", ", ids.Take(MaxNamedGates)) + (ids.Count > MaxNamedGates ? string.Create(CultureInfo.InvariantCulture, $" and {ids.Count - MaxNamedGates:N0} more") : string.Empty);

    private static string VerdictClass(string verdict) => verdict switch
    {
        "met" => "met",
        "partially_met" => "partial",
        "not_met" => "not-met",
        "error" => "error",
        "skipped" => "skipped",
        _ => "other",
    };

    // The evaluations grouped by rubric, in the order they first appear; a start and its end are one column.
    private static List<RubricTable> Read(IReadOnlyList<SessionEvent> events)
    {
        var rubrics = new List<RubricTable>();
        foreach (var e in events)
        {
            switch (e)
            {
                case OutcomeEvaluationStartedEvent started:
                    var forStart = Find(rubrics, started.RubricId);
                    forStart.Version ??= started.RubricVersion;
                    forStart.Columns.Add(new Column(started.Iteration) { Started = true });
                    break;
                case OutcomeEvaluationEndedEvent ended:
                    var forEnd = Find(rubrics, ended.RubricId);
                    var open = forEnd.Columns.FindLast(c => c.Started && c.Ended is null && c.Iteration == ended.Iteration);
                    if (open is null)
                    {
                        open = new Column(ended.Iteration);
                        forEnd.Columns.Add(open);
                    }

                    open.Ended = ended;
                    foreach (var criterion in ended.Criteria)
                    {
                        if (forEnd.KnownCriteria.Add(criterion.Id))
                        {
                            forEnd.CriterionIds.Add(criterion.Id);
                        }

                        // The latest verdict that says what its criterion counts for describes the row.
                        if (criterion.Weight is not null || criterion.Required is not null || criterion.Kind is not null)
                        {
                            forEnd.Definitions[criterion.Id] = criterion;
                        }
                    }

                    break;
            }
        }

        return rubrics;
    }

    private static RubricTable Find(List<RubricTable> rubrics, string id)
    {
        var rubric = rubrics.Find(r => r.Id == id);
        if (rubric is null)
        {
            rubrics.Add(rubric = new RubricTable(id));
        }

        return rubric;
    }

    private sealed class RubricTable(string id)
    {
        public string Id { get; } = id;

        public int? Version { get; set; }

        public List<Column> Columns { get; } = [];

        public List<string> CriterionIds { get; } = [];

        public HashSet<string> KnownCriteria { get; } = new(StringComparer.Ordinal);

        public Dictionary<string, CriterionVerdictRecord> Definitions { get; } = new(StringComparer.Ordinal);
    }

    private sealed class Column(int iteration)
    {
        public int Iteration { get; } = iteration;

        public bool Started { get; init; }

        public OutcomeEvaluationEndedEvent? Ended { get; set; }
    }
}
