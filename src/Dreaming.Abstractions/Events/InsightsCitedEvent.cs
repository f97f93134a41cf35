namespace Dreaming;

/// <summary>The model's answer cited insights it had been given (by their ids in brackets).</summary>
public sealed record InsightsCitedEvent : SessionEvent
{
    /// <summary>Gets the ids cited, each once, in the order they first appear.</summary>
    public required IReadOnlyList<string> InsightIds { get; init; }

    /// <inheritdoc />
    public override string EventType => EventTypes.MemoryCited;
}
