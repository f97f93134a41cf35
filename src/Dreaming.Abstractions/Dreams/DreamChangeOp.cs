namespace Dreaming;

/// <summary>What a dream did to one insight. A dream never deletes: retiring and quarantining are statuses.</summary>
public enum DreamChangeOp
{
    /// <summary>Added a new insight.</summary>
    Add = 0,

    /// <summary>Merged a near-duplicate into an existing insight.</summary>
    Merge = 1,

    /// <summary>Changed an insight's text, triggers, evidence or counters.</summary>
    Update = 2,

    /// <summary>Retired an insight (harmful, contradicted or unused); it stays in the version.</summary>
    Retire = 3,

    /// <summary>Held an insight back because its evidence reads like an instruction to the agent.</summary>
    Quarantine = 4,

    /// <summary>Did not add a candidate lesson because it contradicts a better-supported insight, or one a person wrote;
    /// <see cref="DreamChange.InsightId"/> names that insight and <see cref="DreamChange.Text"/> holds the candidate.</summary>
    Reject = 5,
}
