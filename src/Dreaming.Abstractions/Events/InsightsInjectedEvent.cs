namespace Dreaming;

/// <summary>The session was given insights of the agent's memory in its instructions: the record credit assignment reads.</summary>
public sealed record InsightsInjectedEvent : SessionEvent
{
    /// <summary>Gets the memory version the insights came from.</summary>
    public required string MemoryVersionId { get; init; }

    /// <summary>Gets the ids of the insights given, in the order they were rendered.</summary>
    public required IReadOnlyList<string> InsightIds { get; init; }

    /// <inheritdoc />
    public override string EventType => EventTypes.MemoryInjected;
}
