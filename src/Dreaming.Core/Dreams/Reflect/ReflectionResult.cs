namespace Dreaming;

/// <summary>What the reflect stage produced: lessons, the tokens it used, and what went wrong if the model failed.</summary>
/// <param name="Lessons">One or more lessons per finding, in the findings' order.</param>
/// <param name="Usage">The reflector model's token usage.</param>
/// <param name="Note">Why some or all lessons were written by template instead, if they were.</param>
public sealed record ReflectionResult(IReadOnlyList<LessonCandidate> Lessons, SessionUsage Usage, string? Note);
