namespace Dreaming;

/// <summary>Whether an <see cref="Insight"/> is given to sessions. Retiring is a status, never a deletion.</summary>
public enum InsightStatus
{
    /// <summary>A candidate that is not given to sessions until promoted.</summary>
    Proposed = 0,

    /// <summary>Given to sessions of its scope.</summary>
    Active = 1,

    /// <summary>Held back because its evidence looks like an attempt to poison memory; only a person may activate it.</summary>
    Quarantined = 2,

    /// <summary>No longer given to sessions (harmful, contradicted, merged into another or unused), but kept for the record.</summary>
    Retired = 3,
}
