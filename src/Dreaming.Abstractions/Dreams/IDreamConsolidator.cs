namespace Dreaming;

/// <summary>Turns past sessions and the current memory into a new memory version: one dream run.</summary>
/// <remarks>Implementations must be safe to call from several threads at once. Dreams of different scopes may run
/// concurrently; a second dream of a scope that is already dreaming fails with <see cref="DreamConflictException"/>.</remarks>
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

    /// <summary>Runs one dream, as <see cref="DreamAsync(DreamRunRequest, CancellationToken)"/>, telling
    /// <paramref name="started"/> the run as soon as it holds the scope's lease, before any stage runs.</summary>
    /// <param name="request">The scope, limits, instructions and review mode.</param>
    /// <param name="started">Called once with the running run; the default implementation calls it with the finished run.</param>
    /// <param name="cancellationToken">Cancels the run; it is then recorded as canceled.</param>
    /// <returns>The finished run.</returns>
    async Task<DreamRun> DreamAsync(DreamRunRequest request, Action<DreamRun> started, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(started);
        var run = await DreamAsync(request, cancellationToken).ConfigureAwait(false);
        started(run);
        return run;
    }
}
