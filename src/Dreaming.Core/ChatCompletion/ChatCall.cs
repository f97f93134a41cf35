using Microsoft.Extensions.AI;

namespace Dreaming;

/// <summary>What one chat call leaves to record: the messages the session had not seen, the response or the failure.</summary>
/// <remarks>
/// Built on the caller's thread from snapshots (the host or <c>UseFunctionInvocation()</c> may add to the lists it passed
/// once the call returns) and turned into events on the writer's thread, so the agent does not wait for that work.
/// </remarks>
internal sealed class ChatCall
{
    public required string SessionId { get; init; }

    /// <summary>Gets when the call was made: the time of the request messages.</summary>
    public required DateTimeOffset RequestedAt { get; init; }

    /// <summary>Gets when the call returned or failed: the time of everything else.</summary>
    public required DateTimeOffset Timestamp { get; init; }

    public required TranscriptTracker Transcript { get; init; }

    public string? ToolErrorPrefix { get; init; }

    public IReadOnlyList<ChatMessage> RequestMessages { get; init; } = [];

    public IReadOnlyList<ChatMessage> ResponseMessages { get; init; } = [];

    /// <summary>Gets what the model response event is made of; the event itself is built on the writer.</summary>
    public ChatCallResponse? Response { get; init; }

    public ErrorEvent? Error { get; init; }

    /// <summary>Gets the room the call holds in the write queue: roughly one event a message, plus the outcome.</summary>
    public int Slots => RequestMessages.Count + ResponseMessages.Count + 1;

    public List<SessionEvent> ToEvents()
    {
        var events = new List<SessionEvent>(Slots);
        AddMessageEvents(events, lastSequence: null);
        if (Response is { } response)
        {
            events.Add(response.ToEvent(SessionId, Timestamp, sequence: 0));
        }

        if (Error is not null)
        {
            events.Add(Error with { SessionId = SessionId, Timestamp = Timestamp });
        }

        return events;
    }

    /// <summary>Adds the events of the request and response messages, stamped, in order: the outcome is left to the caller.</summary>
    /// <param name="events">The list to add to; empty when <paramref name="lastSequence"/> is given.</param>
    /// <param name="lastSequence">The session's last sequence number, to number the events after it; or <see langword="null"/>.</param>
    public void AddMessageEvents(List<SessionEvent> events, long? lastSequence)
    {
        ChatMessageEvents.AddTo(events, RequestMessages, Transcript, ToolErrorPrefix, SessionId, RequestedAt, lastSequence, request: true);
        // Response messages without a response are what a failed stream had delivered.
        ChatMessageEvents.AddTo(events, ResponseMessages, Transcript, ToolErrorPrefix, SessionId, Timestamp, lastSequence, request: false, Response is { Streaming: false } ? "chat" : "chat.stream");
    }
}

/// <summary>The parts of a model response the call records, copied from the response (its usage object may be reused),
/// and its cost from <see cref="DreamingOptions.CostOf"/> (0 without one).</summary>
internal readonly record struct ChatCallResponse(string? ModelId, string? ResponseId, TimeSpan Latency, long InputTokens, long OutputTokens, long CachedInputTokens, string? FinishReason, bool Streaming, long CostMinorUnits = 0)
{
    public ModelResponseEvent ToEvent(string sessionId, DateTimeOffset timestamp, long sequence) => new()
    {
        SessionId = sessionId,
        Timestamp = timestamp,
        Sequence = sequence,
        ModelId = ModelId,
        ResponseId = ResponseId,
        Latency = Latency,
        Usage = new SessionUsage { InputTokens = InputTokens, OutputTokens = OutputTokens, CachedInputTokens = CachedInputTokens, ModelCalls = 1, CostMinorUnits = CostMinorUnits },
        FinishReason = FinishReason,
        Streaming = Streaming,
    };
}
