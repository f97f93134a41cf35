namespace Dreaming;

/// <summary>Where an outcome loop stands, as on the hosted platforms.</summary>
public enum OutcomeResult
{
    /// <summary>The work passed the rubric.</summary>
    Satisfied = 0,

    /// <summary>The work did not pass yet and the agent is revising it; the only non-terminal result.</summary>
    NeedsRevision = 1,

    /// <summary>The work did not pass within the allowed iterations.</summary>
    MaxIterationsReached = 2,

    /// <summary>The rubric could not be applied, the grader failed, or the agent failed; also when the agent was blocked
    /// before its iterations ran out (then <see cref="OutcomeRun.Blocked"/> is set).</summary>
    Failed = 3,

    /// <summary>The loop was cancelled.</summary>
    Interrupted = 4,
}
