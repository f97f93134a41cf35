namespace Dreaming;

/// <summary>What a run does when an item fails (after its retries).</summary>
public enum OrchestrationFailurePolicy
{
    /// <summary>Cancel the items still running, start no more, and end the run <see cref="OrchestrationStatus.Failed"/>.</summary>
    StopRun = 0,

    /// <summary>Skip every item that depends on the failed one (directly or not) and go on with the rest.</summary>
    SkipDependents = 1,
}
