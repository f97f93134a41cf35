namespace Dreaming;

/// <summary>The grade of one criterion.</summary>
public sealed record CriterionResult
{
    /// <summary>Gets the criterion graded.</summary>
    public required RubricCriterion Criterion { get; init; }

    /// <summary>Gets the verdict.</summary>
    public required CriterionVerdict Verdict { get; init; }

    /// <summary>Gets the score: 1, 0.5 or 0, or <see langword="null"/> for <see cref="CriterionVerdict.Error"/> and <see cref="CriterionVerdict.Skipped"/>.</summary>
    public double? Score => Verdict switch
    {
        CriterionVerdict.Met => 1.0,
        CriterionVerdict.PartiallyMet => 0.5,
        CriterionVerdict.NotMet => 0.0,
        _ => null,
    };

    /// <summary>Gets why: the grader's reason or what a deterministic check found.</summary>
    public string? Reason { get; init; }
}
