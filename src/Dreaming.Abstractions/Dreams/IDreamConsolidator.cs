namespace Dreaming;

/// <summary>Turns past sessions and the current memory into a new memory version: one dream run.</summary>
public interface IDreamConsolidator
{
    /// <summary>Runs one dream: select sessions, mine them, write lessons, curate the memory, guard it, and commit a new
    /// version (activated or left proposed by the review mode). The input version is never modified.</summary>
    /// <param name="request">The scope, limits, instructions and review mode.</param>
    /// <param name="cancellationToken">Cancels the run; it is then recorded as canceled.</param>
    /// <returns>The finished run: completed (with or without a new version), failed (with its partial results) or canceled.</returns>
    /// <exception cref="DreamConflictException">Another dream of the same scope is running.</exception>
    /// <exception cref="ArgumentException">The request is invalid.</exception>
    Task<DreamRun> DreamAsync(DreamRunRequest request, CancellationToken cancellationToken = default);
}
