namespace Dreaming;

/// <summary>Grades an artifact against a rubric, criterion by criterion.</summary>
public interface IRubricEvaluator
{
    /// <summary>Grades <paramref name="artifact"/>: deterministic criteria without a model, the others with the grader, if any.</summary>
    /// <param name="rubric">The rubric.</param>
    /// <param name="artifact">The work to grade.</param>
    /// <param name="task">The task the work was for, given to the grader; never the writer's reasoning.</param>
    /// <param name="cancellationToken">Cancels the grading.</param>
    /// <returns>The evaluation.</returns>
    /// <exception cref="RubricException">The rubric is invalid.</exception>
    Task<RubricEvaluation> EvaluateAsync(Rubric rubric, string artifact, string? task = null, CancellationToken cancellationToken = default);
}
