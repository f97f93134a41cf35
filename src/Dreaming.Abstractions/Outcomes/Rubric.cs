namespace Dreaming;

/// <summary>What "done" means for a task: criteria, their weights, and the score the work must reach.</summary>
/// <remarks>Score = the <see cref="Aggregation"/> (by default the weighted mean) of the scored criteria (met 1, partially met
/// 0.5, not met 0); the rubric passes when the score is at least <see cref="PassThreshold"/> and no
/// <see cref="RubricCriterion.Required"/> criterion failed.</remarks>
public sealed record Rubric
{
    /// <summary>Gets the rubric id.</summary>
    public required string Id { get; init; }

    /// <summary>Gets the version, so a change to the rubric shows in the outcomes graded with it.</summary>
    /// <value>The default is 1.</value>
    public int Version { get; init; } = 1;

    /// <summary>Gets the title.</summary>
    public required string Title { get; init; }

    /// <summary>Gets an optional description given to the grader with the task.</summary>
    public string? Description { get; init; }

    /// <summary>Gets the pass threshold in [0, 1]; the work passes when its score is at least this.</summary>
    /// <value>The default is 1.0: every scored criterion met.</value>
    public double PassThreshold { get; init; } = 1.0;

    /// <summary>Gets how the scored criteria make the score: their weighted mean, or the lowest of them.</summary>
    /// <value>The default is <see cref="RubricAggregation.WeightedMean"/>. Weight-0 criteria stay out of the score and
    /// required criteria must be met under either (see <see cref="RubricAggregation"/>).</value>
    public RubricAggregation Aggregation { get; init; } = RubricAggregation.WeightedMean;

    /// <summary>Gets the criteria, in order.</summary>
    public required IReadOnlyList<RubricCriterion> Criteria { get; init; }

    /// <summary>Gets the folder relative paths (such as <c>json-schema</c> files) are resolved against, if any.</summary>
    public string? BaseDirectory { get; init; }
}
