namespace Dreaming;

/// <summary>The reflect stage of a dream: lessons from findings. The default writes them by template; add a model with
/// <c>AddReflector</c> (<see cref="ModelReflector"/>), or register your own.</summary>
public interface IDreamReflector
{
    /// <summary>Writes lessons for the findings.</summary>
    /// <param name="request">The findings (strongest first), the sessions read, the dream's instructions and its token budget.
    /// An implementation that calls a model must stay within <see cref="ReflectionRequest.TokenBudget"/> and say so with
    /// <see cref="ReflectionResult.BudgetReached"/> when it stops early; tokens it counted by estimate (calls whose model reported
    /// no usage) go in <see cref="ReflectionResult.EstimatedTokens"/>, so the dream counts them as it did.</param>
    /// <param name="cancellationToken">Cancels the stage.</param>
    /// <returns>The lessons, the usage, and a note if some were not written as intended.</returns>
    Task<ReflectionResult> ReflectAsync(ReflectionRequest request, CancellationToken cancellationToken = default);
}
