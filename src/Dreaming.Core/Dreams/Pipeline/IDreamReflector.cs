namespace Dreaming;

/// <summary>The reflect stage of a dream: lessons from findings. The default writes them by template; add a model with
/// <c>AddReflector</c> (<see cref="ModelReflector"/>), or register your own.</summary>
public interface IDreamReflector
{
    /// <summary>Writes lessons for the findings.</summary>
    /// <param name="findings">The findings, strongest first.</param>
    /// <param name="baseFailureRate">The failure rate of all sessions mined.</param>
    /// <param name="sessions">The sessions read, by id.</param>
    /// <param name="instructions">The dream's instructions, if any.</param>
    /// <param name="cancellationToken">Cancels the stage.</param>
    /// <returns>The lessons, the usage, and a note if some were not written as intended.</returns>
    Task<ReflectionResult> ReflectAsync(IReadOnlyList<Finding> findings, double baseFailureRate, IReadOnlyDictionary<string, SessionWithEvents> sessions, string? instructions, CancellationToken cancellationToken);
}
