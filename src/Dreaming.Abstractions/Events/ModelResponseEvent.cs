namespace Dreaming;

/// <summary>A model call returned: what model answered, how long it took, what it cost and why it stopped.</summary>
public sealed record ModelResponseEvent : SessionEvent
{
    /// <summary>The most characters of a model id that <c>UseDreaming()</c>, the import and a session's own recorded events
    /// store (<see cref="ModelId"/>), and that <c>DreamingOptions.CostOf</c> is given. Providers name models in at most a
    /// hundred or so (<c>gpt-4o-2024-08-06</c>, a fine-tune's <c>ft:…</c>, a Bedrock ARN); a longer one (a broken or hostile
    /// provider's or proxy's, of a megabyte even) is kept as its first 223 characters (one fewer rather than half a
    /// surrogate pair), <c>~</c> and 32 hexadecimal digits of the SHA-256 of the whole id, as
    /// <see cref="ToolCallEvent.MaxCallIdLength"/> caps a call id: the same id always gives the same stored one, live or
    /// imported, its start is still there for a price table's prefix, and two ids that differ anywhere stay apart.</summary>
    public const int MaxModelIdLength = 256;

    /// <summary>The most characters of a response id that are stored (<see cref="ResponseId"/>), capped as
    /// <see cref="ToolCallEvent.MaxCallIdLength"/> caps a call id. Providers' ids are of 20 to 60 characters
    /// (<c>chatcmpl-…</c>, <c>resp_…</c>, <c>msg_…</c>).</summary>
    public const int MaxResponseIdLength = 128;

    /// <summary>The most characters of a finish reason that are stored (<see cref="FinishReason"/>), capped as
    /// <see cref="ToolCallEvent.MaxCallIdLength"/> caps a call id (its first 31 characters, <c>~</c> and the hash). The
    /// reasons providers send are words (<c>stop</c>, <c>length</c>, <c>pause_turn</c>); mining reads <c>length</c>.</summary>
    public const int MaxFinishReasonLength = 64;

    /// <summary>Gets the model id, when known; stored capped at <see cref="MaxModelIdLength"/>.</summary>
    public string? ModelId { get; init; }

    /// <summary>Gets the provider's response id, when known; stored capped at <see cref="MaxResponseIdLength"/>.</summary>
    public string? ResponseId { get; init; }

    /// <summary>Gets the wall time of the call (for streaming, until the last update).</summary>
    public TimeSpan Latency { get; init; }

    /// <summary>Gets the usage the provider reported for the call, and its cost (through <c>UseDreaming()</c>, the one
    /// <c>DreamingOptions.CostOf</c> gives it; 0 without one).</summary>
    public SessionUsage Usage { get; init; } = SessionUsage.Zero;

    /// <summary>Gets the finish reason, such as <c>stop</c>, <c>length</c> or <c>tool_calls</c>; stored capped at
    /// <see cref="MaxFinishReasonLength"/>.</summary>
    public string? FinishReason { get; init; }

    /// <summary>Gets a value indicating whether the call was streamed.</summary>
    public bool Streaming { get; init; }

    /// <inheritdoc />
    public override string EventType => EventTypes.ModelResponse;
}
