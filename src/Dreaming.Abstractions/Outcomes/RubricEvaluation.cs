namespace Dreaming;

/// <summary>The grade of one artifact against a rubric.</summary>
public sealed record RubricEvaluation
{
    /// <summary>Gets the rubric graded against.</summary>
    public required Rubric Rubric { get; init; }

    /// <summary>Gets the per-criterion results, in the rubric's order.</summary>
    public required IReadOnlyList<CriterionResult> Criteria { get; init; }

    /// <summary>Gets the weighted mean over the scored criteria (those with a weight above 0 and a score), 0 when none.</summary>
    public required double Score { get; init; }

    /// <summary>Gets a value indicating whether the work passed: score at least the threshold, no required criterion
    /// failed, and no criterion in error.</summary>
    public required bool Passed { get; init; }

    /// <summary>Gets the tokens the grader used.</summary>
    public SessionUsage GraderUsage { get; init; } = SessionUsage.Zero;

    /// <summary>Gets a value indicating whether any criterion could not be checked (<see cref="CriterionVerdict.Error"/>).</summary>
    public bool HasErrors => Criteria.Any(c => c.Verdict == CriterionVerdict.Error);
}
