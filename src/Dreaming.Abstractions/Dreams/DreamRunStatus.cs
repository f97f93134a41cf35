namespace Dreaming;

/// <summary>Where a <see cref="DreamRun"/> is in its life: <c>pending → running → completed | failed | canceled</c>.</summary>
/// <remarks>A pending run may also be canceled or failed without running. <see cref="Completed"/>, <see cref="Failed"/> and
/// <see cref="Canceled"/> are final: a finished run never changes again.</remarks>
public enum DreamRunStatus
{
    /// <summary>Requested and stored, not started.</summary>
    Pending = 0,

    /// <summary>Started by a process that holds the lease of its scope.</summary>
    Running = 1,

    /// <summary>Finished; its results are final (it may have changed nothing, as when there were not enough sessions).</summary>
    Completed = 2,

    /// <summary>Stopped by an error, or abandoned when its lease expired; the results recorded until then are kept.</summary>
    Failed = 3,

    /// <summary>Stopped on request before it finished.</summary>
    Canceled = 4,
}
