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

    /// <summary>Gets the tokens the grader used, and their cost (<c>DreamingOptions.CostOf</c> of a <c>UseDreaming()</c> in
    /// the grader's pipeline; 0 without one).</summary>
    public SessionUsage GraderUsage { get; init; } = SessionUsage.Zero;

    /// <summary>Gets the tokens the grader's model calls used without reporting them, estimated at four characters a
    /// token (the prompt's when a call reported no input count, the reply's when it reported no output count), on top of
    /// <see cref="GraderUsage"/>.</summary>
    /// <value>The default is 0: every call reported its usage (or the evaluator does not estimate). Never part of
    /// <see cref="GraderUsage"/> nor recorded as usage: an orchestration counts it against its run-wide token budget
    /// only, as it does for its agents' calls.</value>
    /// <exception cref="ArgumentOutOfRangeException">The value is negative.</exception>
    public long GraderEstimatedTokens
    {
        get;
        init => field = value >= 0 ? value : throw new ArgumentOutOfRangeException(nameof(value), value, "RubricEvaluation.GraderEstimatedTokens must not be negative.");
    }

    /// <summary>Gets a value indicating whether any criterion could not be checked (<see cref="CriterionVerdict.Error"/>).</summary>
    public bool HasErrors => Criteria.Any(c => c.Verdict == CriterionVerdict.Error);
}
