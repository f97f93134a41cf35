namespace Dreaming;

/// <summary>How a rubric criterion is checked.</summary>
public enum CriterionKind
{
    /// <summary>Judged by the grader model (a Markdown bullet without a bracket).</summary>
    Model = 0,

    /// <summary>The artifact contains the argument text (<c>[contains: "…"]</c>, or <c>[contains-i: "…"]</c> ignoring case).</summary>
    Contains = 1,

    /// <summary>The artifact does not contain the argument text (<c>[not-contains: "…"]</c>).</summary>
    NotContains = 2,

    /// <summary>The artifact, trimmed, equals the argument text (<c>[equals: "…"]</c>, or <c>[equals-i: "…"]</c>).</summary>
    Equals = 3,

    /// <summary>The artifact matches the argument regular expression (<c>[regex: …]</c>), run with a timeout.</summary>
    Regex = 4,

    /// <summary>The artifact is valid JSON (<c>[json]</c>).</summary>
    Json = 5,

    /// <summary>The artifact is JSON valid against the schema file named by the argument (<c>[json-schema: path.json]</c>).</summary>
    JsonSchema = 6,

    /// <summary>The artifact has at most the argument's number of characters (<c>[max-length: N]</c>).</summary>
    MaxLength = 7,

    /// <summary>The artifact has at least the argument's number of characters (<c>[min-length: N]</c>).</summary>
    MinLength = 8,

    /// <summary>A predicate given in code (<see cref="RubricCriterion.Predicate"/>).</summary>
    Custom = 9,
}
