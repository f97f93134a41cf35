namespace Dreaming;

/// <summary>What a dream does with the memory version it writes.</summary>
public enum DreamReviewMode
{
    /// <summary>The dream approves its own version, which becomes active at once; quarantined insights still wait for a person.</summary>
    Auto = 0,

    /// <summary>The version is left proposed until a person approves or rejects it.</summary>
    RequireApproval = 1,
}
