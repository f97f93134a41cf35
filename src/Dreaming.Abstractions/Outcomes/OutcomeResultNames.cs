namespace Dreaming;

/// <summary>The wire names of <see cref="OutcomeResult"/> (<c>satisfied</c>, <c>needs_revision</c>, …), also used as session outcome labels.</summary>
public static class OutcomeResultNames
{
    /// <summary>Returns the snake_case name of a result.</summary>
    /// <param name="result">The result.</param>
    /// <returns>The name.</returns>
    public static string Of(OutcomeResult result) => result switch
    {
        OutcomeResult.Satisfied => "satisfied",
        OutcomeResult.NeedsRevision => "needs_revision",
        OutcomeResult.MaxIterationsReached => "max_iterations_reached",
        OutcomeResult.Failed => "failed",
        OutcomeResult.Interrupted => "interrupted",
        _ => throw new ArgumentOutOfRangeException(nameof(result), result, "Unknown outcome result."),
    };
}
