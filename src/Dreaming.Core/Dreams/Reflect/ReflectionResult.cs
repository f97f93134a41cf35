namespace Dreaming;

/// <summary>What the reflect stage produced: lessons, the tokens it used, and what went wrong if the model failed.</summary>
/// <param name="Lessons">One or more lessons per finding, in the findings' order, then any lessons from pairs of similar tasks.</param>
/// <param name="Usage">The reflector model's token usage, as the model reported it.</param>
/// <param name="Note">Why some or all lessons were written by template instead, if they were.</param>
/// <param name="BudgetReached">Whether the stage stopped calling the model because the dream's token budget was reached.</param>
/// <remarks>Immutable, so thread-safe.</remarks>
public sealed record ReflectionResult(IReadOnlyList<LessonCandidate> Lessons, SessionUsage Usage, string? Note, bool BudgetReached = false)
{
    /// <summary>Gets the tokens the stage counted against the dream's token budget by estimate, on top of
    /// <see cref="Usage"/>: for a model call that reported no usage (or only part of it), its prompt and reply at four
    /// characters a token.</summary>
    /// <value>The default is 0: every call reported its usage (or the reflector does not estimate). The dream counts
    /// <c>Usage.TotalTokens + EstimatedTokens</c> against <see cref="DreamRunRequest.TokenBudget"/>, keeps it as the reflect
    /// stage's <see cref="DreamStageUsage.EstimatedTokens"/>, and reports it in <c>budget.reached</c>.</value>
    /// <exception cref="ArgumentOutOfRangeException">The value is negative.</exception>
    public long EstimatedTokens
    {
        get;
        init => field = value >= 0 ? value : throw new ArgumentOutOfRangeException(nameof(value), value, "ReflectionResult.EstimatedTokens must not be negative.");
    }
}
