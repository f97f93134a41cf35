namespace Dreaming;

/// <summary>What the reflect stage produced: lessons, the tokens it used, and what went wrong if the model failed.</summary>
/// <param name="Lessons">One or more lessons per finding, in the findings' order, then any lessons from pairs of similar tasks.</param>
/// <param name="Usage">The reflector model's token usage.</param>
/// <param name="Note">Why some or all lessons were written by template instead, if they were.</param>
/// <param name="BudgetReached">Whether the stage stopped calling the model because the dream's token budget was reached.</param>
public sealed record ReflectionResult(IReadOnlyList<LessonCandidate> Lessons, SessionUsage Usage, string? Note, bool BudgetReached = false);
