namespace Dreaming.Tests.Outcomes.Grading;

/// <summary>Rubrics and criteria for the grading tests, built directly rather than parsed.</summary>
internal static class GradingFixtures
{
    public static RubricCriterion Model(string id, string? text = null, double weight = 1, bool required = false) =>
        new() { Id = id, Text = text ?? $"Criterion {id} holds", Weight = weight, Required = required };

    public static RubricCriterion Contains(string id, string argument, double weight = 1, bool required = false) =>
        new() { Id = id, Text = $"Contains {argument}", Kind = CriterionKind.Contains, Argument = argument, Weight = weight, Required = required };

    public static Rubric Rubric(params RubricCriterion[] criteria) => Rubric(1.0, criteria);

    public static Rubric Rubric(double threshold, params RubricCriterion[] criteria) => new()
    {
        Id = "refund-summary",
        Title = "Refund summary",
        Description = "A short customer-facing summary of a refund.",
        PassThreshold = threshold,
        Criteria = criteria,
    };

    /// <summary>The example rubric of the outcomes issue, as its Markdown would be read.</summary>
    public static Rubric IssueExample() => new()
    {
        Id = "refund-summary",
        Title = "Refund summary",
        PassThreshold = 0.75,
        Criteria =
        [
            new() { Id = "content-1", Section = "Content", Text = "Mentions the order number", Required = true, Kind = CriterionKind.Contains, Argument = "#W123" },
            new() { Id = "content-2", Section = "Content", Text = "States the refund amount", Kind = CriterionKind.Regex, Argument = @"\$\d+\.\d{2}" },
            new() { Id = "content-3", Section = "Content", Text = "Apologises once and stays concise", Weight = 2 },
            new() { Id = "format-1", Section = "Format", Text = "Is valid JSON", Kind = CriterionKind.Json },
            new() { Id = "format-2", Section = "Format", Text = "At most 600 characters", Kind = CriterionKind.MaxLength, Argument = "600" },
        ],
    };

    public static CriterionResult Result(RubricCriterion criterion, CriterionVerdict verdict) =>
        new() { Criterion = criterion, Verdict = verdict, Reason = verdict.ToString() };
}
