namespace Dreaming;

/// <summary>One criterion of a <see cref="Rubric"/>.</summary>
public sealed record RubricCriterion
{
    /// <summary>Gets the id, unique in the rubric (from Markdown: the section and position, such as <c>content-1</c>).</summary>
    public required string Id { get; init; }

    /// <summary>Gets the text of the criterion as a person wrote it, without its annotations.</summary>
    public required string Text { get; init; }

    /// <summary>Gets the section (Markdown <c>## </c> heading) the criterion belongs to, if any.</summary>
    public string? Section { get; init; }

    /// <summary>Gets the weight in the weighted mean; 0 means reported but not scored.</summary>
    /// <value>The default is 1. Must be finite and not negative.</value>
    public double Weight { get; init; } = 1;

    /// <summary>Gets a value indicating whether failing the criterion fails the rubric whatever the score.</summary>
    public bool Required { get; init; }

    /// <summary>Gets how the criterion is checked.</summary>
    public CriterionKind Kind { get; init; } = CriterionKind.Model;

    /// <summary>Gets the argument of a deterministic check: the text, pattern, schema path or length.</summary>
    public string? Argument { get; init; }

    /// <summary>Gets a value indicating whether <see cref="CriterionKind.Contains"/> and <see cref="CriterionKind.Equals"/> ignore case.</summary>
    public bool IgnoreCase { get; init; }

    /// <summary>Gets the predicate of a <see cref="CriterionKind.Custom"/> criterion: given the artifact, whether it is met.</summary>
    public Func<string, bool>? Predicate { get; init; }
}
