namespace Dreaming;

/// <summary>The review state of a <see cref="MemoryVersion"/>. At most one version per scope is <see cref="Active"/>.</summary>
public enum MemoryVersionState
{
    /// <summary>Waiting for review: it can be approved or rejected.</summary>
    Proposed = 0,

    /// <summary>The version sessions of its scope are given.</summary>
    Active = 1,

    /// <summary>Turned down by a reviewer. It is kept, and can still be edited or rolled back to.</summary>
    Rejected = 2,

    /// <summary>Was active until another version of its scope was approved or rolled back to. It is kept.</summary>
    Superseded = 3,
}
