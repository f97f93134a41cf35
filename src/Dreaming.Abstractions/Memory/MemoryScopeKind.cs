namespace Dreaming;

/// <summary>How wide a <see cref="MemoryScope"/> is.</summary>
public enum MemoryScopeKind
{
    /// <summary>The memory of one agent, named by its agent id.</summary>
    Agent = 0,

    /// <summary>The memory shared by a team (or tenant) of agents, named by the team id.</summary>
    Team = 1,

    /// <summary>The memory shared by every agent.</summary>
    Global = 2,
}
