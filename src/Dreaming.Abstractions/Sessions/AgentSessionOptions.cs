namespace Dreaming;

/// <summary>What a session is started with.</summary>
public sealed class AgentSessionOptions
{
    /// <summary>Gets or sets the agent id; required, not blank.</summary>
    public required string AgentId { get; set; }

    /// <summary>Gets or sets the task the agent works on; required, not blank.</summary>
    public required string Task { get; set; }

    /// <summary>Gets or sets an explicit session id; by default a new one is generated.</summary>
    public string? SessionId { get; set; }

    /// <summary>Gets or sets the agent version.</summary>
    public string? AgentVersion { get; set; }

    /// <summary>Gets or sets the team or tenant scope.</summary>
    public string? Scope { get; set; }

    /// <summary>Gets or sets the parent session id, for sub-tasks.</summary>
    public string? ParentSessionId { get; set; }

    /// <summary>Gets or sets the memory version the session is given.</summary>
    public string? MemoryVersionId { get; set; }

    /// <summary>Gets or sets the insight ids the session is given.</summary>
    public IList<string> InsightIds { get; set; } = [];

    /// <summary>Gets or sets free-form metadata.</summary>
    public IDictionary<string, string> Metadata { get; set; } = new Dictionary<string, string>();
}
