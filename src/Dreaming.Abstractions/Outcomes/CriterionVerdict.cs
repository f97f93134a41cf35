namespace Dreaming;

/// <summary>The verdict on one criterion.</summary>
public enum CriterionVerdict
{
    /// <summary>Met: scores 1.</summary>
    Met = 0,

    /// <summary>Partially met: scores 0.5.</summary>
    PartiallyMet = 1,

    /// <summary>Not met: scores 0.</summary>
    NotMet = 2,

    /// <summary>The check could not be made (the grader failed, the schema could not be read): never a pass, never a silent zero.</summary>
    Error = 3,

    /// <summary>Not checked, because no grader is configured for a model-judged criterion; excluded from the score.</summary>
    Skipped = 4,
}
