using System.Text.Json.Serialization;

namespace Dreaming;

/// <summary>One typed, append-only entry of a session's event log.</summary>
/// <remarks>
/// The envelope (<see cref="SessionId"/>, <see cref="Sequence"/>, <see cref="Timestamp"/>) is stamped when the event is
/// recorded (the sequence number by the background writer, in queue order); the payload is serialised as JSON with a <c>kind</c> discriminator. Event type names
/// follow the <c>{domain}.{action}</c> habit (<see cref="EventType"/>).
/// </remarks>
[JsonPolymorphic(TypeDiscriminatorPropertyName = "kind", UnknownDerivedTypeHandling = JsonUnknownDerivedTypeHandling.FailSerialization)]
[JsonDerivedType(typeof(MessageEvent), "message")]
[JsonDerivedType(typeof(ToolCallEvent), "tool_call")]
[JsonDerivedType(typeof(ToolResultEvent), "tool_result")]
[JsonDerivedType(typeof(ModelResponseEvent), "model_response")]
[JsonDerivedType(typeof(ErrorEvent), "error")]
[JsonDerivedType(typeof(NoteEvent), "note")]
[JsonDerivedType(typeof(OutcomeEvaluationStartedEvent), "outcome_evaluation_started")]
[JsonDerivedType(typeof(OutcomeEvaluationEndedEvent), "outcome_evaluation_ended")]
[JsonDerivedType(typeof(InsightsInjectedEvent), "memory_injected")]
[JsonDerivedType(typeof(InsightsCitedEvent), "memory_cited")]
[JsonDerivedType(typeof(OrchestrationStartedEvent), "orchestration_started")]
[JsonDerivedType(typeof(OrchestrationItemCompletedEvent), "orchestration_item_completed")]
[JsonDerivedType(typeof(OrchestrationCompletedEvent), "orchestration_completed")]
[JsonDerivedType(typeof(OrchestrationFailedEvent), "orchestration_failed")]
public abstract record SessionEvent
{
    /// <summary>Gets the id of the session the event belongs to.</summary>
    [JsonIgnore]
    public string SessionId { get; init; } = string.Empty;

    /// <summary>Gets the 1-based position of the event in its session: unique and increasing in the order events were queued.</summary>
    [JsonIgnore]
    public long Sequence { get; init; }

    /// <summary>Gets when the event was recorded.</summary>
    [JsonIgnore]
    public DateTimeOffset Timestamp { get; init; }

    /// <summary>Gets the event type name, for example <c>message.user</c> or <c>tool.result</c>.</summary>
    [JsonIgnore]
    public abstract string EventType { get; }
}
