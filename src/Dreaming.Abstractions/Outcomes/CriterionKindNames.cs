namespace Dreaming;

/// <summary>The wire names of <see cref="CriterionKind"/>, as recorded in <see cref="CriterionVerdictRecord.Kind"/>:
/// <c>model</c> for a criterion judged by the grader model, otherwise the deterministic check's name in snake_case
/// (<c>contains</c>, <c>not_contains</c>, <c>equals</c>, <c>regex</c>, <c>json</c>, <c>json_schema</c>, <c>max_length</c>,
/// <c>min_length</c>, <c>custom</c>).</summary>
/// <remarks>Thread-safe: the members are stateless.</remarks>
public static class CriterionKindNames
{
    /// <summary>The name of <see cref="CriterionKind.Model"/>: judged by the grader model. Every other name is a
    /// deterministic check, run without a model.</summary>
    public const string Model = "model";

    /// <summary>Returns the snake_case name of a criterion kind.</summary>
    /// <param name="kind">The kind.</param>
    /// <returns>The name.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="kind"/> is not a defined value.</exception>
    public static string Of(CriterionKind kind) => kind switch
    {
        CriterionKind.Model => Model,
        CriterionKind.Contains => "contains",
        CriterionKind.NotContains => "not_contains",
        CriterionKind.Equals => "equals",
        CriterionKind.Regex => "regex",
        CriterionKind.Json => "json",
        CriterionKind.JsonSchema => "json_schema",
        CriterionKind.MaxLength => "max_length",
        CriterionKind.MinLength => "min_length",
        CriterionKind.Custom => "custom",
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "Unknown criterion kind."),
    };
}
