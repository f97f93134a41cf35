namespace Dreaming;

/// <summary>A rule a rubric breaks.</summary>
/// <param name="CriterionIndex">The index of the criterion at fault, or <see langword="null"/> for a rubric-wide rule.</param>
/// <param name="Message">What is wrong, naming the setting or criterion.</param>
internal sealed record RubricProblem(int? CriterionIndex, string Message);
