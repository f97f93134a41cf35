namespace Dreaming;

/// <summary>The insights a session is given, rendered for its instructions.</summary>
/// <param name="MemoryVersionId">The version they come from (when they come from several scopes' versions, the first of
/// them: the agent's, the team's, then the global one).</param>
/// <param name="InsightIds">Their ids, in rendered order: that of their versions (agent, team, global) and of their places
/// in each, whatever their rank.</param>
/// <param name="Text">The system message text.</param>
public sealed record InjectedMemory(string MemoryVersionId, IReadOnlyList<string> InsightIds, string Text)
{
    /// <summary>Gets what the session records: one event per version it was given insights of, in the order agent, team,
    /// global.</summary>
    internal IReadOnlyList<InsightsInjectedEvent> Given { get; init; } = [];
}
