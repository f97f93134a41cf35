namespace Dreaming;

/// <summary>What a <see cref="ModelGrader"/> decided: one result per criterion it was given, and what it cost.</summary>
public sealed record GradeResult
{
    /// <summary>Gets the results, in the order the criteria were given; a criterion the grader could not judge has
    /// the verdict <see cref="CriterionVerdict.Error"/> and the reason why.</summary>
    public required IReadOnlyList<CriterionResult> Criteria { get; init; }

    /// <summary>Gets the tokens used by every call to the grader, retries and samples included.</summary>
    public SessionUsage Usage { get; init; } = SessionUsage.Zero;
}
