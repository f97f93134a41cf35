namespace Dreaming;

/// <summary>Runs an agent on a task until its work passes a rubric, it runs out of iterations, it asks for help it does not
/// get or reports itself blocked, it fails, or it is stopped.</summary>
/// <remarks>Implementations must be safe to call from several threads at once: loops may run concurrently, each in its
/// own session.</remarks>
public interface IOutcomeRunner
{
    /// <summary>Runs the loop in a new session: agent → grade → feedback → agent …</summary>
    /// <param name="request">The agent, task, rubric and limits.</param>
    /// <param name="cancellationToken">Stops the loop; the result is then <see cref="OutcomeResult.Interrupted"/>.</param>
    /// <returns>The result; the session is completed with it as its outcome.</returns>
    /// <exception cref="ArgumentException">The request is invalid (blank ids, an agent id holding an unpaired surrogate, iterations
    /// out of range).</exception>
    Task<OutcomeRun> RunAsync(OutcomeRequest request, CancellationToken cancellationToken = default);
}
