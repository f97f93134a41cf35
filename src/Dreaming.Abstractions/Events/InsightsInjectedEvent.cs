using System.Text.Json.Serialization;

namespace Dreaming;

/// <summary>The session was given insights of a memory version in its instructions: the record credit assignment reads.</summary>
/// <remarks>A session given the memory of several scopes (its agent's, its team's, the global one) records one event per
/// version it was given insights of, each with that version's id and insight ids.</remarks>
public sealed record InsightsInjectedEvent : SessionEvent
{
    /// <summary>Gets the memory version the insights came from.</summary>
    public required string MemoryVersionId { get; init; }

    /// <summary>Gets the ids of the insights given, in the order they were rendered.</summary>
    public required IReadOnlyList<string> InsightIds { get; init; }

    /// <summary>Gets the scope of the version when it is not the session's agent's: <c>team:&lt;id&gt;</c> (the session's
    /// <see cref="SessionRecord.Scope"/>) or <c>global</c>.</summary>
    /// <value><see langword="null"/> (and left out of the JSON) for the memory of the session's own agent, as in every event
    /// recorded before team and global memory were given to sessions. A dream credits the insights of an event only when
    /// the event's scope (this, or the session's agent's when null) is the dream's.</value>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public MemoryScope? Scope { get; init; }

    /// <inheritdoc />
    public override string EventType => EventTypes.MemoryInjected;
}
