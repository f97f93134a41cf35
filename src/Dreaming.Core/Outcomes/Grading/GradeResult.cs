namespace Dreaming;

/// <summary>What a <see cref="ModelGrader"/> decided: one result per criterion it was given, and what it cost.</summary>
public sealed record GradeResult
{
    /// <summary>Gets the results, in the order the criteria were given; a criterion the grader could not judge has
    /// the verdict <see cref="CriterionVerdict.Error"/> and the reason why.</summary>
    public required IReadOnlyList<CriterionResult> Criteria { get; init; }

    /// <summary>Gets the tokens used by every call to the grader, retries and samples included.</summary>
    public SessionUsage Usage { get; init; } = SessionUsage.Zero;

    /// <summary>Gets the tokens of the calls that reported no usage (or only part of it), estimated at four characters a
    /// token from the prompt and the reply, on top of <see cref="Usage"/>.</summary>
    /// <value>The default is 0. Never part of <see cref="Usage"/>; <see cref="RubricEvaluator"/> passes it on as
    /// <see cref="RubricEvaluation.GraderEstimatedTokens"/>.</value>
    /// <exception cref="ArgumentOutOfRangeException">The value is negative.</exception>
    public long EstimatedTokens
    {
        get;
        init => field = value >= 0 ? value : throw new ArgumentOutOfRangeException(nameof(value), value, "GradeResult.EstimatedTokens must not be negative.");
    }
}
