namespace Dreaming;

/// <summary>What an <see cref="Insight"/> tells the agent.</summary>
public enum InsightKind
{
    /// <summary>A general lesson learned from outcomes.</summary>
    Lesson = 0,

    /// <summary>A mistake to avoid, usually tied to a tool error or a failing pattern.</summary>
    Pitfall = 1,

    /// <summary>A sequence of steps that works.</summary>
    Workflow = 2,

    /// <summary>A preference of the users or the organisation.</summary>
    Preference = 3,

    /// <summary>A fact about the domain or the environment.</summary>
    Fact = 4,
}
